//! Who writes (docs/CONTRACTS.md "Who changed an exception, who collected a snapshot"): the
//! actor recorded with every exception change — `--actor`/`ENVPARITY_ACTOR`, else the OS user —
//! and the `collected_by` recorded with every snapshot — `ENVPARITY_COLLECTED_BY`, else the CI
//! pipeline its environment variables name, else `actor@host`. Resolved once per process.

use std::sync::Mutex;

use parity_store::Writer;

use crate::{AppError, AppResult};

/// The variable naming the actor (the CLI's `--actor` reads it too).
pub const ACTOR_ENV: &str = "ENVPARITY_ACTOR";
/// The variable overriding `collected_by`.
pub const COLLECTED_BY_ENV: &str = "ENVPARITY_COLLECTED_BY";

/// The longest actor or `collected_by` accepted.
const MAX_LEN: usize = 200;

static ACTOR: Mutex<Option<String>> = Mutex::new(None);

/// Sets the actor of this process (the CLI's `--actor`): checked like `ENVPARITY_ACTOR`.
pub fn set_actor(actor: &str) -> AppResult<()> {
    let actor = checked("--actor", actor)?;
    *ACTOR.lock().unwrap_or_else(|e| e.into_inner()) = Some(actor);
    Ok(())
}

/// An actor or `collected_by`: trimmed, not empty, at most 200 characters, no control
/// characters, and nothing the secret detector flags (it is stored and shown to everyone).
fn checked(what: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    let problem = if v.is_empty() {
        Some("is empty".to_string())
    } else if v.chars().count() > MAX_LEN {
        Some(format!("is longer than {MAX_LEN} characters"))
    } else if v.chars().any(char::is_control) {
        Some("holds a control character".to_string())
    } else if !parity_core::secrets::secret_spans(v).is_empty() {
        Some("looks like a secret (it would be stored and shown to everyone)".to_string())
    } else {
        None
    };
    match problem {
        Some(p) => Err(AppError::bad_input(format!(
            "{what} `{}` {p}",
            v.escape_debug()
        ))),
        None => Ok(v.to_string()),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The actor: `--actor`, else `ENVPARITY_ACTOR`, else the OS user (`None` when even that is
/// unknown).
pub fn actor() -> AppResult<Option<String>> {
    if let Some(a) = ACTOR.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return Ok(Some(a));
    }
    if let Some(a) = env(ACTOR_ENV) {
        return checked(ACTOR_ENV, &a).map(Some);
    }
    Ok(whoami::username()
        .ok()
        .and_then(|u| checked("the OS user", &u).ok()))
}

/// The CI pipeline the environment names, if any: GitHub Actions, GitLab CI, Jenkins, Azure
/// Pipelines, CircleCI, Buildkite, else any `CI=true` as `ci@host`.
fn pipeline(host: &str) -> Option<String> {
    let get = |n: &str| env(n);
    if get("GITHUB_ACTIONS").as_deref() == Some("true") {
        return Some(format!(
            "github-actions:{} run {}",
            get("GITHUB_REPOSITORY").unwrap_or_else(|| "?".into()),
            get("GITHUB_RUN_ID").unwrap_or_else(|| "?".into())
        ));
    }
    if get("GITLAB_CI").as_deref() == Some("true") {
        return Some(format!(
            "gitlab-ci:{} pipeline {}",
            get("CI_PROJECT_PATH").unwrap_or_else(|| "?".into()),
            get("CI_PIPELINE_ID").unwrap_or_else(|| "?".into())
        ));
    }
    if let (Some(_), Some(job)) = (get("JENKINS_URL"), get("JOB_NAME")) {
        return Some(format!(
            "jenkins:{job} build {}",
            get("BUILD_NUMBER").unwrap_or_else(|| "?".into())
        ));
    }
    if get("TF_BUILD").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Some(format!(
            "azure-pipelines:{} build {}",
            get("BUILD_REPOSITORY_NAME").unwrap_or_else(|| "?".into()),
            get("BUILD_BUILDID").unwrap_or_else(|| "?".into())
        ));
    }
    if get("CIRCLECI").as_deref() == Some("true") {
        return Some(format!(
            "circleci:{} build {}",
            get("CIRCLE_PROJECT_REPONAME").unwrap_or_else(|| "?".into()),
            get("CIRCLE_BUILD_NUM").unwrap_or_else(|| "?".into())
        ));
    }
    if get("BUILDKITE").as_deref() == Some("true") {
        return Some(format!(
            "buildkite:{} build {}",
            get("BUILDKITE_PIPELINE_SLUG").unwrap_or_else(|| "?".into()),
            get("BUILDKITE_BUILD_NUMBER").unwrap_or_else(|| "?".into())
        ));
    }
    if get("CI").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        return Some(format!("ci@{host}"));
    }
    None
}

/// What a snapshot written by this process records as `collected_by`.
pub fn collected_by(actor: Option<&str>) -> AppResult<Option<String>> {
    if let Some(c) = env(COLLECTED_BY_ENV) {
        return checked(COLLECTED_BY_ENV, &c).map(Some);
    }
    let host = whoami::hostname().unwrap_or_else(|_| "unknown-host".into());
    let value = pipeline(&host).unwrap_or_else(|| format!("{}@{host}", actor.unwrap_or("unknown")));
    // CI variables are not ours to vouch for: a value that fails the checks is replaced, not
    // refused (collecting must not fail on a CI's naming)
    Ok(Some(
        checked("collected_by", &value).unwrap_or_else(|_| format!("unknown@{host}")),
    ))
}

/// Who writes through a workspace this process opens.
pub fn writer() -> AppResult<Writer> {
    let actor = actor()?;
    let collected_by = collected_by(actor.as_deref())?;
    Ok(Writer {
        actor,
        collected_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_checked() {
        assert_eq!(checked("--actor", " ana ").unwrap(), "ana");
        for bad in [
            "",
            "  ",
            "a\nb",
            &"x".repeat(201),
            "glpat-abcdefghijklmnopqrstuvwx",
        ] {
            let err = checked("--actor", bad).unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::BadInput, "{bad:?}: {err}");
            assert!(err.to_string().contains("--actor"), "{err}");
        }
    }
}

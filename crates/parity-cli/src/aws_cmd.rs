//! The AWS-facing commands: `collect` (with progress bars on a terminal), `credentials
//! set|rm|test` (secrets from a hidden prompt or stdin, never from argv), `iam-policy` and
//! `org discover`.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use parity_app::collect::{collect_blocking, failures_as_error, CancelToken};
use parity_app::{AppError, AppResult, Phase, ProgressEvent, StaticKeys, Workspace};

/// Per environment, per kind: what the progress line shows.
#[derive(Default)]
struct Board {
    kinds: BTreeMap<String, BTreeMap<String, String>>,
}

fn describe(phase: &Phase) -> String {
    match phase {
        Phase::Started => "…".to_string(),
        Phase::Progress { count } => format!("{count}…"),
        Phase::Done { count } => count.to_string(),
        Phase::Failed { .. } => "failed".to_string(),
    }
}

pub fn collect(ws: &Workspace, names: &[String], timeout: Option<&str>) -> AppResult<u8> {
    let mut plan = ws.collect_plan(names)?;
    if let Some(text) = timeout {
        let d = parity_app::check::parse_duration(text)?;
        let secs = u64::try_from(d.num_seconds()).unwrap_or(0);
        if secs == 0 {
            return Err(AppError::bad_input(format!(
                "--timeout `{text}` must be longer than zero"
            )));
        }
        plan = plan.with_timeout(std::time::Duration::from_secs(secs));
    }
    let tty = std::io::stderr().is_terminal();
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bars: BTreeMap<String, ProgressBar> = plan
        .environments
        .iter()
        .map(|e| {
            let bar = if tty {
                multi.add(ProgressBar::new_spinner())
            } else {
                ProgressBar::hidden()
            };
            bar.set_style(style.clone());
            bar.set_prefix(e.name.clone());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            (e.name.clone(), bar)
        })
        .collect();
    let board = Mutex::new(Board::default());
    let progress = |event: ProgressEvent| {
        let Some(kind) = event.kind.clone() else {
            if let Phase::Failed { reason } = &event.phase {
                if !tty {
                    eprintln!("{}: {reason}", event.environment);
                }
            }
            return;
        };
        if !tty {
            match &event.phase {
                Phase::Done { count } => eprintln!("{} {kind}: {count}", event.environment),
                Phase::Failed { reason } => {
                    eprintln!("{} {kind}: failed: {reason}", event.environment)
                }
                _ => {}
            }
            return;
        }
        let Ok(mut b) = board.lock() else { return };
        let line = b.kinds.entry(event.environment.clone()).or_default();
        line.insert(kind, describe(&event.phase));
        if let Some(bar) = bars.get(&event.environment) {
            let text: Vec<String> = line.iter().map(|(k, v)| format!("{k} {v}")).collect();
            bar.set_message(text.join(" · "));
        }
    };
    let outcomes = collect_blocking(ws.path(), &plan, &progress, &CancelToken::default());
    for bar in bars.values() {
        bar.finish_and_clear();
    }
    let outcomes = outcomes?;
    for o in &outcomes {
        match o.snapshot_id {
            Some(id) if o.missing.is_empty() => {
                outln!(
                    "{}: snapshot #{id}, {} resources, complete",
                    o.environment,
                    o.resources
                )
            }
            Some(id) => {
                outln!(
                    "{}: snapshot #{id}, {} resources, PARTIAL:",
                    o.environment,
                    o.resources
                );
                for m in &o.missing {
                    outln!("    {} not collected: {}", m.kind, m.reason);
                }
            }
            None => match &o.store_error {
                Some(e) => outln!(
                    "{}: collected but not stored ({e}); the previous snapshot is kept",
                    o.environment
                ),
                None => outln!(
                    "{}: nothing collected; the previous snapshot is kept",
                    o.environment
                ),
            },
        }
    }
    match failures_as_error(&outcomes) {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

fn read_keys() -> AppResult<StaticKeys> {
    let stdin = std::io::stdin();
    let bad = |e: std::io::Error| AppError::bad_input(format!("cannot read the keys: {e}"));
    if stdin.is_terminal() {
        eprint!("AWS access key id: ");
        let mut id = String::new();
        stdin.lock().read_line(&mut id).map_err(bad)?;
        let secret = rpassword::prompt_password("AWS secret access key (hidden): ").map_err(bad)?;
        let token =
            rpassword::prompt_password("Session token (hidden; Enter for none): ").map_err(bad)?;
        Ok(StaticKeys {
            access_key_id: id.trim().to_string(),
            secret_access_key: secret.trim().to_string(),
            session_token: Some(token.trim().to_string()).filter(|t| !t.is_empty()),
        })
    } else {
        // three lines on stdin: access key id, secret access key, optional session token
        let mut lines = stdin.lock().lines();
        let mut next = || {
            lines
                .next()
                .transpose()
                .map_err(bad)
                .map(|l| l.unwrap_or_default().trim().to_string())
        };
        let access_key_id = next()?;
        let secret_access_key = next()?;
        let token = next()?;
        Ok(StaticKeys {
            access_key_id,
            secret_access_key,
            session_token: Some(token).filter(|t| !t.is_empty()),
        })
    }
}

pub fn credentials_set(ws: &Workspace, env: &str) -> AppResult<u8> {
    ws.environment(env)?;
    let keys = read_keys()?;
    let outcome = ws.set_credentials(env, &keys)?;
    outln!(
        "Stored the keys of `{env}` (access key id {}) in the OS keyring.",
        keys.access_key_id
    );
    if outcome.switched_to_keyring {
        outln!("`{env}` now uses them: credentials = {{ keyring = true }}.");
    }
    Ok(0)
}

pub fn credentials_rm(ws: &Workspace, env: &str) -> AppResult<u8> {
    if ws.remove_credentials(env)? {
        outln!("Removed the keys of `{env}` from the OS keyring.");
    } else {
        outln!("The OS keyring held no keys for `{env}`.");
    }
    Ok(0)
}

pub fn credentials_test(ws: &Workspace, env: &str) -> AppResult<u8> {
    let plan = ws.connection_test_plan(env)?;
    let info = parity_app::credentials::test_connection_blocking(&plan)?;
    outln!(
        "`{env}`: connected in {} (account {}).",
        info.region,
        info.account.as_deref().unwrap_or("not revealed")
    );
    Ok(0)
}

pub fn iam_policy(a: &crate::args::IamPolicyArgs) -> AppResult<u8> {
    use parity_app::credentials::{iam_policy_json, source_policy_json, trust_policy_json};
    let permissions = iam_policy_json();
    let trust = trust_policy_json(&a.principal, a.external_id.as_deref());
    let source = source_policy_json(&a.role);
    if a.permissions {
        outln!("{permissions}");
    } else if a.trust {
        outln!("{trust}");
    } else if a.source {
        outln!("{source}");
    } else {
        outln!("# Permissions: what collect calls. Attach to the identity collect runs as, or to the role each\n# environment assumes (`envparity iam-policy --permissions` prints it alone).");
        outln!("{permissions}");
        outln!("");
        outln!(
            "# Trust policy of the role each environment assumes (`assume_role`), in every target account.\n# Principal: the account or ARN EnvParity runs as (--principal{}).",
            if a.external_id.is_some() { "; the external id is required" } else { ", --external-id" }
        );
        outln!("{trust}");
        outln!("");
        outln!(
            "# The identity EnvParity runs as: sts:AssumeRole on the `{}` roles, and the Organizations\n# calls `envparity org discover` makes (in the management or a delegated administrator account).",
            a.role
        );
        outln!("{source}");
    }
    Ok(0)
}

/// `org discover`: lists the organization and writes the proposed workspace file.
pub fn org_discover(a: crate::args::OrgDiscoverArgs) -> AppResult<u8> {
    let request = parity_app::org::DiscoverRequest {
        profile: a.profile,
        endpoint_url: a.endpoint_url,
        regions: a.region,
        name_tag: a.name_tag,
        role: a.role,
    };
    let discovery = parity_app::org::discover_blocking(&request)?;
    let text = discovery.render(&request)?;
    crate::write_out(a.output.as_deref(), &text)?;
    let proposed = discovery.file.environments.len();
    let skipped = discovery.accounts.len() - proposed;
    if let Some(file) = a.output.as_deref().filter(|f| *f != "-") {
        eprintln!(
            "Wrote {file}: {proposed} environments from {} accounts{}. Review it, then `envparity import {file}`.",
            discovery.accounts.len(),
            if skipped > 0 { format!(" ({skipped} not active, skipped)") } else { String::new() }
        );
    }
    Ok(0)
}

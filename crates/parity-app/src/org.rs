//! `org discover`: an AWS Organization's accounts become a proposed workspace file, one
//! environment per active account, named from an account tag (default `Environment`) or the
//! account's organizational unit (else its name), assuming a role of the given name in that
//! account on top of the credentials used for discovery. The user reviews the file and imports it.

use std::collections::BTreeMap;

use parity_aws::{CollectContext, DiscoverOptions, OrgAccount};
use parity_core::{AssumeRole, Credentials, EnvironmentConfig};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::workspace_file::WorkspaceFile;

/// The tag that names an account's environment unless `--name-tag` says otherwise.
pub const DEFAULT_NAME_TAG: &str = "Environment";
/// The role assumed in every account unless `--role` says otherwise.
pub const DEFAULT_ROLE: &str = "EnvParityReadOnly";

/// What `org discover` is asked.
#[derive(Debug, Clone)]
pub struct DiscoverRequest {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The regions the proposed environments inventory (at least one).
    pub regions: Vec<String>,
    pub name_tag: String,
    /// A role name (`EnvParityReadOnly`, `path/Name`), not an ARN: each account gets its own.
    pub role: String,
}

/// The proposal: the workspace file and, per account, what became of it.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub file: WorkspaceFile,
    pub accounts: Vec<(OrgAccount, Proposal)>,
}

/// What one account became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// An environment of this name, named after `source` (`tag Environment`, `OU Workloads/Prod`,
    /// `account name`).
    Environment { name: String, source: String },
    /// Left out (not active).
    Skipped { reason: String },
}

impl DiscoverRequest {
    fn validate(&self) -> AppResult<()> {
        let role_ok = !self.role.is_empty()
            && !self.role.starts_with("arn:")
            && !self.role.starts_with('/')
            && !self.role.ends_with('/')
            && self
                .role
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c));
        if !role_ok {
            return Err(AppError::bad_input(format!(
                "--role `{}` is not an IAM role name (letters, digits, `_+=,.@-`, a path with `/`): give the name, each account's ARN is built from it",
                self.role
            )));
        }
        if self.name_tag.trim().is_empty() {
            return Err(AppError::bad_input("--name-tag must not be empty"));
        }
        if let Some(url) = &self.endpoint_url {
            parity_core::check_endpoint_url(url)
                .map_err(|e| AppError::bad_input(format!("--endpoint-url {e}")))?;
        }
        if let Some(profile) = &self.profile {
            if profile.trim().is_empty() {
                return Err(AppError::bad_input("--profile must not be empty"));
            }
        }
        if self.regions.is_empty() {
            return Err(AppError::bad_input(
                "give the regions the environments should inventory with --region (repeatable)",
            ));
        }
        Ok(())
    }
}

/// A name usable as an environment name (1-64 letters, digits, `-`, `_`, `.`, starting with a
/// letter or digit), lower-cased; `None` when nothing usable is left or the text looks secret.
fn env_name_from(text: &str) -> Option<String> {
    if parity_core::secrets::mask_text(text, None).is_some() {
        return None;
    }
    let mut name = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .trim_end_matches('-');
    let name: String = name.chars().take(64).collect();
    parity_core::workspace::validate_env_name(&name)
        .ok()
        .map(|_| name)
}

/// Text safe to show in the file's comments (a secret-looking part is masked, lines joined).
fn shown(text: &str) -> String {
    parity_core::secrets::mask_text(text, None)
        .unwrap_or_else(|| text.to_string())
        .replace(['\n', '\r'], " ")
}

/// The proposal for `accounts` (pure: no IO). Names are unique: accounts that would share one
/// all get their account id appended (`prod-111122223333`).
pub fn propose(request: &DiscoverRequest, accounts: Vec<OrgAccount>) -> Discovery {
    let mut named: Vec<(OrgAccount, Option<(String, String)>)> = accounts
        .into_iter()
        .map(|a| {
            if !a.is_active() {
                return (a, None);
            }
            let from_tag = a
                .tags
                .get(&request.name_tag)
                .and_then(|v| env_name_from(v))
                .map(|n| (n, format!("tag {}", request.name_tag)));
            let from_ou = a
                .ou_path
                .last()
                .and_then(|ou| env_name_from(ou))
                .map(|n| (n, format!("OU {}", shown(&a.ou_path.join("/")))));
            let from_name = env_name_from(&a.name).map(|n| (n, "account name".to_string()));
            let chosen = from_tag
                .or(from_ou)
                .or(from_name)
                .unwrap_or_else(|| (format!("account-{}", a.id), "account id".to_string()));
            (a, Some(chosen))
        })
        .collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, n) in &named {
        if let Some((name, _)) = n {
            *counts.entry(name.clone()).or_default() += 1;
        }
    }
    for (a, n) in &mut named {
        if let Some((name, _)) = n {
            if counts[name.as_str()] > 1 {
                let base: String = name.chars().take(64 - 13).collect();
                *name = format!("{base}-{}", a.id);
            }
        }
    }
    let credentials = request
        .profile
        .as_ref()
        .map(|p| Credentials::Profile { profile: p.clone() });
    let mut environments = Vec::new();
    let mut out = Vec::new();
    for (account, n) in named {
        match n {
            Some((name, source)) => {
                let mut env = EnvironmentConfig::new(&name);
                env.credentials = credentials.clone();
                env.assume_role = Some(AssumeRole::new(&format!(
                    "arn:{}:iam::{}:role/{}",
                    account.partition, account.id, request.role
                )));
                env.regions = request.regions.clone();
                env.endpoint_url = request.endpoint_url.clone();
                environments.push(env);
                out.push((account, Proposal::Environment { name, source }));
            }
            None => {
                let reason = format!("not active ({})", account.status);
                out.push((account, Proposal::Skipped { reason }));
            }
        }
    }
    environments.sort_by(|a, b| a.name.cmp(&b.name));
    Discovery {
        file: WorkspaceFile {
            environments,
            ..WorkspaceFile::default()
        },
        accounts: out,
    }
}

impl Discovery {
    /// The workspace file with a comment per account saying where each environment comes from.
    pub fn render(&self, request: &DiscoverRequest) -> AppResult<String> {
        let mut head = String::from(
            "# Proposed by `envparity org discover`: one environment per active account of the\n\
             # organization. Review it (names, regions, scope), then `envparity import FILE`.\n",
        );
        head.push_str(&format!(
            "# Each environment assumes the role `{}` in its account; every role needs the trust\n\
             # and permissions policies `envparity iam-policy` prints.\n#\n",
            request.role
        ));
        for (account, proposal) in &self.accounts {
            let ou = if account.ou_path.is_empty() {
                "root".to_string()
            } else {
                shown(&account.ou_path.join("/"))
            };
            let what = match proposal {
                Proposal::Environment { name, source } => {
                    format!("environment `{name}` (named from the {source})")
                }
                Proposal::Skipped { reason } => format!("skipped: {reason}"),
            };
            head.push_str(&format!(
                "# {} {} (OU {ou}) → {what}\n",
                account.id,
                shown(&account.name)
            ));
        }
        if self.file.environments.is_empty() {
            head.push_str("#\n# No active account: nothing to propose.\n");
            return Ok(head);
        }
        Ok(format!("{head}\n{}", self.file.render()?))
    }
}

/// Lists the organization's accounts and proposes the workspace file (blocking: runs its own
/// runtime).
pub fn discover_blocking(request: &DiscoverRequest) -> AppResult<Discovery> {
    request.validate()?;
    let options = DiscoverOptions {
        profile: request.profile.clone(),
        endpoint_url: request.endpoint_url.clone(),
        region: None,
    };
    let ctx = CollectContext::new("org-discover");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("cannot start the runtime: {e}"),
            )
        })?;
    let accounts = runtime
        .block_on(parity_aws::discover(&options, &ctx))
        .map_err(|e| AppError::new(ErrorCode::Aws, e))?;
    let discovery = propose(request, accounts);
    // The proposal must import: a name or ARN that would not is a bug here, not the user's.
    discovery
        .file
        .validate("the proposal")
        .map_err(|e| AppError::new(ErrorCode::Internal, e.message))?;
    Ok(discovery)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, ou: &[&str], tags: &[(&str, &str)]) -> OrgAccount {
        OrgAccount {
            id: id.into(),
            name: name.into(),
            ou_path: ou.iter().map(|s| s.to_string()).collect(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            status: "ACTIVE".into(),
            partition: "aws".into(),
        }
    }

    fn request() -> DiscoverRequest {
        DiscoverRequest {
            profile: Some("org".into()),
            endpoint_url: None,
            regions: vec!["eu-west-1".into()],
            name_tag: DEFAULT_NAME_TAG.into(),
            role: DEFAULT_ROLE.into(),
        }
    }

    #[test]
    fn names_come_from_the_tag_then_the_ou_then_the_account_name_and_stay_unique() {
        let mut suspended = account("555555555555", "old", &[], &[]);
        suspended.status = "SUSPENDED".into();
        let d = propose(
            &request(),
            vec![
                account(
                    "111111111111",
                    "Shop Prod",
                    &["Workloads", "Prod"],
                    &[("Environment", "Prod")],
                ),
                account(
                    "222222222222",
                    "Shop Staging",
                    &["Workloads", "Staging"],
                    &[],
                ),
                account("333333333333", "Sandbox A", &["Sandbox"], &[]),
                account("444444444444", "Sandbox B", &["Sandbox"], &[]),
                account("666666666666", "Ledger (EU)", &[], &[]),
                suspended,
            ],
        );
        let names: Vec<&str> = d
            .file
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "ledger-eu",
                "prod",
                "sandbox-333333333333",
                "sandbox-444444444444",
                "staging"
            ]
        );
        let prod = &d.file.environments[1];
        assert_eq!(
            prod.assume_role,
            Some(AssumeRole::new(
                "arn:aws:iam::111111111111:role/EnvParityReadOnly"
            ))
        );
        assert_eq!(
            prod.credentials,
            Some(Credentials::Profile {
                profile: "org".into()
            })
        );
        assert_eq!(prod.regions, ["eu-west-1"]);
        assert!(matches!(
            &d.accounts[5].1,
            Proposal::Skipped { reason } if reason.contains("SUSPENDED")
        ));
        let text = d.render(&request()).unwrap();
        assert!(text.contains("# 111111111111 Shop Prod (OU Workloads/Prod) → environment `prod` (named from the tag Environment)"), "{text}");
        assert!(
            text.contains("# 555555555555 old (OU root) → skipped: not active (SUSPENDED)"),
            "{text}"
        );
        // the proposal imports as it is
        let parsed = WorkspaceFile::parse(&text, "proposal.toml").unwrap();
        assert_eq!(parsed, d.file);
    }

    #[test]
    fn bad_requests_are_refused_before_any_call() {
        let mut r = request();
        r.role = "arn:aws:iam::111111111111:role/x".into();
        assert!(r.validate().unwrap_err().message.contains("--role"));
        let mut r = request();
        r.regions.clear();
        assert!(r.validate().unwrap_err().message.contains("--region"));
        let mut r = request();
        r.endpoint_url = Some("http://example.com".into());
        assert!(r.validate().unwrap_err().message.contains("--endpoint-url"));
    }
}

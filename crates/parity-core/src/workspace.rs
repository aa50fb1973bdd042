//! Workspace configuration: environments (name, aliases, credential source, scope, policy),
//! rewrite rules and ignore rules. Exceptions live in `exception`.

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::exception::ExceptionRule;
use crate::model::Category;
use crate::CoreError;

/// Where an environment's AWS credentials come from. Secrets are never part of this value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Credentials {
    /// A named profile from the user's own AWS config (SSO, assume-role, credential_process…).
    Profile { profile: String },
    /// Static keys kept only in the OS keyring, keyed by workspace UUID and environment name.
    Keyring { keyring: bool },
}

/// One environment of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub name: String,
    /// More tokens that mean this environment in resource names (`stg`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Scope: a tag filter.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Scope: SSM path prefix; default `/<name>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssm_prefix: Option<String>,
    /// Scope: VPCs by logical name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Policy: categories in which this environment may differ from the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub may_differ_in: Vec<Category>,
}

impl EnvironmentConfig {
    pub fn new(name: &str) -> Self {
        EnvironmentConfig {
            name: name.to_string(),
            aliases: Vec::new(),
            credentials: None,
            regions: Vec::new(),
            tags: BTreeMap::new(),
            ssm_prefix: None,
            vpcs: Vec::new(),
            endpoint_url: None,
            may_differ_in: Vec::new(),
        }
    }

    /// The SSM prefix in effect (`/<name>/` unless set).
    pub fn effective_ssm_prefix(&self) -> String {
        self.ssm_prefix
            .clone()
            .unwrap_or_else(|| format!("/{}/", self.name))
    }

    /// Checks the fields a user typed; the message names the environment and the problem.
    pub fn validate(&self) -> Result<(), CoreError> {
        validate_env_name(&self.name)?;
        for alias in &self.aliases {
            validate_token(alias).map_err(|e| {
                CoreError::Invalid(format!("environment `{}`: alias {e}", self.name))
            })?;
        }
        if let Some(Credentials::Profile { profile }) = &self.credentials {
            if profile.trim().is_empty() {
                return Err(CoreError::Invalid(format!(
                    "environment `{}`: credentials.profile is empty",
                    self.name
                )));
            }
        }
        if let Some(Credentials::Keyring { keyring: false }) = &self.credentials {
            return Err(CoreError::Invalid(format!(
                "environment `{}`: `credentials = {{ keyring = false }}` means nothing; omit credentials to use the default AWS credential chain",
                self.name
            )));
        }
        if let Some(prefix) = &self.ssm_prefix {
            if !prefix.starts_with('/') || !prefix.ends_with('/') {
                return Err(CoreError::Invalid(format!(
                    "environment `{}`: ssm_prefix `{prefix}` must start and end with `/`",
                    self.name
                )));
            }
        }
        if let Some(url) = &self.endpoint_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(CoreError::Invalid(format!(
                    "environment `{}`: endpoint_url `{url}` must start with http:// or https://",
                    self.name
                )));
            }
        }
        Ok(())
    }
}

/// Environment names appear in `ENV@SNAPSHOT` and `--pair A,B`, so they are plain tokens.
pub fn validate_env_name(name: &str) -> Result<(), CoreError> {
    validate_token(name).map_err(|e| CoreError::Invalid(format!("environment name {e}")))
}

fn validate_token(token: &str) -> Result<(), String> {
    let ok = !token.is_empty()
        && token.len() <= 64
        && token
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{token}` is not valid: use 1-64 letters, digits, `-`, `_` or `.`, starting with a letter or digit"
        ))
    }
}

/// A user rewrite applied to logical names of one kind (`^(.*)-blue$` → `$1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewriteRule {
    pub kind: String,
    pub pattern: String,
    pub replace: String,
}

impl RewriteRule {
    pub fn compile(&self) -> Result<Regex, CoreError> {
        Regex::new(&self.pattern).map_err(|e| CoreError::InvalidPattern {
            pattern: self.pattern.clone(),
            reason: e.to_string(),
        })
    }
}

/// An attribute never compared for a kind (noise, not a documented difference). Both fields are
/// globs (`*` matches anything).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    pub kind: String,
    pub attribute: String,
}

/// Everything the engine needs to know about a workspace besides snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceConfig {
    pub name: String,
    pub environments: Vec<EnvironmentConfig>,
    pub rules: Vec<RewriteRule>,
    pub ignores: Vec<IgnoreRule>,
    pub exceptions: Vec<ExceptionRule>,
}

impl WorkspaceConfig {
    pub fn environment(&self, name: &str) -> Option<&EnvironmentConfig> {
        self.environments.iter().find(|e| e.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_are_plain_tokens() {
        assert!(validate_env_name("prod").is_ok());
        assert!(validate_env_name("prod-eu.1").is_ok());
        assert!(validate_env_name("").is_err());
        assert!(validate_env_name("prod@2").is_err());
        assert!(validate_env_name("a,b").is_err());
        assert!(validate_env_name("-x").is_err());
    }

    #[test]
    fn ssm_prefix_must_be_a_path_prefix() {
        let mut env = EnvironmentConfig::new("prod");
        assert_eq!(env.effective_ssm_prefix(), "/prod/");
        env.ssm_prefix = Some("prod".into());
        let err = env.validate().unwrap_err().to_string();
        assert!(err.contains("ssm_prefix `prod`"), "{err}");
    }
}

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
    /// Opt-in: the DynamoDB table holding this environment's feature flags (`dynamodb.item`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_flags: Option<FeatureFlags>,
}

/// Where an environment's feature flags live: a DynamoDB table with one item per (environment,
/// flag), as in `{ table = "feature-flags", environment_attribute = "environment",
/// name_attribute = "feature_name" }`. The table is scanned (read-only) in the environment's first
/// region; items whose environment attribute is the environment's name (or an alias) become
/// `dynamodb.item` resources named by their name attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureFlags {
    pub table: String,
    #[serde(default = "default_environment_attribute")]
    pub environment_attribute: String,
    #[serde(default = "default_name_attribute")]
    pub name_attribute: String,
}

fn default_environment_attribute() -> String {
    "environment".to_string()
}

fn default_name_attribute() -> String {
    "feature_name".to_string()
}

impl FeatureFlags {
    pub fn new(table: &str) -> Self {
        FeatureFlags {
            table: table.to_string(),
            environment_attribute: default_environment_attribute(),
            name_attribute: default_name_attribute(),
        }
    }

    /// Attribute names left out take the defaults (as in the workspace file); given ones are kept
    /// as given, for `validate` to judge.
    pub fn with_attributes(
        table: &str,
        environment_attribute: Option<&str>,
        name_attribute: Option<&str>,
    ) -> Self {
        let mut flags = FeatureFlags::new(table);
        if let Some(a) = environment_attribute {
            flags.environment_attribute = a.to_string();
        }
        if let Some(a) = name_attribute {
            flags.name_attribute = a.to_string();
        }
        flags
    }

    /// DynamoDB's rules: a table name of 3-255 letters, digits, `_`, `-`, `.`; attribute names
    /// non-empty (at most 255 bytes) and distinct.
    fn validate(&self, env: &str) -> Result<(), CoreError> {
        let table_ok = (3..=255).contains(&self.table.len())
            && self
                .table
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !table_ok {
            return Err(CoreError::Invalid(format!(
                "environment `{env}`: feature_flags.table `{}` is not a DynamoDB table name (3-255 letters, digits, `_`, `-`, `.`)",
                self.table
            )));
        }
        for (field, value) in [
            ("environment_attribute", &self.environment_attribute),
            ("name_attribute", &self.name_attribute),
        ] {
            if value.trim().is_empty() || value.len() > 255 {
                return Err(CoreError::Invalid(format!(
                    "environment `{env}`: feature_flags.{field} must be 1-255 bytes"
                )));
            }
        }
        if self.environment_attribute == self.name_attribute {
            return Err(CoreError::Invalid(format!(
                "environment `{env}`: feature_flags.environment_attribute and name_attribute are both `{}`",
                self.name_attribute
            )));
        }
        Ok(())
    }
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
            feature_flags: None,
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
        if let Some(flags) = &self.feature_flags {
            flags.validate(&self.name)?;
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

    #[test]
    fn feature_flags_are_optional_defaulted_and_validated() {
        let env: EnvironmentConfig = serde_json::from_str(
            r#"{"name": "prod", "feature_flags": {"table": "feature-flags"}}"#,
        )
        .unwrap();
        assert_eq!(env.feature_flags, Some(FeatureFlags::new("feature-flags")));
        assert!(env.validate().is_ok());
        // absent: not serialised, so existing files and exports are unchanged
        let plain = EnvironmentConfig::new("prod");
        assert!(!serde_json::to_string(&plain)
            .unwrap()
            .contains("feature_flags"));
        let mut bad = env.clone();
        bad.feature_flags = Some(FeatureFlags::new("x"));
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("feature_flags.table `x`"), "{err}");
        let mut same = FeatureFlags::new("flags");
        same.name_attribute = "environment".into();
        bad.feature_flags = Some(same);
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("both `environment`"), "{err}");
    }
}

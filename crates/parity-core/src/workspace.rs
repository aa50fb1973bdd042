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

/// A role assumed on top of an environment's credential source (`assume_role = { role_arn = "…",
/// external_id = "…", session_name = "…" }`): every call of a collection is made as that role,
/// in the role's account. Nothing here is secret (an external id is not a secret in AWS's sense).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssumeRole {
    /// `arn:<partition>:iam::<12-digit account>:role/<path/>name`.
    pub role_arn: String,
    /// Sent as `ExternalId` when set (the target role's trust policy may require it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The role session's name (CloudTrail shows it); default [`AssumeRole::DEFAULT_SESSION_NAME`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
}

impl AssumeRole {
    /// The session name when none is given.
    pub const DEFAULT_SESSION_NAME: &'static str = "envparity";

    pub fn new(role_arn: &str) -> Self {
        AssumeRole {
            role_arn: role_arn.to_string(),
            external_id: None,
            session_name: None,
        }
    }

    /// The session name in effect.
    pub fn effective_session_name(&self) -> &str {
        self.session_name
            .as_deref()
            .unwrap_or(Self::DEFAULT_SESSION_NAME)
    }

    /// The role's account id (the ARN's fifth field), when the ARN is well formed.
    pub fn account_id(&self) -> Option<&str> {
        parse_role_arn(&self.role_arn)
            .ok()
            .map(|(_, account, _)| account)
    }

    /// IAM's and STS's rules: a role ARN; an external id of 2-1224 characters and a session
    /// name of 2-64, both of letters, digits and `+=,.@-` (the external id also `:/`).
    fn validate(&self, env: &str) -> Result<(), CoreError> {
        parse_role_arn(&self.role_arn).map_err(|e| {
            CoreError::Invalid(format!("environment `{env}`: assume_role.role_arn {e}"))
        })?;
        let allowed = |extra: &str, c: char| {
            c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c)
        };
        if let Some(id) = &self.external_id {
            if !(2..=1224).contains(&id.chars().count()) || !id.chars().all(|c| allowed(":/", c)) {
                return Err(CoreError::Invalid(format!(
                    "environment `{env}`: assume_role.external_id must be 2-1224 letters, digits or `_+=,.@:/-`"
                )));
            }
        }
        if let Some(name) = &self.session_name {
            if !(2..=64).contains(&name.chars().count()) || !name.chars().all(|c| allowed("", c)) {
                return Err(CoreError::Invalid(format!(
                    "environment `{env}`: assume_role.session_name `{name}` must be 2-64 letters, digits or `_+=,.@-`"
                )));
            }
        }
        Ok(())
    }
}

/// Splits `arn:<partition>:iam::<account>:role/<path/>name` into partition, account and the
/// role's path and name; the error says what is wrong.
pub fn parse_role_arn(arn: &str) -> Result<(&str, &str, &str), String> {
    let bad = || format!("`{arn}` is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)");
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return Err(bad());
    };
    let name = resource.strip_prefix("role/").ok_or_else(bad)?;
    let name_ok = !name.is_empty()
        && !name.ends_with('/')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c));
    if prefix != "arn"
        || !partition.starts_with("aws")
        || service != "iam"
        || !region.is_empty()
        || account.len() != 12
        || !account.chars().all(|c| c.is_ascii_digit())
        || !name_ok
    {
        return Err(bad());
    }
    Ok((partition, account, name))
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
    /// A role assumed on top of `credentials` (or the default chain) for every call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<AssumeRole>,
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
    /// An emulator or private endpoint: `https://…`, or `http://` to a loopback address only;
    /// never credentials in the URL ([`check_endpoint_url`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// The deadline of a collection of this environment (`90s`, `5m`, `1h`); default 10 minutes.
    /// A run collecting several environments uses the longest; `collect --timeout` overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collect_timeout: Option<String>,
    /// The share (0 < share ≤ 1) of the account's API rate budget a collection may use; default
    /// 0.5. A run collecting several environments uses the smallest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_share: Option<RateShare>,
    /// Policy: categories in which this environment may differ from the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub may_differ_in: Vec<Category>,
    /// Opt-in: the DynamoDB table holding this environment's feature flags (`dynamodb.item`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_flags: Option<FeatureFlags>,
}

/// A share of an API rate budget, 0 < share ≤ 1 (validated, so never NaN).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RateShare(pub f64);

impl Eq for RateShare {}

/// Seconds in a duration written as a number and a unit: `90s`, `5m`, `2h`, `1d`, `1w`.
pub fn parse_duration_secs(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad =
        || format!("`{text}` is not a duration: use a number and a unit, e.g. 90m, 24h, 7d, 2w");
    let too_long =
        || format!("`{text}` is too long a duration: at most {MAX_DURATION_DAYS} days (100 years)");
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: i64 = match num.parse() {
        Ok(n) => n,
        // only digits, so a failure to parse is an overflow
        Err(_) if !num.is_empty() => return Err(too_long()),
        Err(_) => return Err(bad()),
    };
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    match n.checked_mul(unit_secs) {
        Some(secs) if secs <= MAX_DURATION_DAYS * 86_400 => Ok(secs),
        _ => Err(too_long()),
    }
}

/// The longest duration accepted anywhere (`--max-age`, `--timeout`, `collect_timeout`): longer
/// ones would overflow date arithmetic.
pub const MAX_DURATION_DAYS: i64 = 36_525;

/// An endpoint URL EnvParity will send credentials-signed requests to: `https://HOST…`, or
/// `http://` only to a loopback address (`localhost`, `127.0.0.0/8`, `::1`: an emulator on this
/// machine), and never with a user name or password in it (those would be stored and exported).
pub fn check_endpoint_url(url: &str) -> Result<(), String> {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => {
            return Err(format!(
                "`{url}` must start with https:// (or http:// to a loopback address)"
            ))
        }
    };
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "`{url}` must start with https:// (or http:// to a loopback address)"
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not contain credentials (user:password@): keep keys in the OS keyring (`envparity credentials set`) or an AWS profile".to_string());
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    if scheme == "http" {
        let lower = host.to_ascii_lowercase();
        let loopback = lower == "localhost"
            || lower.ends_with(".localhost")
            || lower
                .parse::<core::net::IpAddr>() // pure parsing: core::net has no IO
                .is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return Err(format!(
                "`{url}` uses plain http to `{host}`, which is not this machine: use https:// (plain http is allowed only to a loopback address such as 127.0.0.1 or localhost)"
            ));
        }
    }
    Ok(())
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
            assume_role: None,
            regions: Vec::new(),
            tags: BTreeMap::new(),
            ssm_prefix: None,
            vpcs: Vec::new(),
            endpoint_url: None,
            collect_timeout: None,
            rate_share: None,
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
        if let Some(role) = &self.assume_role {
            role.validate(&self.name)?;
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
            check_endpoint_url(url).map_err(|e| {
                CoreError::Invalid(format!("environment `{}`: endpoint_url {e}", self.name))
            })?;
        }
        if let Some(timeout) = &self.collect_timeout {
            match parse_duration_secs(timeout) {
                Ok(secs) if secs > 0 => {}
                Ok(_) => {
                    return Err(CoreError::Invalid(format!(
                        "environment `{}`: collect_timeout `{timeout}` must be longer than zero",
                        self.name
                    )))
                }
                Err(e) => {
                    return Err(CoreError::Invalid(format!(
                        "environment `{}`: collect_timeout {e}",
                        self.name
                    )))
                }
            }
        }
        if let Some(RateShare(share)) = self.rate_share {
            if !(share > 0.0 && share <= 1.0) {
                return Err(CoreError::Invalid(format!(
                    "environment `{}`: rate_share {share} must be more than 0 and at most 1 (0.5 = half of the account's API rate)",
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

/// The kinds whose numbered replicas form groups by default (docs/CONTRACTS.md "Groups:
/// numbered replicas and Auto Scaling instances"): fleet-like kinds, never network slots.
pub const DEFAULT_GROUP_NUMBERED: &[&str] = &["ec2.instance", "elasticache.cluster"];

/// The workspace's `group_numbered` setting: which kinds' numbered replicas (`web-01`, `web-02`)
/// form one group. In files: absent or `true` (the default kinds), `false` (off), or a list of
/// kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GroupNumbered {
    #[default]
    Default,
    Off,
    Kinds(Vec<String>),
}

impl GroupNumbered {
    /// Whether numbered replicas of `kind` form groups.
    pub fn applies_to(&self, kind: &str) -> bool {
        match self {
            GroupNumbered::Default => DEFAULT_GROUP_NUMBERED.contains(&kind),
            GroupNumbered::Off => false,
            GroupNumbered::Kinds(kinds) => kinds.iter().any(|k| k == kind),
        }
    }

    pub fn is_default(&self) -> bool {
        *self == GroupNumbered::Default
    }

    pub fn validate(&self) -> Result<(), CoreError> {
        if let GroupNumbered::Kinds(kinds) = self {
            if let Some(bad) = kinds
                .iter()
                .find(|k| k.trim().is_empty() || k.chars().any(char::is_whitespace))
            {
                return Err(CoreError::Invalid(format!(
                    "group_numbered: `{bad}` is not a kind name (e.g. `ec2.instance`)"
                )));
            }
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum GroupNumberedRepr {
    Flag(bool),
    Kinds(Vec<String>),
}

impl Serialize for GroupNumbered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            GroupNumbered::Default => GroupNumberedRepr::Flag(true).serialize(s),
            GroupNumbered::Off => GroupNumberedRepr::Flag(false).serialize(s),
            GroupNumbered::Kinds(k) => GroupNumberedRepr::Kinds(k.clone()).serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for GroupNumbered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = GroupNumberedRepr::deserialize(d).map_err(|_| {
            serde::de::Error::custom("group_numbered must be true, false or a list of kinds")
        })?;
        Ok(match repr {
            GroupNumberedRepr::Flag(true) => GroupNumbered::Default,
            GroupNumberedRepr::Flag(false) => GroupNumbered::Off,
            GroupNumberedRepr::Kinds(k) if k.is_empty() => GroupNumbered::Off,
            GroupNumberedRepr::Kinds(k) => GroupNumbered::Kinds(k),
        })
    }
}

/// Everything the engine needs to know about a workspace besides snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceConfig {
    pub name: String,
    /// Which kinds' numbered replicas form groups.
    #[serde(default, skip_serializing_if = "GroupNumbered::is_default")]
    pub group_numbered: GroupNumbered,
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

    #[test]
    fn endpoint_urls_are_https_or_loopback_http_without_credentials() {
        for ok in [
            "https://ec2.eu-west-1.amazonaws.com",
            "https://vpce-1.ec2.eu-west-1.vpce.amazonaws.com:443/",
            "http://127.0.0.1:5000",
            "http://127.8.9.10",
            "http://localhost:4566",
            "HTTP://LOCALHOST:4566/",
            "http://[::1]:5000/",
            "https://203.0.113.5",
        ] {
            assert_eq!(check_endpoint_url(ok), Ok(()), "{ok}");
        }
        let err = check_endpoint_url("http://user:pw@203.0.113.5").unwrap_err();
        assert!(err.contains("credentials"), "{err}");
        let err = check_endpoint_url("https://AKIA:secret@example.com/").unwrap_err();
        assert!(err.contains("credentials"), "{err}");
        let err = check_endpoint_url("http://203.0.113.5:4566").unwrap_err();
        assert!(
            err.contains("plain http") && err.contains("203.0.113.5"),
            "{err}"
        );
        for bad in [
            "http://example.com",
            "http://127.0.0.1.example.com",
            "http://[2001:db8::1]/",
            "ftp://127.0.0.1",
            "127.0.0.1:5000",
            "https://",
        ] {
            assert!(check_endpoint_url(bad).is_err(), "{bad}");
        }
        // through validation: the message names the environment and the field
        let mut env = EnvironmentConfig::new("prod");
        env.endpoint_url = Some("http://user:pw@203.0.113.5".into());
        let err = env.validate().unwrap_err().to_string();
        assert!(err.contains("environment `prod`: endpoint_url"), "{err}");
        assert!(!err.contains("pw"), "the password is not echoed: {err}");
    }

    #[test]
    fn assume_role_is_optional_defaulted_and_validated() {
        let env: EnvironmentConfig = serde_json::from_str(
            r#"{"name": "prod", "credentials": {"profile": "org"}, "assume_role": {"role_arn": "arn:aws:iam::111122223333:role/ops/EnvParityReadOnly", "external_id": "shop-1"}}"#,
        )
        .unwrap();
        assert!(env.validate().is_ok());
        let role = env.assume_role.as_ref().unwrap();
        assert_eq!(role.account_id(), Some("111122223333"));
        assert_eq!(role.effective_session_name(), "envparity");
        // absent: not serialised (additive)
        let plain = serde_json::to_string(&EnvironmentConfig::new("prod")).unwrap();
        assert!(!plain.contains("assume_role"));
        for (arn, external_id, session, field) in [
            ("arn:aws:iam::1111:role/x", None, None, "role_arn"),
            ("arn:aws:iam::111122223333:user/x", None, None, "role_arn"),
            ("arn:aws:sts::111122223333:role/x", None, None, "role_arn"),
            ("EnvParityReadOnly", None, None, "role_arn"),
            (
                "arn:aws:iam::111122223333:role/x",
                Some("a b"),
                None,
                "external_id",
            ),
            (
                "arn:aws:iam::111122223333:role/x",
                None,
                Some("x"),
                "session_name",
            ),
        ] {
            let mut bad = env.clone();
            bad.assume_role = Some(AssumeRole {
                role_arn: arn.into(),
                external_id: external_id.map(Into::into),
                session_name: session.map(Into::into),
            });
            let err = bad.validate().unwrap_err().to_string();
            assert!(
                err.contains(&format!("environment `prod`: assume_role.{field}")),
                "{err}"
            );
        }
        assert!(serde_json::from_str::<AssumeRole>(r#"{"role_arn": "a", "role": "b"}"#).is_err());
    }

    #[test]
    fn collect_timeout_and_rate_share_are_validated_and_optional() {
        let env: EnvironmentConfig = serde_json::from_str(
            r#"{"name": "prod", "collect_timeout": "90s", "rate_share": 0.25}"#,
        )
        .unwrap();
        assert_eq!(env.collect_timeout.as_deref(), Some("90s"));
        assert_eq!(env.rate_share, Some(RateShare(0.25)));
        assert!(env.validate().is_ok());
        assert_eq!(parse_duration_secs("5m"), Ok(300));
        // absent: not serialised (additive)
        let plain = serde_json::to_string(&EnvironmentConfig::new("prod")).unwrap();
        assert!(!plain.contains("collect_timeout") && !plain.contains("rate_share"));
        for (timeout, share) in [("0s", 0.5), ("soon", 0.5), ("5m", 0.0), ("5m", 1.5)] {
            let mut bad = env.clone();
            bad.collect_timeout = Some(timeout.into());
            bad.rate_share = Some(RateShare(share));
            assert!(bad.validate().is_err(), "{timeout} {share}");
        }
    }
}

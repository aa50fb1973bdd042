//! The workspace file (TOML): the shareable, committable form of a workspace without secrets or
//! snapshots. Parsing names the file and the problem; rendering is deterministic so an export
//! imported into an empty database exports identically.

use std::collections::BTreeSet;

use parity_core::{EnvironmentConfig, ExceptionRule, GroupNumbered, IgnoreRule, RewriteRule};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// The file's contents. Every section is optional, so the same format holds "just exceptions".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which kinds' numbered replicas form groups; absent: keep the workspace's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_numbered: Option<GroupNumbered>,
    #[serde(default, rename = "environment", skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentConfig>,
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RewriteRule>,
    #[serde(default, rename = "ignore", skip_serializing_if = "Vec::is_empty")]
    pub ignores: Vec<IgnoreRule>,
    #[serde(default, rename = "exception", skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ExceptionRule>,
    /// The environment others converge to (docs/CONTRACTS.md "Fix hints and the incident
    /// view"); absent: keep the workspace's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The tag naming a resource's service; absent: keep the workspace's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tag: Option<String>,
}

/// TOML accepts dates bare (`expires = 2027-06-30`) or quoted; the model takes quoted ones.
fn unquote_dates(text: &str) -> String {
    let mut doc: toml_edit::DocumentMut = match text.parse() {
        Ok(d) => d,
        Err(_) => return text.to_string(),
    };
    if let Some(arr) = doc
        .get_mut("exception")
        .and_then(|e| e.as_array_of_tables_mut())
    {
        for table in arr.iter_mut() {
            for key in ["created", "expires"] {
                if let Some(item) = table.get_mut(key) {
                    if let Some(dt) = item.as_value().and_then(|v| v.as_datetime()) {
                        let s = dt.to_string();
                        *item = toml_edit::value(s);
                    }
                }
            }
        }
    }
    doc.to_string()
}

impl WorkspaceFile {
    /// Parses and validates a workspace file. `file` names it in every message.
    pub fn parse(text: &str, file: &str) -> AppResult<WorkspaceFile> {
        if text.trim().is_empty() {
            return Err(AppError::bad_input(format!(
                "{file}: the file is empty (expected a workspace file: name, [[environment]], [[rule]], [[ignore]], [[exception]])"
            )));
        }
        let text = unquote_dates(text);
        let parsed: WorkspaceFile = toml::from_str(&text).map_err(|e| {
            AppError::bad_input(format!(
                "{file}: not a valid workspace file: {}",
                e.to_string().trim_end()
            ))
        })?;
        parsed.validate(file)?;
        Ok(parsed)
    }

    /// Checks everything that does not need the database.
    pub fn validate(&self, file: &str) -> AppResult<()> {
        let bad = |msg: String| AppError::bad_input(format!("{file}: {msg}"));
        if let Some(setting) = &self.group_numbered {
            setting.validate().map_err(|e| bad(e.to_string()))?;
        }
        if let Some(tag) = &self.service_tag {
            if tag.trim().is_empty() || tag.len() > 128 {
                return Err(bad(
                    "service_tag must be a tag key (1-128 characters)".into()
                ));
            }
        }
        if let Some(reference) = &self.reference {
            parity_core::workspace::validate_env_name(reference)
                .map_err(|e| bad(format!("reference: {e}")))?;
        }
        let mut names = BTreeSet::new();
        for env in &self.environments {
            env.validate().map_err(|e| bad(e.to_string()))?;
            if !names.insert(env.name.as_str()) {
                return Err(bad(format!("environment `{}` is defined twice", env.name)));
            }
        }
        for rule in &self.rules {
            rule.compile()
                .map_err(|e| bad(format!("rule for `{}`: {e}", rule.kind)))?;
        }
        for ignore in &self.ignores {
            for g in [&ignore.kind, &ignore.attribute] {
                globset::Glob::new(g).map_err(|e| {
                    bad(format!(
                        "ignore `{}`/`{}`: {e}",
                        ignore.kind, ignore.attribute
                    ))
                })?;
            }
        }
        let mut ids = BTreeSet::new();
        for exception in &self.exceptions {
            exception.validate().map_err(|e| bad(e.to_string()))?;
            let id = exception.effective_id();
            if !ids.insert(id.clone()) {
                return Err(bad(format!("exception `{id}` is defined twice")));
            }
        }
        Ok(())
    }

    /// Checks that every environment an exception names exists in `existing` or in the file.
    pub fn check_references(&self, existing: &[&str], label: &str) -> AppResult<()> {
        let known: Vec<&str> = existing
            .iter()
            .copied()
            .chain(self.environments.iter().map(|e| e.name.as_str()))
            .collect();
        if let Some(reference) = &self.reference {
            if !known.contains(&reference.as_str()) {
                return Err(AppError::bad_input(format!(
                    "{label}: reference `{reference}` is not an environment of the workspace or the file (known: {}); nothing imported",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )));
            }
        }
        for exception in &self.exceptions {
            let id = exception.effective_id();
            for env in exception
                .environments
                .iter()
                .chain(exception.expected.keys())
            {
                if !known.contains(&env.as_str()) {
                    return Err(AppError::bad_input(format!(
                        "{label}: exception `{id}` names environment `{env}`, which the workspace does not have (known: {}); nothing imported",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    )));
                }
            }
        }
        Ok(())
    }

    /// Renders the file: deterministic, with inline tables for credentials, assume_role, tags and expected
    /// values as in the documented format.
    pub fn render(&self) -> AppResult<String> {
        let text = toml::to_string(self).map_err(|e| {
            AppError::new(
                crate::ErrorCode::Internal,
                format!("cannot write TOML: {e}"),
            )
        })?;
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| {
            AppError::new(
                crate::ErrorCode::Internal,
                format!("cannot re-read TOML: {e}"),
            )
        })?;
        // (section, keys rendered as inline tables, the documented key order)
        const ENVIRONMENT_ORDER: &[&str] = &[
            "name",
            "aliases",
            "credentials",
            "assume_role",
            "regions",
            "tags",
            "ssm_prefix",
            "vpcs",
            "endpoint_url",
            "collect_timeout",
            "rate_share",
            "feature_flags",
            "may_differ_in",
        ];
        const EXCEPTION_ORDER: &[&str] = &[
            "id",
            "resource",
            "attribute",
            "environments",
            "expected",
            "elements",
            "justification",
            "owner",
            "created",
            "expires",
            "ticket",
        ];
        for (section, inline_keys, order) in [
            (
                "environment",
                &["credentials", "assume_role", "tags", "feature_flags"][..],
                ENVIRONMENT_ORDER,
            ),
            ("exception", &["expected"][..], EXCEPTION_ORDER),
        ] {
            let Some(arr) = doc
                .get_mut(section)
                .and_then(|e| e.as_array_of_tables_mut())
            else {
                continue;
            };
            for table in arr.iter_mut() {
                for key in inline_keys {
                    if let Some(item) = table.get_mut(key) {
                        if let Some(t) = item.as_table() {
                            let inline = t.clone().into_inline_table();
                            *item = toml_edit::Item::Value(toml_edit::Value::InlineTable(inline));
                        }
                    }
                    if let Some(mut k) = table.key_mut(key) {
                        k.leaf_decor_mut().clear();
                    }
                }
                let position = |k: &str| order.iter().position(|o| *o == k).unwrap_or(order.len());
                table.sort_values_by(|a, _, b, _| position(a.get()).cmp(&position(b.get())));
            }
        }
        Ok(doc.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT_EXAMPLE: &str = r#"
name = "shop"

[[environment]]
name = "prod"
credentials = { profile = "shop-prod" }
regions = ["us-east-1"]
tags = { Environment = "prod" }

[[environment]]
name = "staging"
aliases = ["stg"]
credentials = { keyring = true }
regions = ["us-east-1"]
tags = { Environment = "staging" }
ssm_prefix = "/staging/"
vpcs = ["main-vpc"]
endpoint_url = "http://127.0.0.1:4566"

[[environment]]
name = "dev"
credentials = { profile = "shop-dev" }
regions = ["us-east-1"]
may_differ_in = ["size"]

[[rule]]
kind = "ec2.instance"
pattern = "^(.*)-blue$"
replace = "$1"

[[ignore]]
kind = "ec2.instance"
attribute = "tags.LastDeployedBy"

[[exception]]
id = "prod-multi-az"
resource = "rds.db_instance/orders-db*"
attribute = "multi_az"
environments = ["prod"]
expected = { prod = true }
justification = "Prod needs redundancy; lower environments run single-AZ to save cost."
owner = "platform-team"
created = "2026-11-26"
expires = "2027-06-30"
ticket = "https://tracker.example/OPS-42"
"#;

    #[test]
    fn hint_settings_parse_render_and_are_checked() {
        let text = format!("reference = \"staging\"\nservice_tag = \"App\"\n{CONTRACT_EXAMPLE}");
        let file = WorkspaceFile::parse(&text, "h.toml").unwrap();
        assert_eq!(file.reference.as_deref(), Some("staging"));
        assert_eq!(file.service_tag.as_deref(), Some("App"));
        let rendered = file.render().unwrap();
        assert!(
            rendered
                .starts_with("name = \"shop\"\nreference = \"staging\"\nservice_tag = \"App\"\n"),
            "{rendered}"
        );
        assert_eq!(WorkspaceFile::parse(&rendered, "again.toml").unwrap(), file);
        let unknown = WorkspaceFile::parse("reference = \"uat\"\n", "u.toml").unwrap();
        let e = unknown.check_references(&["prod"], "u.toml").unwrap_err();
        assert!(e.message.contains("reference `uat`"), "{}", e.message);
        let e = WorkspaceFile::parse("service_tag = \" \"\n", "t.toml").unwrap_err();
        assert!(e.message.contains("t.toml: service_tag"), "{}", e.message);
    }

    #[test]
    fn the_contract_example_parses_and_renders_back_the_same() {
        let file = WorkspaceFile::parse(CONTRACT_EXAMPLE, "shop.toml").unwrap();
        assert_eq!(file.environments.len(), 3);
        assert_eq!(file.exceptions[0].expected["prod"], serde_json::json!(true));
        let rendered = file.render().unwrap();
        let again = WorkspaceFile::parse(&rendered, "again.toml").unwrap();
        assert_eq!(again, file);
        assert!(
            rendered.contains("credentials = { profile = \"shop-prod\" }"),
            "{rendered}"
        );
        assert!(
            rendered.contains("expected = { prod = true }"),
            "{rendered}"
        );
        assert_eq!(again.render().unwrap(), rendered);
    }

    #[test]
    fn feature_flags_render_inline_and_round_trip() {
        let text = CONTRACT_EXAMPLE.replace(
            "endpoint_url = \"http://127.0.0.1:4566\"",
            "endpoint_url = \"http://127.0.0.1:4566\"\nfeature_flags = { table = \"feature-flags\" }",
        );
        let file = WorkspaceFile::parse(&text, "ff.toml").unwrap();
        assert!(file.environments[1].feature_flags.is_some());
        let rendered = file.render().unwrap();
        assert!(
            rendered.contains("feature_flags = { table = \"feature-flags\""),
            "{rendered}"
        );
        assert_eq!(WorkspaceFile::parse(&rendered, "again.toml").unwrap(), file);
    }

    #[test]
    fn group_numbered_is_a_flag_or_a_list_of_kinds() {
        let parse = |v: &str| WorkspaceFile::parse(&format!("group_numbered = {v}\n"), "g.toml");
        assert_eq!(
            parse("false").unwrap().group_numbered,
            Some(GroupNumbered::Off)
        );
        assert_eq!(
            parse("[]").unwrap().group_numbered,
            Some(GroupNumbered::Off)
        );
        assert_eq!(
            parse("true").unwrap().group_numbered,
            Some(GroupNumbered::Default)
        );
        let kinds = parse("[\"ec2.instance\", \"rds.db_instance\"]").unwrap();
        assert_eq!(
            kinds.group_numbered,
            Some(GroupNumbered::Kinds(vec![
                "ec2.instance".into(),
                "rds.db_instance".into()
            ]))
        );
        let rendered = kinds.render().unwrap();
        assert!(
            rendered.starts_with("group_numbered = [\"ec2.instance\", \"rds.db_instance\"]"),
            "{rendered}"
        );
        let off = parse("false").unwrap().render().unwrap();
        assert_eq!(off, "group_numbered = false\n");
        for bad in ["\"yes\"", "3", "[\"\"]", "[\"ec2 instance\"]"] {
            let e = parse(bad).unwrap_err();
            assert!(e.message.contains("g.toml"), "{bad}: {}", e.message);
            assert!(e.message.contains("group_numbered"), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn assume_role_renders_inline_after_credentials_and_round_trips() {
        let text = CONTRACT_EXAMPLE.replace(
            "credentials = { profile = \"shop-dev\" }",
            "credentials = { profile = \"org\" }\nassume_role = { session_name = \"ci\", role_arn = \"arn:aws:iam::111122223333:role/EnvParityReadOnly\", external_id = \"shop\" }",
        );
        let file = WorkspaceFile::parse(&text, "roles.toml").unwrap();
        let role = file.environments[2].assume_role.as_ref().unwrap();
        assert_eq!(role.external_id.as_deref(), Some("shop"));
        let rendered = file.render().unwrap();
        assert!(
            rendered.contains("credentials = { profile = \"org\" }\nassume_role = { role_arn = \"arn:aws:iam::111122223333:role/EnvParityReadOnly\", external_id = \"shop\", session_name = \"ci\" }\nregions"),
            "{rendered}"
        );
        assert_eq!(WorkspaceFile::parse(&rendered, "again.toml").unwrap(), file);
        let bad = text.replace("arn:aws:iam::111122223333:role/", "arn:aws:iam::1:role/");
        let err = WorkspaceFile::parse(&bad, "roles.toml")
            .unwrap_err()
            .message;
        assert!(
            err.starts_with("roles.toml: environment `dev`: assume_role.role_arn"),
            "{err}"
        );
    }

    #[test]
    fn bare_toml_dates_are_accepted() {
        let text = CONTRACT_EXAMPLE.replace("\"2027-06-30\"", "2027-06-30");
        let file = WorkspaceFile::parse(&text, "f.toml").unwrap();
        assert_eq!(
            file.exceptions[0].expires.unwrap().to_string(),
            "2027-06-30"
        );
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let e = WorkspaceFile::parse("", "empty.toml").unwrap_err();
        assert!(
            e.message.contains("empty.toml") && e.message.contains("empty"),
            "{e}"
        );
        let e = WorkspaceFile::parse("name = \"x\"\n[[environment]]\nname = 3\n", "bad.toml")
            .unwrap_err();
        assert!(
            e.message
                .starts_with("bad.toml: not a valid workspace file"),
            "{e}"
        );
        assert!(e.message.contains("line 3"), "{e}");
        let e = WorkspaceFile::parse(
            "[[environment]]\nname = \"prod\"\ncolour = \"red\"\n",
            "u.toml",
        )
        .unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        let text = CONTRACT_EXAMPLE.replace("justification = \"Prod needs redundancy; lower environments run single-AZ to save cost.\"", "justification = \"\"");
        let e = WorkspaceFile::parse(&text, "j.toml").unwrap_err();
        assert!(e.message.contains("justification is required"), "{e}");
        let e = WorkspaceFile::parse(
            "[[rule]]\nkind = \"ec2.instance\"\npattern = \"(\"\nreplace = \"\"\n",
            "r.toml",
        )
        .unwrap_err();
        assert!(
            e.message.contains("r.toml") && e.message.contains("invalid pattern"),
            "{e}"
        );
    }

    #[test]
    fn collect_limits_round_trip_and_unsafe_endpoints_are_refused() {
        let text = "[[environment]]\nname = \"prod\"\nregions = [\"us-east-1\"]\nendpoint_url = \"https://vpce.example.com\"\ncollect_timeout = \"5m\"\nrate_share = 0.25\n";
        let file = WorkspaceFile::parse(text, "ws.toml").unwrap();
        let env = &file.environments[0];
        assert_eq!(env.collect_timeout.as_deref(), Some("5m"));
        assert_eq!(env.rate_share, Some(parity_core::RateShare(0.25)));
        let rendered = file.render().unwrap();
        assert!(
            rendered.contains("endpoint_url = \"https://vpce.example.com\"\ncollect_timeout = \"5m\"\nrate_share = 0.25"),
            "{rendered}"
        );
        assert_eq!(WorkspaceFile::parse(&rendered, "again.toml").unwrap(), file);
        for (bad, says) in [
            (
                "endpoint_url = \"http://user:pw@203.0.113.5\"",
                "credentials",
            ),
            ("endpoint_url = \"http://203.0.113.5\"", "plain http"),
            ("collect_timeout = \"soon\"", "not a duration"),
            ("rate_share = 2.0", "rate_share 2"),
        ] {
            let text = format!("[[environment]]\nname = \"prod\"\n{bad}\n");
            let err = WorkspaceFile::parse(&text, "ws.toml").unwrap_err();
            assert!(
                err.message.starts_with("ws.toml: environment `prod`")
                    && err.message.contains(says),
                "{}",
                err.message
            );
        }
    }
}

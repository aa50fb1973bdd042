//! Exceptions: documented intentional differences, how they cover a row and pair, and whether
//! they are intentional, violated (expected values no longer observed) or expired.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::CoreError;

/// A documented intentional difference (docs/CONTRACTS.md "Workspace file", `[[exception]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRule {
    /// Stable id; when a file omits it, one is derived from resource, attribute and environments.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Glob on the logical key (`rds.db_instance/orders-db*`).
    pub resource: String,
    /// Glob on the attribute name (`multi_az`, `tags.*`, `exists`).
    pub attribute: String,
    /// The environments allowed to differ.
    pub environments: Vec<String>,
    /// Optional expected raw values per environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expected: BTreeMap<String, Value>,
    /// Optional: on set-valued rows, the only extra elements it accepts, in canonical element
    /// text (docs/CONTRACTS.md "Element differences").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<String>,
    pub justification: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<NaiveDate>,
    /// Valid through that day (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// What a covering exception makes of a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionState {
    /// Unexpired, and every expected value it states is observed.
    Intentional,
    /// Unexpired, but an expected value differs from the observed one.
    Violated,
    /// Past its expiry date.
    Expired,
}

impl ExceptionRule {
    /// Checks the fields a user typed. The message names the exception and the problem.
    pub fn validate(&self) -> Result<(), CoreError> {
        let who = if self.id.is_empty() {
            format!("exception on `{}`", self.resource)
        } else {
            format!("exception `{}`", self.id)
        };
        if !self.id.is_empty() && !valid_id(&self.id) {
            return Err(CoreError::Invalid(format!(
                "{who}: id must be 1-80 letters, digits, `-`, `_` or `.`"
            )));
        }
        if self.resource.trim().is_empty() {
            return Err(CoreError::Invalid(format!("{who}: `resource` is empty")));
        }
        if self.attribute.trim().is_empty() {
            return Err(CoreError::Invalid(format!("{who}: `attribute` is empty")));
        }
        if self.environments.is_empty() {
            return Err(CoreError::Invalid(format!(
                "{who}: `environments` must name at least one environment"
            )));
        }
        if self.justification.trim().is_empty() {
            return Err(CoreError::Invalid(format!(
                "{who}: a justification is required"
            )));
        }
        if self.owner.trim().is_empty() {
            return Err(CoreError::Invalid(format!("{who}: an owner is required")));
        }
        if self.elements.iter().any(|e| e.trim().is_empty()) {
            return Err(CoreError::Invalid(format!(
                "{who}: `elements` holds a blank element (each is an element's text, e.g. \"tcp 443 from 0.0.0.0/0\")"
            )));
        }
        glob(&self.resource)?;
        glob(&self.attribute)?;
        Ok(())
    }

    /// The id, or the one derived from resource, attribute and environments when it has none.
    pub fn effective_id(&self) -> String {
        if self.id.is_empty() {
            derive_id(&self.resource, &self.attribute, &self.environments)
        } else {
            self.id.clone()
        }
    }

    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|e| today > e)
    }

    /// Whether every expected value it states equals the observed raw value. `observed` returns
    /// `None` for environments that are not part of the comparison (they are not checked).
    pub fn expectations_hold(&self, observed: impl Fn(&str) -> Option<Value>) -> bool {
        self.expected.iter().all(|(env, want)| match observed(env) {
            Some(got) => values_match(want, &got),
            None => true,
        })
    }

    /// Whether every extra element of a pair is one it lists (always, when it lists none).
    pub fn elements_hold(&self, extra: &crate::elements::PairElements) -> bool {
        self.elements.is_empty() || crate::elements::elements_accepted(extra, &self.elements)
    }

    pub fn state(
        &self,
        today: NaiveDate,
        observed: impl Fn(&str) -> Option<Value>,
    ) -> ExceptionState {
        if self.is_expired(today) {
            ExceptionState::Expired
        } else if self.expectations_hold(observed) {
            ExceptionState::Intentional
        } else {
            ExceptionState::Violated
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub(crate) fn glob(pattern: &str) -> Result<GlobMatcher, CoreError> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| CoreError::InvalidPattern {
            pattern: pattern.to_string(),
            reason: e.kind().to_string(),
        })
}

/// `<slug>-<8 hex>`: readable, and stable for the same resource, attribute and environments.
pub fn derive_id(resource: &str, attribute: &str, environments: &[String]) -> String {
    let mut envs: Vec<&str> = environments.iter().map(String::as_str).collect();
    envs.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(resource.as_bytes());
    hasher.update([0]);
    hasher.update(attribute.as_bytes());
    hasher.update([0]);
    hasher.update(envs.join(",").as_bytes());
    let digest = hasher.finalize();
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let name = resource.rsplit_once('/').map_or(resource, |(_, n)| n);
    let raw = format!("{name}-{attribute}-{}", envs.join("-"));
    let mut slug = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(48).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("exc-{hash}")
    } else {
        format!("{slug}-{hash}")
    }
}

/// Equality of an expected value with an observed raw value, lenient about how a person writes
/// scalars in TOML (`30` ≡ `"30"` ≡ `30.0`, `true` ≡ `"true"`); arrays compare as sets.
pub fn values_match(expected: &Value, observed: &Value) -> bool {
    if expected == observed {
        return true;
    }
    match (expected, observed) {
        (Value::Array(a), Value::Array(b)) => {
            let mut a: Vec<String> = a.iter().map(scalar_text).collect();
            let mut b: Vec<String> = b.iter().map(scalar_text).collect();
            a.sort();
            a.dedup();
            b.sort();
            b.dedup();
            a == b
        }
        (Value::Array(_), _) | (_, Value::Array(_)) => false,
        (Value::Object(_), _) | (_, Value::Object(_)) => false,
        _ => scalar_text(expected) == scalar_text(observed),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// An exception with its globs compiled, ready to test rows.
#[derive(Debug, Clone)]
pub struct CompiledException<'a> {
    pub rule: &'a ExceptionRule,
    resource: GlobMatcher,
    attribute: GlobMatcher,
}

impl<'a> CompiledException<'a> {
    pub fn new(rule: &'a ExceptionRule) -> Result<Self, CoreError> {
        Ok(CompiledException {
            rule,
            resource: glob(&rule.resource)?,
            attribute: glob(&rule.attribute)?,
        })
    }

    pub fn matches_row(&self, key: &str, attribute: &str) -> bool {
        self.resource.is_match(key) && self.attribute.is_match(attribute)
    }

    pub fn names_env(&self, env: &str) -> bool {
        self.rule.environments.iter().any(|e| e == env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule() -> ExceptionRule {
        ExceptionRule {
            id: "prod-multi-az".into(),
            resource: "rds.db_instance/orders-db*".into(),
            attribute: "multi_az".into(),
            environments: vec!["prod".into()],
            expected: BTreeMap::from([("prod".to_string(), json!(true))]),
            elements: vec![],
            justification: "Prod needs redundancy".into(),
            owner: "platform-team".into(),
            created: NaiveDate::from_ymd_opt(2026, 11, 26),
            expires: NaiveDate::from_ymd_opt(2027, 6, 30),
            ticket: None,
        }
    }

    #[test]
    fn valid_through_the_expiry_day() {
        let r = rule();
        assert!(!r.is_expired(NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()));
        assert!(r.is_expired(NaiveDate::from_ymd_opt(2027, 7, 1).unwrap()));
    }

    #[test]
    fn expected_values_decide_intentional_or_violated() {
        let r = rule();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            r.state(today, |_| Some(json!(true))),
            ExceptionState::Intentional
        );
        assert_eq!(
            r.state(today, |_| Some(json!(false))),
            ExceptionState::Violated
        );
        // environments outside the comparison are not checked
        assert_eq!(r.state(today, |_| None), ExceptionState::Intentional);
        let later = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
        assert_eq!(
            r.state(later, |_| Some(json!(true))),
            ExceptionState::Expired
        );
    }

    #[test]
    fn lenient_scalar_matching() {
        assert!(values_match(&json!(30), &json!("30")));
        assert!(values_match(&json!(30), &json!(30.0)));
        assert!(values_match(&json!(true), &json!("true")));
        assert!(!values_match(&json!(30), &json!(7)));
        assert!(values_match(&json!(["a", "b"]), &json!(["b", "a"])));
        assert!(!values_match(&json!(null), &json!(false)));
    }

    #[test]
    fn derived_ids_are_stable_and_readable() {
        let a = derive_id("rds.db_instance/orders-db*", "multi_az", &["prod".into()]);
        let b = derive_id("rds.db_instance/orders-db*", "multi_az", &["prod".into()]);
        assert_eq!(a, b);
        assert!(a.starts_with("orders-db-multi-az-prod-"), "{a}");
        let c = derive_id(
            "rds.db_instance/orders-db*",
            "multi_az",
            &["prod".into(), "staging".into()],
        );
        let d = derive_id(
            "rds.db_instance/orders-db*",
            "multi_az",
            &["staging".into(), "prod".into()],
        );
        assert_eq!(c, d, "environment order does not change the id");
        assert_ne!(a, c);
    }

    #[test]
    fn validation_requires_justification_and_good_globs() {
        let mut r = rule();
        r.justification = "  ".into();
        assert!(r
            .validate()
            .unwrap_err()
            .to_string()
            .contains("justification"));
        let mut r = rule();
        r.resource = "rds.db_instance/[".into();
        assert!(r.validate().is_err());
        let mut r = rule();
        r.environments.clear();
        assert!(r.validate().is_err());
    }

    #[test]
    fn globs_match_keys_with_slashes() {
        let r = rule();
        let c = CompiledException::new(&r).unwrap();
        assert!(c.matches_row("rds.db_instance/orders-db", "multi_az"));
        assert!(c.matches_row("rds.db_instance/orders-db-replica", "multi_az"));
        assert!(!c.matches_row("rds.db_instance/users-db", "multi_az"));
        assert!(!c.matches_row("rds.db_instance/orders-db", "engine"));
    }
}

//! Value normalisation: what makes two environments' values comparable. References to other
//! resources become their logical keys, CIDRs equal to a known VPC/subnet CIDR become that
//! VPC/subnet, VPC/subnet CIDRs compare by prefix length, environment tokens inside strings become
//! `{env}`, and set-like lists compare as sets.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::identity::{KeyedSnapshot, TokenSet};
use crate::model::Snapshot;
use crate::schema::Compare;

/// What normalisation needs to know about one environment's snapshot.
#[derive(Debug)]
pub struct EnvContext<'a> {
    pub tokens: &'a TokenSet,
    pub keyed: &'a KeyedSnapshot<'a>,
    /// CIDR of every VPC and subnet → its logical key.
    cidrs: FxHashMap<String, String>,
    /// The lengths of every native id and alias, and of every CIDR: a string of another length
    /// is neither, and is not looked up (most values are not; each lookup costs a hash and a
    /// probe of a table as large as the snapshot).
    id_lengths: Lengths,
    cidr_lengths: Lengths,
}

/// A set of string lengths, exact: lengths below 128 by bit, longer ones all together.
#[derive(Debug, Default, Clone, Copy)]
struct Lengths {
    short: u128,
    long: bool,
}

impl Lengths {
    fn of(strings: impl Iterator<Item = impl AsRef<str>>) -> Self {
        let mut set = Lengths::default();
        for len in strings.map(|s| s.as_ref().len()) {
            if len < 128 {
                set.short |= 1u128 << len;
            } else {
                set.long = true;
            }
        }
        set
    }

    /// Whether some string of the set may have `s`'s length (never false for one in it).
    fn may_hold(&self, s: &str) -> bool {
        if s.len() < 128 {
            self.short & (1u128 << s.len()) != 0
        } else {
            self.long
        }
    }
}

impl<'a> EnvContext<'a> {
    pub fn new(snapshot: &Snapshot, tokens: &'a TokenSet, keyed: &'a KeyedSnapshot<'a>) -> Self {
        let mut cidrs = FxHashMap::default();
        for (i, r) in snapshot.resources.iter().enumerate() {
            if r.kind == "ec2.vpc" || r.kind == "ec2.subnet" {
                if let Some(Value::String(cidr)) = r.attributes.get("cidr_block") {
                    cidrs
                        .entry(cidr.clone())
                        .or_insert_with(|| keyed.keys[i].clone());
                }
            }
        }
        EnvContext {
            tokens,
            keyed,
            id_lengths: Lengths::of(keyed.by_id.keys()),
            cidr_lengths: Lengths::of(cidrs.keys()),
            cidrs,
        }
    }

    /// The normalised form of `raw` under `compare`. Returns `None` when it equals `raw`, so
    /// callers can skip a copy.
    pub fn normalize(&self, raw: &Value, compare: Compare) -> Option<Value> {
        if compare == Compare::PrefixLength {
            if let Value::String(s) = raw {
                if let Some((_, len)) = s.rsplit_once('/') {
                    return Some(Value::String(format!("/{len}")));
                }
            }
        }
        self.normalize_value(
            raw,
            compare != Compare::Ordered,
            compare == Compare::References,
        )
    }

    fn normalize_string(&self, s: &str, references: bool) -> Option<String> {
        // Secrets compare by presence (docs/CONTRACTS.md "Secrets"): every token is `<secret>`,
        // and the text around it (a URL's host, port, database) is normalised as usual.
        if let Some(presence) = crate::secrets::presence_form(s) {
            return Some(self.tokens.replace_in_value(&presence).unwrap_or(presence));
        }
        if self.id_lengths.may_hold(s) {
            if let Some(key) = self.keyed.key_of_id(s) {
                return Some(key.to_string());
            }
        }
        if self.cidr_lengths.may_hold(s) {
            if let Some(key) = self.cidrs.get(s) {
                return Some(key.clone());
            }
        }
        if references {
            if let Some(shape) = unresolved_arn(s) {
                return Some(shape);
            }
        }
        self.tokens.replace_in_value(s)
    }

    fn normalize_value(&self, raw: &Value, as_set: bool, references: bool) -> Option<Value> {
        match raw {
            Value::String(s) => self.normalize_string(s, references).map(Value::String),
            // a copy is made only from the first item that changes (most values change none)
            Value::Array(items) => {
                let mut out: Option<Vec<Value>> = None;
                for (i, v) in items.iter().enumerate() {
                    match self.normalize_value(v, as_set, references) {
                        Some(n) => out
                            .get_or_insert_with(|| {
                                let mut o = Vec::with_capacity(items.len());
                                o.extend_from_slice(&items[..i]);
                                o
                            })
                            .push(n),
                        None => {
                            if let Some(o) = &mut out {
                                o.push(v.clone());
                            }
                        }
                    }
                }
                match out {
                    Some(mut out) => {
                        if as_set && !is_sorted_set(&out) {
                            sort_dedup(&mut out);
                        }
                        Some(Value::Array(out))
                    }
                    None if as_set && !is_sorted_set(items) => {
                        let mut out = items.clone();
                        sort_dedup(&mut out);
                        Some(Value::Array(out))
                    }
                    None => None,
                }
            }
            Value::Object(map) => {
                let mut out: Option<serde_json::Map<String, Value>> = None;
                for (i, (k, v)) in map.iter().enumerate() {
                    match self.normalize_value(v, as_set, references) {
                        Some(n) => {
                            out.get_or_insert_with(|| {
                                map.iter()
                                    .take(i)
                                    .map(|(k, v)| (k.clone(), v.clone()))
                                    .collect()
                            })
                            .insert(k.clone(), n);
                        }
                        None => {
                            if let Some(o) = &mut out {
                                o.insert(k.clone(), v.clone());
                            }
                        }
                    }
                }
                out.map(Value::Object)
            }
            _ => None,
        }
    }
}

/// What is compared of an ARN that names no collected resource: `arn:<service>` and, when the
/// resource part has a type (`certificate/…`, `targetgroup/…`, `parameter/…`), `:<type>`. Its
/// partition, region, account and id are volatile (docs/CONTRACTS.md "Values and categories").
fn unresolved_arn(s: &str) -> Option<String> {
    let mut parts = s.splitn(6, ':');
    if parts.next() != Some("arn") {
        return None;
    }
    let (_partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service.is_empty() {
        return None;
    }
    let typed = resource
        .split_once(['/', ':'])
        .map(|(t, _)| t)
        .filter(|t| !t.is_empty());
    Some(match typed {
        Some(t) => format!("arn:{service}:{t}"),
        None => format!("arn:{service}"),
    })
}

/// Sorts values by their canonical JSON text and removes duplicates (set semantics): the first
/// of values with the same text stays.
pub fn sort_dedup(values: &mut Vec<Value>) {
    if is_sorted_set(values) {
        return;
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    {
        let texts: Vec<Cow<str>> = values.iter().map(canonical_text).collect();
        // stable: among equal texts, the earliest value comes first and is the one kept
        order.sort_by(|&a, &b| texts[a].cmp(&texts[b]));
        order.dedup_by(|later, kept| texts[*later] == texts[*kept]);
    }
    let mut taken: Vec<Option<Value>> = values.drain(..).map(Some).collect();
    values.extend(order.into_iter().filter_map(|i| taken[i].take()));
}

/// Whether `values` are already what [`sort_dedup`] makes of them: strictly increasing by
/// canonical text.
fn is_sorted_set(values: &[Value]) -> bool {
    values
        .windows(2)
        .all(|w| canonical_text(&w[0]) < canonical_text(&w[1]))
}

/// Canonical JSON text of a value (object keys are kept in their stored order, which the model
/// keeps sorted).
pub fn canonical(v: &Value) -> String {
    canonical_text(v).into_owned()
}

/// [`canonical`] without a copy for strings.
fn canonical_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::key_snapshot;
    use crate::model::{Resource, Snapshot, Source};
    use chrono::TimeZone;
    use serde_json::json;

    fn snap(resources: Vec<Resource>) -> Snapshot {
        Snapshot {
            id: None,
            environment: "staging".into(),
            taken_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 26, 12, 0, 0)
                .unwrap(),
            source: Source::Demo,
            missing: vec![],
            resources,
        }
    }

    #[test]
    fn ids_of_every_length_are_looked_up_and_other_lengths_are_not_ids() {
        // the length filter is exact: ids of lengths 0..128 by bit, longer ones (ARNs) together
        let arn = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(200));
        let id_127 = "i".repeat(127);
        let mut role = Resource::named("iam.role", "role-1", "staging-deployer");
        role.aliases.push(arn.clone());
        let s = snap(vec![
            role,
            Resource::named("ec2.instance", &id_127, "staging-api"),
            Resource::named("ec2.instance", "i-1", "staging-web"),
        ]);
        let tokens = TokenSet::new(["staging"]);
        let keyed = key_snapshot(&s, &tokens, "/staging/", &[]);
        let ctx = EnvContext::new(&s, &tokens, &keyed);
        for (id, key) in [
            (arn.as_str(), "iam.role/deployer"),
            (id_127.as_str(), "ec2.instance/api"),
            ("i-1", "ec2.instance/web"),
        ] {
            assert_eq!(
                ctx.normalize(&json!(id), Compare::References),
                Some(json!(key)),
                "{id}"
            );
        }
        // a string of an id's length that is no id, and one of no id's length, stay
        assert_eq!(ctx.normalize(&json!("i-2"), Compare::Plain), None);
        assert_eq!(ctx.normalize(&json!("i-22"), Compare::Plain), None);
        assert_eq!(
            ctx.normalize(&json!(format!("{arn}x")), Compare::Plain),
            None
        );
    }

    #[test]
    fn references_cidrs_tokens_and_sets() {
        let s = snap(vec![
            Resource::named("ec2.vpc", "vpc-9", "staging-main")
                .with_attr("cidr_block", "10.1.0.0/16"),
            Resource::named("ec2.security_group", "sg-7", "staging-web"),
        ]);
        let tokens = TokenSet::new(["staging", "stg"]);
        let keyed = key_snapshot(&s, &tokens, "/staging/", &[]);
        let ctx = EnvContext::new(&s, &tokens, &keyed);
        // a reference to another resource becomes its logical key
        assert_eq!(
            ctx.normalize(&json!("sg-7"), Compare::Plain),
            Some(json!("ec2.security_group/web"))
        );
        // a CIDR equal to the VPC's own CIDR becomes the VPC
        assert_eq!(
            ctx.normalize(
                &json!({"source": "10.1.0.0/16", "port": 443}),
                Compare::Plain
            ),
            Some(json!({"source": "ec2.vpc/main", "port": 443}))
        );
        // other CIDRs stay
        assert_eq!(ctx.normalize(&json!("0.0.0.0/0"), Compare::Plain), None);
        // VPC CIDRs compare by prefix length
        assert_eq!(
            ctx.normalize(&json!("10.1.0.0/16"), Compare::PrefixLength),
            Some(json!("/16"))
        );
        // env tokens inside strings
        assert_eq!(
            ctx.normalize(&json!("stg-db.internal:5432"), Compare::Plain),
            Some(json!("{env}-db.internal:5432"))
        );
        // sets compare as sets: order and duplicates do not matter
        assert_eq!(
            ctx.normalize(&json!(["b", "a", "b"]), Compare::Plain),
            Some(json!(["a", "b"]))
        );
        assert_eq!(ctx.normalize(&json!(["a", "b"]), Compare::Plain), None);
        // ordered lists keep their order
        assert_eq!(ctx.normalize(&json!(["b", "a"]), Compare::Ordered), None);
        assert_eq!(ctx.normalize(&json!(42), Compare::Plain), None);
        // a change after the first item or key keeps everything before it, in order
        assert_eq!(
            ctx.normalize(
                &json!({"port": 443, "name": "x", "source": "10.1.0.0/16"}),
                Compare::Plain
            ),
            Some(json!({"port": 443, "name": "x", "source": "ec2.vpc/main"}))
        );
        assert_eq!(
            ctx.normalize(
                &json!(["x", {"p": 1}, [{"g": "sg-7"}], "y"]),
                Compare::Ordered
            ),
            Some(json!(["x", {"p": 1}, [{"g": "ec2.security_group/web"}], "y"]))
        );
        // a set whose items change is sorted after the change
        assert_eq!(
            ctx.normalize(&json!(["z", "sg-7"]), Compare::Plain),
            Some(json!(["ec2.security_group/web", "z"]))
        );
    }

    #[test]
    fn arn_references_resolve_or_keep_only_their_shape() {
        let tg =
            "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/staging-web/95674c5c";
        let s = snap(vec![Resource::named(
            "elbv2.target_group",
            tg,
            "staging-web",
        )]);
        let tokens = TokenSet::new(["staging"]);
        let keyed = key_snapshot(&s, &tokens, "/staging/", &[]);
        let ctx = EnvContext::new(&s, &tokens, &keyed);
        // a known target: its logical key
        assert_eq!(
            ctx.normalize(&json!([tg]), Compare::References),
            Some(json!(["elbv2.target_group/web"]))
        );
        // unknown targets: service and type only, so accounts and generated ids do not differ
        assert_eq!(
            ctx.normalize(
                &json!([
                    "arn:aws:sns:us-east-1:111111111111:staging-alerts",
                    "arn:aws:sns:eu-west-1:222222222222:ops"
                ]),
                Compare::References
            ),
            Some(json!(["arn:sns"]))
        );
        assert_eq!(
            ctx.normalize(
                &json!("arn:aws:acm:us-east-1:111111111111:certificate/1234-abcd"),
                Compare::References
            ),
            Some(json!("arn:acm:certificate"))
        );
        // plain comparison keeps an unknown ARN (with its environment tokens replaced)
        assert_eq!(
            ctx.normalize(
                &json!("arn:aws:sns:us-east-1:111111111111:ops"),
                Compare::Plain
            ),
            None
        );
        assert_eq!(
            ctx.normalize(&json!("not-an-arn"), Compare::References),
            None
        );
    }
}

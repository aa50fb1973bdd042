//! Logical identity: how a resource of one environment gets the key that pairs it with its
//! counterparts elsewhere (docs/CONTRACTS.md "Kinds and logical keys"), with an explanation of
//! every step so each pairing decision can be shown to the user.

use rayon::prelude::*;
use regex::Regex;
use rustc_hash::FxHashMap;

use crate::model::{Identity, Snapshot};
use crate::workspace::{EnvironmentConfig, GroupNumbered, RewriteRule};
use crate::CoreError;

/// A logical key: `<kind>/<logical name>`.
pub type LogicalKey = String;

/// The placeholder for an environment token inside values.
pub const ENV_PLACEHOLDER: &str = "{env}";

/// The logical name of a resource whose whole name was the environment token (a VPC named `prod`).
pub const ENV_NAME: &str = "env";

/// Separators between name segments.
fn is_name_separator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'_' | b'.' | b'/' | b':' | b' ' | b'[' | b']' | b'"'
    )
}

/// An environment's tokens (its name and aliases), lower-cased, longest first.
#[derive(Debug, Clone)]
pub struct TokenSet {
    tokens: Vec<String>,
}

impl TokenSet {
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Self {
        let mut tokens: Vec<String> = tokens
            .into_iter()
            .filter(|t| !t.is_empty())
            .map(|t| t.to_ascii_lowercase())
            .collect();
        tokens.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        tokens.dedup();
        TokenSet { tokens }
    }

    pub fn for_env(env: &EnvironmentConfig) -> Self {
        Self::new(std::iter::once(env.name.as_str()).chain(env.aliases.iter().map(String::as_str)))
    }

    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Finds the first occurrence (from `from`) of any token bounded by `boundary` bytes or the
    /// string's edges. Returns (start, end).
    fn find(&self, s: &str, from: usize, boundary: fn(u8) -> bool) -> Option<(usize, usize)> {
        let bytes = s.as_bytes();
        let mut best: Option<(usize, usize)> = None;
        for token in &self.tokens {
            let t = token.as_bytes();
            if t.len() > bytes.len() {
                continue;
            }
            let mut i = from;
            while i + t.len() <= bytes.len() {
                if bytes[i].eq_ignore_ascii_case(&t[0])
                    && bytes[i..i + t.len()].eq_ignore_ascii_case(t)
                    && (i == 0 || boundary(bytes[i - 1]))
                    && (i + t.len() == bytes.len() || boundary(bytes[i + t.len()]))
                {
                    if best.is_none_or(|(s0, _)| i < s0) {
                        best = Some((i, i + t.len()));
                    }
                    break;
                }
                i += 1;
            }
        }
        best
    }

    /// Removes the environment's tokens where they stand as whole segments at the start, end or
    /// middle of a name: `prod-api`, `api-prod`, `stg-api` → `api`; `api.prod.internal` →
    /// `api.internal`. A name that was only the token becomes `env`.
    pub fn strip_segments(&self, name: &str) -> String {
        let mut out = name.to_string();
        // Each pass removes one token; a name cannot hold more tokens than bytes.
        for _ in 0..=name.len() {
            let Some((start, end)) = self.find(&out, 0, is_name_separator) else {
                break;
            };
            if start == 0 {
                // leading segment: drop it and the separator after it
                let cut = if end < out.len() { end + 1 } else { end };
                out.replace_range(0..cut, "");
            } else {
                // middle or end: drop the separator before it and the token
                out.replace_range(start - 1..end, "");
            }
        }
        let trimmed = out.trim_matches(|c: char| c == '-' || c == '_' || c == '.' || c == ' ');
        if trimmed.is_empty() {
            ENV_NAME.to_string()
        } else {
            trimmed.to_string()
        }
    }

    /// Replaces tokens inside a value with `{env}` where they stand between non-alphanumeric
    /// characters: `staging-db.internal` → `{env}-db.internal`. Returns `None` when nothing changed.
    pub fn replace_in_value(&self, value: &str) -> Option<String> {
        let boundary = |b: u8| !b.is_ascii_alphanumeric();
        let (mut start, mut end) = self.find(value, 0, boundary)?;
        let mut out = String::with_capacity(value.len() + 4);
        let mut last = 0;
        loop {
            out.push_str(&value[last..start]);
            out.push_str(ENV_PLACEHOLDER);
            last = end;
            match self.find(value, end, boundary) {
                Some((s, e)) => {
                    start = s;
                    end = e;
                }
                None => break,
            }
        }
        out.push_str(&value[last..]);
        Some(out)
    }
}

/// A rewrite rule with its pattern compiled.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub rule: RewriteRule,
    regex: Regex,
}

impl CompiledRule {
    pub fn new(rule: &RewriteRule) -> Result<Self, CoreError> {
        Ok(CompiledRule {
            regex: rule.compile()?,
            rule: rule.clone(),
        })
    }

    fn applies_to(&self, kind: &str) -> bool {
        self.rule.kind == "*" || self.rule.kind == kind
    }
}

/// The key of every resource of one snapshot, index-aligned with `snapshot.resources`, and why.
#[derive(Debug, Clone)]
pub struct KeyedSnapshot<'a> {
    pub keys: Vec<LogicalKey>,
    pub explanations: Vec<String>,
    /// native id or alias → index in `snapshot.resources` (the snapshot's own text, not copied)
    pub by_id: FxHashMap<&'a str, usize>,
}

impl KeyedSnapshot<'_> {
    pub fn key_of_id(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(|i| self.keys[*i].as_str())
    }
}

fn logical_name_of(key: &str) -> &str {
    key.split_once('/').map_or(key, |(_, n)| n)
}

/// The group name of a numbered replica (docs/CONTRACTS.md "Groups: numbered replicas and Auto
/// Scaling instances"): `web-01`, `web1`, `web_3`, `web.2`, `db[0]` → `web`/`db`; `None` when the
/// name does not end in a replica number (`api-v2`, `ip-10-0-1-5`, `2024`, `web`).
pub fn replica_group(name: &str) -> Option<&str> {
    let stem = if let Some(inner) = name.strip_suffix(']') {
        // a Terraform index: `…[N]`
        let open = inner.rfind('[')?;
        let digits = &inner[open + 1..];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        &name[..open]
    } else {
        let bytes = name.as_bytes();
        let start = bytes.len()
            - bytes
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
        if start == bytes.len() || start == 0 {
            return None;
        }
        match bytes[start - 1] {
            b'-' | b'_' | b'.' => &name[..start - 1],
            b if b.is_ascii_alphabetic() => &name[..start],
            _ => return None,
        }
    };
    if !stem.as_bytes().last()?.is_ascii_alphabetic() {
        return None;
    }
    // a version, not a replica: `api-v2`, `v2`
    let last_segment = stem
        .rsplit(|c: char| c.is_ascii() && (is_name_separator(c as u8) || c == '['))
        .next()
        .unwrap_or(stem);
    if last_segment.eq_ignore_ascii_case("v") {
        return None;
    }
    Some(stem)
}

/// Computes the logical key of every resource of `snapshot` for environment `tokens`/`ssm_prefix`,
/// with the default grouping of numbered replicas.
pub fn key_snapshot<'a>(
    snapshot: &'a Snapshot,
    tokens: &TokenSet,
    ssm_prefix: &str,
    rules: &[CompiledRule],
) -> KeyedSnapshot<'a> {
    key_snapshot_with(snapshot, tokens, ssm_prefix, rules, &GroupNumbered::Default)
}

/// A resource's own logical name (`None` for children) and the explanation of it.
type OwnName = (Option<String>, String);

/// A resource's logical name from its own identity (before rules and grouping), with the
/// explanation appended to `why`; `None` for children and unnamed children, which take their
/// parent's name in the second pass.
fn own_name(
    r: &crate::model::Resource,
    tokens: &TokenSet,
    ssm_prefix: &str,
    why: &mut String,
) -> Option<String> {
    use std::fmt::Write as _;
    match &r.identity {
        Identity::Name { name } => {
            let stripped = tokens.strip_segments(name);
            if &stripped == name {
                let _ = write!(why, "name `{name}`");
            } else {
                let _ = write!(
                    why,
                    "name `{name}` with the environment token removed → `{stripped}`"
                );
            }
            Some(stripped)
        }
        Identity::Path { path } => Some(match path.strip_prefix(ssm_prefix) {
            Some(rest) => {
                let _ = write!(why, "path `{path}` without the prefix `{ssm_prefix}`");
                rest.trim_start_matches('/').to_string()
            }
            None => {
                let s = tokens
                    .strip_segments(path)
                    .trim_start_matches('/')
                    .to_string();
                let _ = write!(
                    why,
                    "path `{path}` (outside prefix `{ssm_prefix}`) with the environment token removed"
                );
                s
            }
        }),
        Identity::Address { address } => {
            let stripped = tokens.strip_segments(address);
            let _ = write!(why, "Terraform address `{address}` → `{stripped}`");
            Some(stripped)
        }
        Identity::Unnamed { parent: None } => {
            why.push_str("no name: keyed as unnamed");
            Some("unnamed".to_string())
        }
        Identity::Child { .. } | Identity::Unnamed { parent: Some(_) } => None,
    }
}

/// The workspace's rewrite rules, then the grouping of numbered replicas, applied to `name`;
/// each step that changed it is appended to `why`.
fn apply_rules(
    rules: &[CompiledRule],
    group_numbered: &GroupNumbered,
    kind: &str,
    name: String,
    why: &mut String,
) -> String {
    use std::fmt::Write as _;
    let mut name = name;
    for rule in rules.iter().filter(|r| r.applies_to(kind)) {
        if rule.regex.is_match(&name) {
            let next = rule
                .regex
                .replace(&name, rule.rule.replace.as_str())
                .into_owned();
            if next != name {
                let _ = write!(
                    why,
                    "; rule `{}` → `{}` made it `{next}`",
                    rule.rule.pattern, rule.rule.replace
                );
                name = next;
            }
        }
    }
    if group_numbered.applies_to(kind) {
        if let Some(group) = replica_group(&name) {
            let _ = write!(why, "; numbered replica: `{name}` → group `{group}`");
            name = group.to_string();
        }
    }
    name
}

/// [`key_snapshot`] with the workspace's `group_numbered` setting.
pub fn key_snapshot_with<'a>(
    snapshot: &'a Snapshot,
    tokens: &TokenSet,
    ssm_prefix: &str,
    rules: &[CompiledRule],
    group_numbered: &GroupNumbered,
) -> KeyedSnapshot<'a> {
    let n = snapshot.resources.len();
    // The id index and the first pass are independent: built side by side.
    let (by_id, first): (FxHashMap<&str, usize>, Vec<OwnName>) = rayon::join(
        || {
            let mut by_id: FxHashMap<&str, usize> =
                FxHashMap::with_capacity_and_hasher(n, Default::default());
            for (i, r) in snapshot.resources.iter().enumerate() {
                by_id.entry(r.native_id.as_str()).or_insert(i);
                for alias in &r.aliases {
                    by_id.entry(alias.as_str()).or_insert(i);
                }
            }
            by_id
        },
        // First pass, in parallel: everything that does not depend on another resource's name.
        || {
            snapshot
                .resources
                .par_iter()
                .map(|r| {
                    let mut why = String::new();
                    let name = own_name(r, tokens, ssm_prefix, &mut why)
                        .map(|name| apply_rules(rules, group_numbered, &r.kind, name, &mut why));
                    (name, why)
                })
                .collect()
        },
    );
    let (mut names, mut explanations): (Vec<Option<String>>, Vec<String>) =
        first.into_iter().unzip();

    // Second pass: children keyed by their parent's logical name and their role.
    for (i, r) in snapshot.resources.iter().enumerate() {
        if names[i].is_some() {
            continue;
        }
        let parent_name = |parent: &str| -> String {
            match by_id.get(parent).and_then(|p| names[*p].clone()) {
                Some(n) => n,
                None => parent.to_string(),
            }
        };
        let mut why = String::new();
        let name = match &r.identity {
            Identity::Child { parent, role } => {
                let p = parent_name(parent);
                let role_name = match by_id.get(role.as_str()).and_then(|x| names[*x].clone()) {
                    Some(n) => n,
                    None => role.clone(),
                };
                why.push_str(&format!(
                    "no name: keyed by its parent `{p}` and its role `{role_name}`"
                ));
                format!("{p}/{role_name}")
            }
            Identity::Unnamed {
                parent: Some(parent),
            } => {
                let p = parent_name(parent);
                why.push_str(&format!("no name: keyed as unnamed under `{p}`"));
                format!("{p}/unnamed")
            }
            _ => unreachable!("named identities were keyed in the first pass"),
        };
        let name = apply_rules(rules, group_numbered, &r.kind, name, &mut why);
        names[i] = Some(name);
        explanations[i] = why;
    }

    let keys = snapshot
        .resources
        .par_iter()
        .zip(names)
        .map(|(r, n)| {
            let n = n.unwrap_or_default();
            let mut key = String::with_capacity(r.kind.len() + 1 + n.len());
            key.push_str(&r.kind);
            key.push('/');
            key.push_str(&n);
            key
        })
        .collect();
    KeyedSnapshot {
        keys,
        explanations,
        by_id,
    }
}

/// The logical name part of a key (`ec2.instance/api` → `api`).
pub fn name_part(key: &str) -> &str {
    logical_name_of(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Resource, Source};
    use chrono::TimeZone;

    fn tokens(name: &str, aliases: &[&str]) -> TokenSet {
        TokenSet::new(std::iter::once(name).chain(aliases.iter().copied()))
    }

    #[test]
    fn strips_env_tokens_as_whole_segments() {
        let prod = tokens("prod", &[]);
        assert_eq!(prod.strip_segments("prod-api"), "api");
        assert_eq!(prod.strip_segments("api-prod"), "api");
        assert_eq!(prod.strip_segments("api.prod.internal"), "api.internal");
        assert_eq!(prod.strip_segments("Prod_API"), "API");
        assert_eq!(prod.strip_segments("api-prod-worker"), "api-worker");
        // not a whole segment
        assert_eq!(prod.strip_segments("production-api"), "production-api");
        assert_eq!(prod.strip_segments("reproduce"), "reproduce");
        // only the token
        assert_eq!(prod.strip_segments("prod"), "env");
    }

    #[test]
    fn aliases_are_tokens_too() {
        let staging = tokens("staging", &["stg"]);
        assert_eq!(staging.strip_segments("stg-api"), "api");
        assert_eq!(staging.strip_segments("staging-api"), "api");
        assert_eq!(staging.strip_segments("api-stg-db"), "api-db");
    }

    #[test]
    fn multi_segment_tokens() {
        let env = tokens("prod-eu", &[]);
        assert_eq!(env.strip_segments("prod-eu-api"), "api");
        assert_eq!(env.strip_segments("prod-api"), "prod-api");
    }

    #[test]
    fn tokens_inside_values_become_placeholders() {
        let staging = tokens("staging", &["stg"]);
        assert_eq!(
            staging.replace_in_value("staging-db.internal").as_deref(),
            Some("{env}-db.internal")
        );
        assert_eq!(
            staging.replace_in_value("/stg/x/staging").as_deref(),
            Some("/{env}/x/{env}")
        );
        assert_eq!(staging.replace_in_value("stagingdb"), None);
        assert_eq!(staging.replace_in_value("nothing here"), None);
    }

    fn snapshot(resources: Vec<Resource>) -> Snapshot {
        Snapshot {
            id: None,
            environment: "prod".into(),
            taken_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 26, 12, 0, 0)
                .unwrap(),
            source: Source::Demo,
            missing: vec![],
            resources,
        }
    }

    #[test]
    fn keys_for_named_path_child_and_unnamed_resources() {
        let snap = snapshot(vec![
            Resource::named("ec2.vpc", "vpc-1", "prod-main-vpc"),
            Resource::named("ec2.subnet", "subnet-1", "prod-private-a").with_parent("vpc-1"),
            Resource::new(
                "ec2.nat_gateway",
                "nat-1",
                Identity::Child {
                    parent: "vpc-1".into(),
                    role: "subnet-1".into(),
                },
            ),
            Resource::new(
                "ec2.route_table",
                "rtb-1",
                Identity::Child {
                    parent: "vpc-1".into(),
                    role: "main".into(),
                },
            ),
            Resource::new(
                "ssm.parameter",
                "/prod/database/host",
                Identity::Path {
                    path: "/prod/database/host".into(),
                },
            ),
            Resource::new("ec2.instance", "i-1", Identity::Unnamed { parent: None }),
        ]);
        let keyed = key_snapshot(&snap, &tokens("prod", &[]), "/prod/", &[]);
        assert_eq!(
            keyed.keys,
            vec![
                "ec2.vpc/main-vpc",
                "ec2.subnet/private-a",
                "ec2.nat_gateway/main-vpc/private-a",
                "ec2.route_table/main-vpc/main",
                "ssm.parameter/database/host",
                "ec2.instance/unnamed",
            ]
        );
        assert!(keyed.explanations[0].contains("prod-main-vpc"));
        assert!(keyed.explanations[4].contains("/prod/"));
    }

    #[test]
    fn numbered_replicas_lose_their_number() {
        for (name, group) in [
            ("web-01", "web"),
            ("web1", "web"),
            ("web_3", "web"),
            ("web.2", "web"),
            ("api-web-10", "api-web"),
            (
                "module.app.aws_instance.web[0]",
                "module.app.aws_instance.web",
            ),
        ] {
            assert_eq!(replica_group(name), Some(group), "{name}");
        }
        for name in [
            "web",
            "2024",
            "-01",
            "api-v2",
            "v2",
            "ip-10-0-1-5",
            "web-01a",
            "web[\"a\"]",
            "web[]",
            "nat_1[0]",
        ] {
            assert_eq!(replica_group(name), None, "{name}");
        }
    }

    #[test]
    fn numbered_replicas_group_for_fleet_kinds_only_after_rules() {
        let snap = snapshot(vec![
            Resource::named("ec2.instance", "i-1", "prd-web-01"),
            Resource::named("ec2.instance", "i-2", "prd-web-02"),
            Resource::named("ec2.instance", "i-3", "prd-db-1-keep"),
            Resource::named("ec2.subnet", "subnet-1", "prd-private-1"),
            Resource::named("elasticache.cluster", "sessions-001", "sessions-001"),
            Resource::named("ec2.instance", "i-4", "prd-api-07"),
        ]);
        let rule = CompiledRule::new(&RewriteRule {
            kind: "ec2.instance".into(),
            pattern: "^api-07$".into(),
            replace: "api-canary".into(),
        })
        .unwrap();
        let tokens = tokens("prd", &[]);
        let keyed = key_snapshot(&snap, &tokens, "/prd/", std::slice::from_ref(&rule));
        assert_eq!(
            keyed.keys,
            vec![
                "ec2.instance/web",
                "ec2.instance/web",
                "ec2.instance/db-1-keep",
                "ec2.subnet/private-1",
                "elasticache.cluster/sessions",
                "ec2.instance/api-canary",
            ]
        );
        assert!(
            keyed.explanations[1].contains("numbered replica: `web-02` → group `web`"),
            "{}",
            keyed.explanations[1]
        );
        let off = key_snapshot_with(&snap, &tokens, "/prd/", &[], &GroupNumbered::Off);
        assert_eq!(off.keys[0], "ec2.instance/web-01");
        let custom = key_snapshot_with(
            &snap,
            &tokens,
            "/prd/",
            &[],
            &GroupNumbered::Kinds(vec!["ec2.subnet".into()]),
        );
        assert_eq!(custom.keys[0], "ec2.instance/web-01");
        assert_eq!(custom.keys[3], "ec2.subnet/private");
    }

    #[test]
    fn rewrite_rules_apply_per_kind_and_are_explained() {
        let snap = snapshot(vec![
            Resource::named("ec2.instance", "i-1", "prod-api-blue"),
            Resource::named("ec2.vpc", "vpc-1", "edge-blue"),
        ]);
        let rule = CompiledRule::new(&RewriteRule {
            kind: "ec2.instance".into(),
            pattern: "^(.*)-blue$".into(),
            replace: "$1".into(),
        })
        .unwrap();
        let keyed = key_snapshot(&snap, &tokens("prod", &[]), "/prod/", &[rule]);
        assert_eq!(keyed.keys, vec!["ec2.instance/api", "ec2.vpc/edge-blue"]);
        assert!(
            keyed.explanations[0].contains("^(.*)-blue$"),
            "{}",
            keyed.explanations[0]
        );
    }
}

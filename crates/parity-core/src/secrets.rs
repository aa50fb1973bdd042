//! The one secret detector (docs/CONTRACTS.md "Secrets"), used by every source before anything
//! is stored: names that look secret (split camelCase, PascalCase, snake, kebab and path
//! segments; a word list with the common non-secrets ruled out) and values that are secret
//! whatever their name (passwords in URL userinfo, PEM private keys, AWS secret keys next to an
//! access key id, JWTs, well-known token formats, `Bearer …`, `NAME=value` assignments of a
//! secret name in text), at every depth of a resource's attributes and tags, including JSON
//! inside strings and `{name, value}` pairs.
//!
//! A secret is replaced by a *token*: `<secret:hmac-sha256:HEX>` (a keyed fingerprint, so the
//! same secret in two environments can be found) or `<secret>` without a key (presence only).
//! Never the value, a prefix or suffix of it, or its `{env}`-normalised form. Inside a longer
//! string only the secret part is replaced, so `postgres://app:<secret:…>@db/app` keeps its
//! host, port and database for comparison. Scrubbing is idempotent.

use std::ops::Range;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use regex::{Regex, RegexSet};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{Resource, Snapshot};

/// What a secret becomes without a fingerprint key: presence only.
pub const PRESENCE_TOKEN: &str = "<secret>";
const TOKEN_OPEN: &str = "<secret";

/// Keyed fingerprints (HMAC-SHA256 with the workspace's fingerprint key).
#[derive(Clone)]
pub struct Fingerprinter {
    key: Vec<u8>,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprinter {{ key id: {} }}", self.key_id())
    }
}

impl Fingerprinter {
    pub fn new(key: Vec<u8>) -> Self {
        Fingerprinter { key }
    }

    /// `hmac-sha256:<hex>` of `value`.
    pub fn fingerprint(&self, value: &str) -> String {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.key) else {
            unreachable!("HMAC-SHA256 takes keys of any length")
        };
        mac.update(value.as_bytes());
        format!("hmac-sha256:{}", hex(&mac.finalize().into_bytes()))
    }

    /// A public id of the key (16 hex digits of a domain-separated SHA-256): the workspace
    /// records it so that values fingerprinted with another key are refused. It reveals nothing
    /// about the key.
    pub fn key_id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"envparity fingerprint key id v1\0");
        h.update(&self.key);
        hex(&h.finalize()[..8])
    }

    /// The token a secret value becomes.
    pub fn token(&self, secret: &str) -> String {
        format!("<secret:{}>", self.fingerprint(secret))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The token for `secret`: fingerprinted with `fp`, else presence only.
pub fn token(fp: Option<&Fingerprinter>, secret: &str) -> String {
    match fp {
        Some(fp) => fp.token(secret),
        None => PRESENCE_TOKEN.to_string(),
    }
}

/// Whether `s` contains a secret token.
pub fn has_token(s: &str) -> bool {
    s.contains(TOKEN_OPEN)
}

fn token_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"<secret(?::hmac-sha256:[0-9a-f]{64})?>").expect("token regex"))
}

/// `s` with every token reduced to presence (`<secret>`): how flagged secrets compare (each
/// environment has its own password; what matters is that it has one).
pub fn presence_form(s: &str) -> Option<String> {
    if !has_token(s) {
        return None;
    }
    Some(token_re().replace_all(s, PRESENCE_TOKEN).into_owned())
}

/// The fingerprints of the tokens in `value` (at any depth), for the shared-secret finding.
pub fn fingerprints_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if has_token(s) => {
            for m in token_re().find_iter(s) {
                if let Some(fp) = m.as_str().strip_prefix("<secret:") {
                    out.push(fp.trim_end_matches('>').to_string());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| fingerprints_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| fingerprints_in(v, out)),
        _ => {}
    }
}

// ---- names --------------------------------------------------------------------------------

/// Words that make a name secret when they are one of its segments.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwords",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "apikey",
    "apikeys",
    "privatekey",
    "credential",
    "credentials",
    "creds",
    "dsn",
    "auth",
    "authtoken",
    "connectionstring",
];

/// Two consecutive segments that make a name secret.
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("private", "key"),
    ("access", "key"),
    ("signing", "key"),
    ("secret", "key"),
    ("account", "key"),
    ("encryption", "key"),
    ("master", "key"),
    ("connection", "string"),
    ("conn", "str"),
];

/// A last segment that makes the name a reference to a secret, or a setting about one, not the
/// secret itself (`secret_arn`, `kms_key_id`, `token_count`, `password_length`,
/// `iam_database_authentication_enabled`).
const NOT_SECRET_LAST: &[&str] = &[
    "arn",
    "arns",
    "id",
    "ids",
    "name",
    "names",
    "type",
    "types",
    "enabled",
    "disabled",
    "count",
    "length",
    "ttl",
    "version",
    "versions",
    "rotation",
    "policy",
    "mode",
    "required",
    "expiry",
    "expiration",
    "expires",
    "age",
    "path",
    "file",
    "url",
    "uri",
    "endpoint",
    "header",
    "ref",
    "kms",
    "algorithm",
    "format",
    "set",
    "source",
    "status",
    "date",
    "time",
    "timeout",
    "reset",
    "changed",
    "last",
    "location",
    "param",
    "parameter",
    "field",
    "prefix",
    "hint",
];

/// The lower-case segments of a name: `-`, `_`, `.`, `/`, `:`, spaces and other punctuation
/// separate; so does a change from lower case or a digit to upper case (`dbPassword`), and the
/// last capital of an acronym before a lower-case letter (`APIKey` → `api`, `key`).
pub fn name_segments(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether `name` (an attribute, tag key, variable, parameter path…) names a secret.
pub fn is_secret_name(name: &str) -> bool {
    let segs = name_segments(name);
    let Some(last) = segs.last() else {
        return false;
    };
    if NOT_SECRET_LAST.contains(&last.as_str()) {
        return false;
    }
    segs.iter().any(|s| SECRET_WORDS.contains(&s.as_str()))
        || segs
            .windows(2)
            .any(|w| SECRET_PAIRS.contains(&(w[0].as_str(), w[1].as_str())))
}

// ---- values -------------------------------------------------------------------------------

/// A value rule: a regex whose capture group `group` (0: the whole match) is the secret.
struct ValueRule {
    name: &'static str,
    pattern: &'static str,
    group: usize,
}

const VALUE_RULES: &[ValueRule] = &[
    ValueRule {
        name: "url-password",
        pattern: r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s:/?#@]*:([^\s/?#@]+)@",
        group: 1,
    },
    ValueRule {
        name: "pem-private-key",
        pattern: r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\z)",
        group: 0,
    },
    ValueRule {
        name: "jwt",
        pattern: r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
        group: 0,
    },
    ValueRule {
        name: "github-token",
        pattern: r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
        group: 0,
    },
    ValueRule {
        name: "gitlab-token",
        pattern: r"\bglpat-[A-Za-z0-9_\-]{20,}",
        group: 0,
    },
    ValueRule {
        name: "slack-token",
        pattern: r"\bxox[abposre]-[A-Za-z0-9\-]{10,}",
        group: 0,
    },
    ValueRule {
        name: "slack-webhook",
        pattern: r"hooks\.slack\.com/(?:services|workflows)/([A-Za-z0-9/_\-]{20,})",
        group: 1,
    },
    ValueRule {
        name: "stripe-key",
        pattern: r"\b(?:sk|rk|whsec)_(?:live|test|prod)?_?[A-Za-z0-9]{16,}",
        group: 0,
    },
    ValueRule {
        name: "google-api-key",
        pattern: r"\bAIza[0-9A-Za-z_\-]{35}",
        group: 0,
    },
    ValueRule {
        name: "npm-token",
        pattern: r"\bnpm_[A-Za-z0-9]{36}",
        group: 0,
    },
    ValueRule {
        name: "sendgrid-key",
        pattern: r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
        group: 0,
    },
    ValueRule {
        name: "bearer",
        pattern: r"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]{16,}=*)",
        group: 1,
    },
    ValueRule {
        name: "aws-secret-key",
        // a 40-character secret access key in a string that also holds an access key id
        pattern: r"(?:AKIA|ASIA)[0-9A-Z]{16}(?s:.{0,200}?)(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
        group: 1,
    },
    ValueRule {
        name: "assignment",
        // `NAME=value` / `NAME: value` in text (env files, scripts, YAML): the name decides
        // (a value followed by `(`, `[`, `{` or `.` is code — `token = body[…]` — not a secret)
        pattern: r#"(?m)\b([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*[=:][ \t]*["']?([^\s"',;()\[\]{}]{4,})(?:[\s"',;]|$)"#,
        group: 2,
    },
];

struct Compiled {
    set: RegexSet,
    rules: Vec<Regex>,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| Compiled {
        set: RegexSet::new(VALUE_RULES.iter().map(|r| r.pattern)).expect("value rules"),
        rules: VALUE_RULES
            .iter()
            .map(|r| Regex::new(r.pattern).expect("value rule"))
            .collect(),
    })
}

/// The byte ranges of secret material in `text`, with the rule that found each, sorted and
/// not overlapping. Tokens already in the text are never matched again.
pub fn secret_spans(text: &str) -> Vec<(Range<usize>, &'static str)> {
    if text.len() < 8 {
        return Vec::new();
    }
    let c = compiled();
    let mut spans: Vec<(Range<usize>, &'static str)> = Vec::new();
    for i in c.set.matches(text).iter() {
        let rule = &VALUE_RULES[i];
        for caps in c.rules[i].captures_iter(text) {
            let Some(m) = caps.get(rule.group) else {
                continue;
            };
            let secret = m.as_str();
            if secret.starts_with(TOKEN_OPEN) || secret.starts_with("hmac-sha256:") {
                continue;
            }
            if rule.name == "assignment" {
                let name = caps.get(1).map_or("", |n| n.as_str());
                if !is_secret_name(name) || is_placeholder(secret) {
                    continue;
                }
            }
            if rule.name == "url-password" && is_placeholder(secret) {
                continue;
            }
            spans.push((m.range(), rule.name));
        }
    }
    spans.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<(Range<usize>, &'static str)> = Vec::new();
    for (r, n) in spans {
        match out.last_mut() {
            Some((last, _)) if r.start < last.end => last.end = last.end.max(r.end),
            _ => out.push((r, n)),
        }
    }
    out
}

/// Template placeholders and booleans say nothing secret (`${DB_PASSWORD}`, `{{ .Pass }}`,
/// `true`).
fn is_placeholder(s: &str) -> bool {
    let t = s.trim_matches(|c| c == '"' || c == '\'');
    t.starts_with("${")
        || t.starts_with("{{")
        || t.starts_with('$')
        || t.starts_with('<')
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "none" | "****" | "xxxx"
        )
}

/// `text` with every secret span replaced by its token; `None` when nothing was found.
pub fn mask_text(text: &str, fp: Option<&Fingerprinter>) -> Option<String> {
    mask_counted(text, fp).map(|(masked, _)| masked)
}

/// [`mask_text`] and how many secrets it replaced.
fn mask_counted(text: &str, fp: Option<&Fingerprinter>) -> Option<(String, usize)> {
    let spans = secret_spans(text);
    if spans.is_empty() {
        return None;
    }
    let count = spans.len();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (r, _) in spans {
        out.push_str(&text[at..r.start]);
        out.push_str(&token(fp, &text[r.clone()]));
        at = r.end;
    }
    out.push_str(&text[at..]);
    Some((out, count))
}

// ---- scrubbing ----------------------------------------------------------------------------

/// What a scrub replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrubCount {
    /// Values replaced because their name looks secret.
    pub by_name: usize,
    /// Secrets found in values (URL passwords, keys, tokens…).
    pub by_value: usize,
}

impl ScrubCount {
    pub fn total(&self) -> usize {
        self.by_name + self.by_value
    }
}

/// Scrubs one value found under a name that does (`flagged`) or does not look secret.
pub fn scrub_value(value: &mut Value, flagged: bool, fp: Option<&Fingerprinter>) -> ScrubCount {
    let mut n = ScrubCount::default();
    scrub_inner(value, flagged, fp, &mut n, 0);
    n
}

const MAX_DEPTH: usize = 64;

fn scrub_inner(
    value: &mut Value,
    flagged: bool,
    fp: Option<&Fingerprinter>,
    n: &mut ScrubCount,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        // Too deep to look into: nothing readable is kept.
        *value = Value::String(PRESENCE_TOKEN.into());
        n.by_name += 1;
        return;
    }
    match value {
        Value::Null | Value::Bool(_) => {}
        Value::Number(num) if flagged => {
            let t = token(fp, &num.to_string());
            *value = Value::String(t);
            n.by_name += 1;
        }
        Value::Number(_) => {}
        Value::String(s) => {
            if flagged {
                // CloudFormation's NoEcho marker already says "hidden, present".
                // An ARN is a reference (`encryption_key = arn:aws:kms:…`), never the secret.
                if s.is_empty()
                    || s.starts_with(TOKEN_OPEN)
                    || s == "(NoEcho)"
                    || s.starts_with("arn:")
                {
                    return;
                }
                // A fingerprint made by a collector becomes the token of that fingerprint.
                let t = match s.strip_prefix("hmac-sha256:") {
                    Some(_) => format!("<secret:{s}>"),
                    None => token(fp, s),
                };
                *s = t;
                n.by_name += 1;
                return;
            }
            if let Some(inner) = json_inside(s) {
                let mut inner = inner;
                let before = *n;
                scrub_inner(&mut inner, false, fp, n, depth + 1);
                if *n != before {
                    *s = serde_json::to_string(&inner).unwrap_or_else(|_| PRESENCE_TOKEN.into());
                }
                return;
            }
            if let Some((masked, count)) = mask_counted(s, fp) {
                n.by_value += count;
                *s = masked;
            }
        }
        Value::Array(items) => {
            for item in items {
                scrub_inner(item, flagged, fp, n, depth + 1);
            }
        }
        Value::Object(map) => {
            // `{name: "DB_PASSWORD", value: "…"}` and `{Key: "ApiKey", Value: "…"}` pairs.
            let pair_name = ["name", "Name", "key", "Key"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str))
                .map(is_secret_name)
                .unwrap_or(false);
            for (k, v) in map.iter_mut() {
                let is_value_field = matches!(k.as_str(), "value" | "Value");
                let f = flagged || is_secret_name(k) || (pair_name && is_value_field);
                scrub_inner(v, f, fp, n, depth + 1);
            }
        }
    }
}

/// A JSON object or array written inside a string (container definitions, policies).
fn json_inside(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) || s.len() < 2 {
        return None;
    }
    match serde_json::from_str::<Value>(s) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => Some(v),
        _ => None,
    }
}

/// Whether a resource's own name makes its `value` secret: an SSM parameter named
/// `/prod/app/dbPassword` (or kept under a `secrets` path) is one value.
fn name_flags_value(r: &Resource) -> bool {
    let name = match &r.identity {
        crate::model::Identity::Path { path } => path.as_str(),
        _ => r.native_id.as_str(),
    };
    r.kind == "ssm.parameter" && is_secret_name(name)
}

/// Applies the detector to every attribute and tag of a resource.
pub fn scrub_resource(r: &mut Resource, fp: Option<&Fingerprinter>) -> ScrubCount {
    let mut n = ScrubCount::default();
    let value_flagged = name_flags_value(r);
    for (name, value) in r.attributes.iter_mut() {
        let last = name.rsplit('.').next().unwrap_or(name);
        let flagged = is_secret_name(last) || (value_flagged && name == "value");
        scrub_inner(value, flagged, fp, &mut n, 0);
    }
    for (key, value) in r.tags.iter_mut() {
        let mut v = Value::String(std::mem::take(value));
        scrub_inner(&mut v, is_secret_name(key), fp, &mut n, 0);
        *value = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
    }
    n
}

/// Applies the detector to every resource of a snapshot.
pub fn scrub_snapshot(s: &mut Snapshot, fp: Option<&Fingerprinter>) -> ScrubCount {
    let mut total = ScrubCount::default();
    for r in &mut s.resources {
        let n = scrub_resource(r, fp);
        total.by_name += n.by_name;
        total.by_value += n.by_value;
    }
    total
}

#[cfg(test)]
mod tests;

//! The baseline (docs/CONTRACTS.md "Baseline"): today's unexplained differences written to a
//! reviewable text file, so that `check` can fail only on differences that are new or changed.
//! One entry per failing pair of a row, identified by resource, attribute and the pair's column
//! labels, with a fingerprint of the pair's two normalised values.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::document::DiffDocument;
use crate::elements::{element_text, is_set_valued, pair_elements};
use crate::matrix::Matrix;
use crate::status::Status;
use crate::CoreError;

/// The format line every baseline file carries.
pub const FORMAT_LINE: &str = "envparity-baseline 1";

/// One known unexplained difference: a row's failing pair and its values' fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BaselineEntry {
    /// The status when written (informational: matching ignores it), or `shared` for a secret
    /// two environments share.
    pub status: String,
    pub resource: String,
    pub attribute: String,
    pub a: String,
    pub b: String,
    pub fingerprint: String,
}

impl BaselineEntry {
    fn place(&self) -> (&str, &str, &str, &str) {
        (&self.resource, &self.attribute, &self.a, &self.b)
    }
}

/// A parsed (or computed) baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub entries: Vec<BaselineEntry>,
}

/// `sha256:` and 16 hex digits of SHA-256 over the JSON of `[a, b]`.
pub fn fingerprint(a: &Value, b: &Value) -> String {
    let text = serde_json::to_string(&Value::Array(vec![a.clone(), b.clone()]))
        .unwrap_or_else(|_| String::new());
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// How a comparison stands against a baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BaselineMatch {
    /// Failing pairs `(row, a, b)` (column indices) that an entry matches.
    pub pairs: HashSet<(usize, usize, usize)>,
    /// Failing pairs whose entry exists with another fingerprint (values changed since).
    pub changed: HashSet<(usize, usize, usize)>,
    /// Indices into `Matrix::shared_secrets` of unaccepted shared secrets an entry matches.
    pub shared: HashSet<usize>,
    /// Per row: it has a failing pair and every failing pair is baselined.
    pub rows: Vec<bool>,
    /// Entries that match no failing pair any more (the file can shrink).
    pub gone: Vec<BaselineEntry>,
}

impl BaselineMatch {
    pub fn row_baselined(&self, row: usize) -> bool {
        self.rows.get(row).copied().unwrap_or(false)
    }

    /// Baselined rows.
    pub fn baselined_rows(&self) -> usize {
        self.rows.iter().filter(|b| **b).count()
    }
}

impl Baseline {
    /// Every failing pair of every row of `matrix`, in row then pair order, then every shared
    /// secret no exception accepts.
    pub fn from_matrix(matrix: &Matrix) -> Baseline {
        Baseline {
            entries: failing_items(matrix).into_iter().map(|i| i.entry).collect(),
        }
    }

    /// The file text for `matrix`'s failing pairs: a summary, the format line, one
    /// tab-separated line per entry with a comment line of its values' readable text.
    pub fn write(matrix: &Matrix) -> String {
        let baseline = Baseline::from_matrix(matrix);
        let mut by_status: BTreeMap<(u8, String), usize> = BTreeMap::new();
        let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for item in failing_items(matrix) {
            let rank = item
                .entry
                .status
                .parse::<Status>()
                .map_or(u8::MAX, |s| 10 - s.severity()); // worst first, `shared` last
            *by_status.entry((rank, item.entry.status)).or_default() += 1;
            *by_kind.entry(&matrix.rows[item.row].kind).or_default() += 1;
        }
        let mut out = String::new();
        out.push_str(
            "# EnvParity baseline (docs/CONTRACTS.md \"Baseline\"): the unexplained differences\n",
        );
        out.push_str(
            "# accepted for now. `envparity check --baseline FILE` fails only on differences not\n",
        );
        out.push_str("# listed here or whose values changed; fix them, then `envparity baseline write FILE`.\n#\n");
        out.push_str(&format!(
            "# {} entries across {}\n",
            baseline.entries.len(),
            matrix.labels.join(", ")
        ));
        if !by_status.is_empty() {
            let list = |m: Vec<(String, usize)>| {
                m.into_iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push_str(&format!(
                "#   by status: {}\n",
                list(
                    by_status
                        .iter()
                        .map(|((_, s), n)| (s.clone(), *n))
                        .collect()
                )
            ));
            out.push_str(&format!(
                "#   by kind: {}\n",
                list(by_kind.iter().map(|(k, n)| (k.to_string(), *n)).collect())
            ));
        }
        out.push_str(FORMAT_LINE);
        out.push('\n');
        out.push_str("# status\tresource\tattribute\ta\tb\tfingerprint\n");
        for item in failing_items(matrix) {
            let e = &item.entry;
            let row = &matrix.rows[item.row];
            let set_valued = is_set_valued(&row.kind, &row.attribute, row.values());
            let p = (item.a, item.b);
            {
                let fields = [
                    e.status.as_str(),
                    &e.resource,
                    &e.attribute,
                    &e.a,
                    &e.b,
                    &e.fingerprint,
                ];
                let line: Vec<String> = fields.iter().map(|f| escape(f)).collect();
                out.push_str(&line.join("\t"));
                out.push('\n');
                let (va, vb) = (row.value(p.0), row.value(p.1));
                let note = if item.shared {
                    format!("the same secret in {} and {}", e.a, e.b)
                } else if set_valued {
                    let extra = pair_elements(va, vb);
                    let mut parts: Vec<String> = extra
                        .only_a
                        .iter()
                        .map(|v| format!("{} has {}", e.a, element_text(v)))
                        .collect();
                    parts.extend(
                        extra
                            .only_b
                            .iter()
                            .map(|v| format!("{} has {}", e.b, element_text(v))),
                    );
                    parts.join("; ")
                } else {
                    format!(
                        "{}: {}; {}: {}",
                        e.a,
                        element_text(va),
                        e.b,
                        element_text(vb)
                    )
                };
                out.push_str("#   ");
                out.push_str(&one_line(&note, 300));
                out.push('\n');
            }
        }
        out
    }

    /// Parses a baseline file; `name` names it in errors (with the line number).
    pub fn parse(text: &str, name: &str) -> Result<Baseline, CoreError> {
        let bad = |line: usize, problem: String| {
            CoreError::Invalid(format!("{name}: line {line}: {problem}"))
        };
        let mut seen_format = false;
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if !seen_format {
                if line.trim() != FORMAT_LINE {
                    return Err(bad(
                        n,
                        format!(
                            "not an EnvParity baseline (expected `{FORMAT_LINE}` before the entries; write one with `envparity baseline write FILE`)"
                        ),
                    ));
                }
                seen_format = true;
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != 6 {
                return Err(bad(
                    n,
                    format!(
                        "expected 6 tab-separated fields (status, resource, attribute, a, b, fingerprint), found {}",
                        fields.len()
                    ),
                ));
            }
            let status = fields[0];
            if status != "shared" {
                let parsed: Status = status
                    .parse()
                    .map_err(|_| bad(n, format!("unknown status `{status}`")))?;
                if !parsed.is_failure() {
                    return Err(bad(
                        n,
                        format!("status `{status}` is not a failing status (drift, missing, violated, expired, shared)"),
                    ));
                }
            }
            let fp = fields[5];
            let valid_fp = fp.strip_prefix("sha256:").is_some_and(|h| {
                h.len() == 16
                    && h.bytes()
                        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
            });
            if !valid_fp {
                return Err(bad(
                    n,
                    format!("fingerprint `{fp}` is not `sha256:` and 16 lower-case hex digits"),
                ));
            }
            let field = |i: usize, what: &str| -> Result<String, CoreError> {
                let v = unescape(fields[i]).map_err(|p| bad(n, format!("{what}: {p}")))?;
                if v.is_empty() {
                    return Err(bad(n, format!("{what} is empty")));
                }
                Ok(v)
            };
            entries.push(BaselineEntry {
                status: status.to_string(),
                resource: field(1, "resource")?,
                attribute: field(2, "attribute")?,
                a: field(3, "a")?,
                b: field(4, "b")?,
                fingerprint: fp.to_string(),
            });
        }
        if !seen_format {
            return Err(CoreError::Invalid(format!(
                "{name}: not an EnvParity baseline (no `{FORMAT_LINE}` line; write one with `envparity baseline write FILE`)"
            )));
        }
        Ok(Baseline { entries })
    }

    /// Matches `matrix`'s failing pairs against the entries.
    pub fn apply(&self, matrix: &Matrix) -> BaselineMatch {
        let mut by_place: HashMap<(&str, &str, &str, &str), Vec<&str>> = HashMap::new();
        for e in &self.entries {
            by_place.entry(e.place()).or_default().push(&e.fingerprint);
        }
        let mut out = BaselineMatch {
            rows: vec![false; matrix.rows.len()],
            ..BaselineMatch::default()
        };
        let mut used: HashSet<(&str, &str, &str, &str)> = HashSet::new();
        let mut failing = vec![0usize; matrix.rows.len()];
        let mut matched = vec![0usize; matrix.rows.len()];
        let items = failing_items(matrix);
        for item in &items {
            let e = &item.entry;
            if !item.shared {
                failing[item.row] += 1;
            }
            let place = (
                e.resource.as_str(),
                e.attribute.as_str(),
                e.a.as_str(),
                e.b.as_str(),
            );
            let Some((key, fps)) = by_place.get_key_value(&place) else {
                continue;
            };
            used.insert(*key);
            let hit = fps.contains(&e.fingerprint.as_str());
            match (item.shared, hit) {
                (true, true) => {
                    out.shared.insert(item.shared_index);
                }
                (true, false) => {}
                (false, true) => {
                    matched[item.row] += 1;
                    out.pairs.insert((item.row, item.a, item.b));
                }
                (false, false) => {
                    out.changed.insert((item.row, item.a, item.b));
                }
            }
        }
        for (i, r) in out.rows.iter_mut().enumerate() {
            *r = failing[i] > 0 && matched[i] == failing[i];
        }
        out.gone = self
            .entries
            .iter()
            .filter(|e| !used.contains(&e.place()))
            .cloned()
            .collect();
        out
    }
}

impl DiffDocument {
    /// Marks the rows and pairs `m` (computed on `matrix`, which this document renders) baselines:
    /// `baselined: true` (docs/CONTRACTS.md "Diff JSON").
    pub fn mark_baselined(&mut self, matrix: &Matrix, m: &BaselineMatch) {
        let index: HashMap<(&str, &str), usize> = matrix
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| ((&*r.key, &*r.attribute), i))
            .collect();
        for row in &mut self.rows {
            let Some(&i) = index.get(&(row.key.as_str(), row.attribute.as_str())) else {
                continue;
            };
            row.baselined = m.row_baselined(i);
            for p in &mut row.pairs {
                if let (Some(a), Some(b)) = (matrix.column(&p.a), matrix.column(&p.b)) {
                    p.baselined = m.pairs.contains(&(i, a, b));
                }
            }
        }
    }
}

/// One failing pair (or unaccepted shared secret) and its entry.
struct Item {
    row: usize,
    a: usize,
    b: usize,
    shared: bool,
    shared_index: usize,
    entry: BaselineEntry,
}

fn failing_items(matrix: &Matrix) -> Vec<Item> {
    let mut out = Vec::new();
    for (i, row) in matrix.rows.iter().enumerate() {
        for p in row.pairs.iter().filter(|p| p.status.is_failure()) {
            out.push(Item {
                row: i,
                a: p.a(),
                b: p.b(),
                shared: false,
                shared_index: 0,
                entry: BaselineEntry {
                    status: p.status.as_str().to_string(),
                    resource: row.key.to_string(),
                    attribute: row.attribute.to_string(),
                    a: matrix.labels[p.a()].clone(),
                    b: matrix.labels[p.b()].clone(),
                    fingerprint: fingerprint(row.value(p.a()), row.value(p.b())),
                },
            });
        }
    }
    for (k, s) in matrix.shared_secrets.iter().enumerate() {
        if s.accepted_by.is_some() {
            continue;
        }
        let row = &matrix.rows[s.row];
        // the tokens themselves (keyed fingerprints): a rotated secret changes them
        out.push(Item {
            row: s.row,
            a: s.a,
            b: s.b,
            shared: true,
            shared_index: k,
            entry: BaselineEntry {
                status: "shared".to_string(),
                resource: row.key.to_string(),
                attribute: row.attribute.to_string(),
                a: matrix.labels[s.a].clone(),
                b: matrix.labels[s.b].clone(),
                fingerprint: fingerprint(&row.raw[s.a], &row.raw[s.b]),
            },
        });
    }
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            other => {
                return Err(format!(
                    "unknown escape `\\{}` (only \\\\, \\t, \\n, \\r)",
                    other.map(String::from).unwrap_or_default()
                ))
            }
        }
    }
    Ok(out)
}

/// Text on one comment line: control characters as spaces, at most `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fingerprints_depend_on_both_values_and_their_order() {
        let f = fingerprint(&json!("t3.micro"), &json!("t3.large"));
        assert!(f.starts_with("sha256:") && f.len() == 23, "{f}");
        assert_eq!(f, fingerprint(&json!("t3.micro"), &json!("t3.large")));
        assert_ne!(f, fingerprint(&json!("t3.large"), &json!("t3.micro")));
        assert_ne!(f, fingerprint(&json!("t3.micro"), &json!("t3.xlarge")));
        assert_ne!(
            fingerprint(&json!("1"), &json!(2)),
            fingerprint(&json!(1), &json!(2))
        );
    }

    #[test]
    fn parse_round_trips_escapes_and_refuses_bad_lines() {
        let text = format!(
            "# summary\n{FORMAT_LINE}\n# header\ndrift\tec2.instance/a\\tb\ttags.K\\\\ey\tdev\tprod\tsha256:0123456789abcdef\n#   note\n"
        );
        let b = Baseline::parse(&text, "b.txt").unwrap();
        assert_eq!(b.entries.len(), 1);
        assert_eq!(b.entries[0].resource, "ec2.instance/a\tb");
        assert_eq!(b.entries[0].attribute, "tags.K\\ey");
        assert_eq!(escape(&b.entries[0].resource), "ec2.instance/a\\tb");

        let err = |t: &str| Baseline::parse(t, "b.txt").unwrap_err().to_string();
        assert!(err("").contains("b.txt: not an EnvParity baseline"));
        assert!(err("drift\ta\tb\tc\td\tsha256:0123456789abcdef\n").contains("line 1"));
        let e = err(&format!("{FORMAT_LINE}\ndrift\tx\ty\n"));
        assert!(
            e.contains("b.txt: line 2") && e.contains("6 tab-separated"),
            "{e}"
        );
        let e = err(&format!(
            "{FORMAT_LINE}\nsame\tx\ty\tdev\tprod\tsha256:0123456789abcdef\n"
        ));
        assert!(e.contains("not a failing status"), "{e}");
        let e = err(&format!(
            "{FORMAT_LINE}\nbogus\tx\ty\tdev\tprod\tsha256:0123456789abcdef\n"
        ));
        assert!(e.contains("unknown status `bogus`"), "{e}");
        let e = err(&format!("{FORMAT_LINE}\ndrift\tx\ty\tdev\tprod\tmd5:00\n"));
        assert!(e.contains("fingerprint `md5:00`"), "{e}");
        let e = err(&format!(
            "{FORMAT_LINE}\ndrift\tx\\q\ty\tdev\tprod\tsha256:0123456789abcdef\n"
        ));
        assert!(e.contains("unknown escape"), "{e}");
    }
}

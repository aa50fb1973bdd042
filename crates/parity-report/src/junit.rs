//! JUnit XML, so CI systems show drift as failed tests: one `<testsuite>` per pair of columns,
//! one `<testcase>` per resource (logical key) compared for that pair, failed (`<failure>`) when
//! any of its rows is drift, missing, violated or expired for the pair (docs/CONTRACTS.md
//! "Statuses"), skipped when its only non-parity rows are unknown (not collected).
//!
//! Written by a small writer that escapes every attribute and text node and drops characters
//! XML 1.0 cannot carry, so cloud-sourced values cannot break the document.

use std::fmt::Write;

use parity_core::{DocRow, Status};

use crate::display_value;
use crate::input::ReportInput;

/// Escapes text for an XML attribute value or text node; characters XML 1.0 forbids (most C0
/// controls, lone surrogates cannot occur in `str`, U+FFFE/U+FFFF) become U+FFFD. Whitespace
/// controls in attributes are written as character references so they survive normalisation.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn attr(text: &str) -> String {
    escape(text, true)
}

fn text(text: &str) -> String {
    escape(text, false)
}

struct Case<'a> {
    key: &'a str,
    kind: &'a str,
    failures: Vec<(&'a DocRow, Status)>,
    unknown: Vec<&'a DocRow>,
}

/// Whether pair (a, b) compares resource `rows` (all rows of one key): both columns cover the
/// kind and at least one of them has the resource.
fn compared(rows: &[&DocRow], a: &str, b: &str) -> bool {
    let covered = rows
        .iter()
        .any(|r| r.cells.contains_key(a) && r.cells.contains_key(b));
    if !covered {
        return false;
    }
    match rows.iter().find(|r| r.attribute == "exists") {
        Some(exists) => {
            let present = |e: &str| exists.raw.get(e).is_none_or(|v| v.as_bool() != Some(false));
            present(a) || present(b)
        }
        None => true,
    }
}

/// Renders the report as JUnit XML.
pub fn junit(input: &ReportInput) -> String {
    let doc = &input.diff;
    // rows grouped by key, in document order
    let mut resources: Vec<(&str, &str, Vec<&DocRow>)> = Vec::new();
    for r in &doc.rows {
        match resources.iter_mut().find(|(k, _, _)| *k == r.key) {
            Some((_, _, rows)) => rows.push(r),
            None => resources.push((&r.key, &r.kind, vec![r])),
        }
    }
    let mut suites = String::new();
    let (mut all_tests, mut all_failures, mut all_skipped) = (0, 0, 0);
    for p in &doc.summary.pairs {
        let (a, b) = (p.a.as_str(), p.b.as_str());
        let cases: Vec<Case<'_>> = resources
            .iter()
            .filter(|(_, _, rows)| compared(rows, a, b))
            .map(|(key, kind, rows)| {
                let status_of = |r: &DocRow| {
                    r.pairs
                        .iter()
                        .find(|q| q.a == a && q.b == b)
                        .map(|q| q.status)
                };
                Case {
                    key,
                    kind,
                    failures: rows
                        .iter()
                        .filter_map(|r| status_of(r).filter(|s| s.is_failure()).map(|s| (*r, s)))
                        .collect(),
                    unknown: rows
                        .iter()
                        .filter(|r| status_of(r) == Some(Status::Unknown))
                        .copied()
                        .collect(),
                }
            })
            .collect();
        let failures = cases.iter().filter(|c| !c.failures.is_empty()).count();
        let skipped = cases
            .iter()
            .filter(|c| c.failures.is_empty() && !c.unknown.is_empty())
            .count();
        all_tests += cases.len();
        all_failures += failures;
        all_skipped += skipped;
        let suite = format!("{a} vs {b}");
        let class_prefix = format!("{a}-vs-{b}");
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\" timestamp=\"{}\">",
            attr(&suite),
            cases.len(),
            attr(&doc.generated_at),
        );
        let _ = writeln!(suites, "    <properties>");
        for (name, value) in [
            ("workspace".to_string(), input.workspace.clone()),
            ("parity_score".to_string(), format!("{}", p.score)),
            ("rows_compared".to_string(), p.compared.to_string()),
            (
                format!("snapshot.{a}"),
                doc.snapshots
                    .get(a)
                    .map(|s| s.taken_at.clone())
                    .unwrap_or_default(),
            ),
            (
                format!("snapshot.{b}"),
                doc.snapshots
                    .get(b)
                    .map(|s| s.taken_at.clone())
                    .unwrap_or_default(),
            ),
        ] {
            let _ = writeln!(
                suites,
                "      <property name=\"{}\" value=\"{}\"/>",
                attr(&name),
                attr(&value)
            );
        }
        let _ = writeln!(suites, "    </properties>");
        for c in &cases {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
                attr(c.key),
                attr(&format!("{class_prefix}.{}", c.kind))
            );
            if !c.failures.is_empty() {
                let worst = c
                    .failures
                    .iter()
                    .map(|(_, s)| *s)
                    .fold(Status::Same, Status::worst);
                let summary: Vec<String> = c
                    .failures
                    .iter()
                    .map(|(r, s)| format!("{} ({s})", r.attribute))
                    .collect();
                let message = format!("{} of {a} and {b} differ: {}", c.key, summary.join(", "));
                let mut body = String::new();
                for (r, s) in &c.failures {
                    let value = |e: &str| {
                        r.raw
                            .get(e)
                            .map(display_value)
                            .unwrap_or_else(|| "—".into())
                    };
                    let _ = writeln!(
                        body,
                        "{} [{}] {s}: {a} = {} | {b} = {}",
                        r.attribute,
                        r.category,
                        value(a),
                        value(b)
                    );
                    for id in &r.exceptions {
                        if let Some(e) = input.exception(id) {
                            let _ = writeln!(
                                body,
                                "  exception {} ({}, owner {}, expires {}): {}",
                                e.id,
                                e.standing.as_str(),
                                e.owner,
                                e.expires
                                    .map(|d| d.to_string())
                                    .unwrap_or_else(|| "never".into()),
                                e.justification
                            );
                        }
                    }
                }
                let _ = writeln!(suites, "{open}>");
                let _ = writeln!(
                    suites,
                    "      <failure message=\"{}\" type=\"{worst}\">{}</failure>",
                    attr(&message),
                    text(&body)
                );
                let _ = writeln!(suites, "    </testcase>");
            } else if !c.unknown.is_empty() {
                let attrs: Vec<&str> = c.unknown.iter().map(|r| r.attribute.as_str()).collect();
                let _ = writeln!(suites, "{open}>");
                let _ = writeln!(
                    suites,
                    "      <skipped message=\"{}\"/>",
                    attr(&format!(
                        "not collected in a partial snapshot: {}",
                        attrs.join(", ")
                    ))
                );
                let _ = writeln!(suites, "    </testcase>");
            } else {
                let _ = writeln!(suites, "{open}/>");
            }
        }
        let _ = writeln!(suites, "  </testsuite>");
    }
    // The same secret in two environments: a suite of its own, a failed test per finding no
    // exception accepts (docs/CONTRACTS.md "Secrets").
    if !doc.shared_secrets.is_empty() {
        let failures = doc
            .shared_secrets
            .iter()
            .filter(|s| s.accepted_by.is_none())
            .count();
        all_tests += doc.shared_secrets.len();
        all_failures += failures;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"shared secrets\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\" timestamp=\"{}\">",
            doc.shared_secrets.len(),
            attr(&doc.generated_at)
        );
        for s in &doc.shared_secrets {
            let envs = s.environments.join(" and ");
            let open = format!(
                "    <testcase name=\"{}\" classname=\"shared-secret.{}\" time=\"0\"",
                attr(&format!("{} {} ({envs})", s.key, s.attribute)),
                attr(&s.key)
            );
            match &s.accepted_by {
                Some(_) => {
                    let _ = writeln!(suites, "{open}/>");
                }
                None => {
                    let _ = writeln!(suites, "{open}>");
                    let _ = writeln!(
                        suites,
                        "      <failure message=\"{}\" type=\"shared_secret\"/>",
                        attr(&format!("the same secret is used in {envs}"))
                    );
                    let _ = writeln!(suites, "    </testcase>");
                }
            }
        }
        let _ = writeln!(suites, "  </testsuite>");
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"0\" skipped=\"{all_skipped}\" time=\"0\">",
        attr(&format!("envparity {}", input.workspace))
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        assert_eq!(attr("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(attr("x\ny"), "x&#10;y");
        assert_eq!(text("x\ny\u{1}"), "x\ny\u{FFFD}");
        assert_eq!(text("]]>"), "]]&gt;");
    }
}

//! Markdown that fits a GitHub PR comment: a summary table and the unexplained drift, capped with
//! an "N more" line. Cell text is escaped so values cannot break the table or inject markup.

use std::fmt::Write;

use parity_core::{DiffDocument, Status};

use crate::display_value;
use crate::input::{ReportException, ReportInput};

#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    /// At most this many drift rows are listed.
    pub max_rows: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions { max_rows: 50 }
    }
}

/// `**Rows:** N (a drift, b missing, …)`, worst status first.
fn rows_line(doc: &DiffDocument) -> String {
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| doc.summary.by_status.get(s).map(|n| format!("{n} {s}")))
        .collect();
    format!("**Rows:** {} ({})", doc.summary.rows, counts.join(", "))
}

/// Escapes text for a GFM table cell.
pub(crate) fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' | '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Renders the document as Markdown.
pub fn markdown(doc: &DiffDocument, options: MarkdownOptions) -> String {
    let mut out = String::new();
    let envs = &doc.environments;
    let _ = writeln!(
        out,
        "## EnvParity: {}",
        envs.iter().map(|e| cell(e)).collect::<Vec<_>>().join(" · ")
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "Generated {}.", doc.generated_at);
    let _ = writeln!(out);
    let _ = writeln!(out, "| Environment | Snapshot | Source | Status |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (label, s) in &doc.snapshots {
        let status = if s.missing.is_empty() {
            "complete".to_string()
        } else {
            format!(
                "partial: {}",
                s.missing
                    .iter()
                    .map(|m| format!("{} ({})", m.kind, m.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let id = s.id.map(|i| format!("#{i} ")).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {id}{} | {} | {} |",
            cell(label),
            s.taken_at,
            s.source.as_str(),
            cell(&status)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| Pair | Parity | Rows compared |");
    let _ = writeln!(out, "|---|---:|---:|");
    for p in &doc.summary.pairs {
        let _ = writeln!(
            out,
            "| {} ↔ {} | {:.1} % | {} |",
            cell(&p.a),
            cell(&p.b),
            p.score * 100.0,
            p.compared
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", rows_line(doc));
    let _ = writeln!(out);

    shared_secrets(&mut out, doc);
    let mut failing: Vec<_> = doc.rows.iter().filter(|r| r.status.is_failure()).collect();
    failing.sort_by_key(|a| a.status);
    if failing.is_empty() {
        let _ = writeln!(out, "No unexplained drift.");
        return out;
    }
    let _ = writeln!(out, "### Unexplained drift ({})", failing.len());
    let _ = writeln!(out);
    let mut header = String::from("| Status | Resource | Attribute |");
    let mut rule = String::from("|---|---|---|");
    for e in envs {
        let _ = write!(header, " {} |", cell(e));
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{header} To converge |");
    let _ = writeln!(out, "{rule}---|");
    for r in failing.iter().take(options.max_rows) {
        let _ = writeln!(out, "{}", converge_line(r, envs));
    }
    if failing.len() > options.max_rows {
        let _ = writeln!(out);
        let _ = writeln!(out, "… and {} more.", failing.len() - options.max_rows);
    }
    extras_block(&mut out, failing.iter().take(options.max_rows).copied());
    out
}

/// The extra elements of the set-valued rows listed (docs/CONTRACTS.md "Element differences"),
/// as a list under the table: `resource` · `attribute` · `a → b`: `+ …`, `- …`.
fn extras_block<'a>(out: &mut String, rows: impl Iterator<Item = &'a parity_core::DocRow>) {
    let mut first = true;
    for r in rows {
        for extra in crate::pair_extras(r) {
            if first {
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "Extra elements (`+` only in the second environment of the pair, `-` only in the first):"
                );
                let _ = writeln!(out);
                first = false;
            }
            let lines: Vec<String> = extra
                .lines
                .iter()
                .map(|l| format!("`{}`", code(l)))
                .collect();
            let _ = writeln!(
                out,
                "- {} · {} · {}: {}",
                cell(&r.key),
                cell(&r.attribute),
                cell(&extra.pair),
                lines.join(", ")
            );
        }
    }
}

/// Text inside a code span: backticks and newlines cannot end or break it.
fn code(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '`' => '\'',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}

/// The secrets two environments share (docs/CONTRACTS.md "Secrets"), when there are any.
fn shared_secrets(out: &mut String, doc: &DiffDocument) {
    if doc.shared_secrets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Secrets shared between environments ({})",
        doc.shared_secrets.len()
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "| Resource | Attribute | Environments | Accepted by |");
    let _ = writeln!(out, "|---|---|---|---|");
    for s in &doc.shared_secrets {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&s.key),
            cell(&s.attribute),
            cell(&s.environments.join(" and ")),
            s.accepted_by
                .as_deref()
                .map(cell)
                .unwrap_or_else(|| "**fails the gate**".to_string())
        );
    }
    let _ = writeln!(out);
}

/// Renders a full report as Markdown for a PR comment: workspace, snapshots with the policy,
/// pair scores, the unexplained drift (drift and missing, capped with an "N more" line), the
/// violated and expired exceptions and the intentional differences with their justifications.
pub fn report_markdown(input: &ReportInput, options: MarkdownOptions) -> String {
    let doc = &input.diff;
    let envs = &doc.environments;
    let mut out = String::new();
    let _ = writeln!(out, "## EnvParity report: {}", cell(&input.workspace));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Generated {} · {}",
        doc.generated_at,
        envs.iter().map(|e| cell(e)).collect::<Vec<_>>().join(" · ")
    );
    if input.change_view {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "A change view (snapshots of one environment): policy and exceptions do not apply."
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| Environment | Snapshot | Source | Status | May differ in |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for (label, s) in &doc.snapshots {
        let status = if s.missing.is_empty() {
            "complete".to_string()
        } else {
            format!(
                "**partial**: {}",
                s.missing
                    .iter()
                    .map(|m| format!("{} ({})", cell(&m.kind), cell(&m.reason)))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let id = s.id.map(|i| format!("#{i} ")).unwrap_or_default();
        let env_name = input
            .policy
            .iter()
            .zip(envs)
            .find(|(_, l)| *l == label)
            .map(|(p, _)| p);
        let policy = match env_name {
            _ if input.change_view => "n/a".to_string(),
            Some(p) if !p.may_differ_in.is_empty() => p
                .may_differ_in
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            _ => "nothing".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {id}{} | {} | {status} | {policy} |",
            cell(label),
            s.taken_at,
            s.source.as_str(),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| Pair | Parity | Rows compared | Lowest category |");
    let _ = writeln!(out, "|---|---:|---:|---|");
    for p in &doc.summary.pairs {
        let lowest = input
            .category_scores
            .iter()
            .filter(|c| c.a == p.a && c.b == p.b)
            .min_by(|x, y| x.score.total_cmp(&y.score))
            .map(|c| format!("{} {:.1} %", c.category, c.score * 100.0))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} ↔ {} | {:.1} % | {} | {lowest} |",
            cell(&p.a),
            cell(&p.b),
            p.score * 100.0,
            p.compared
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", rows_line(doc));
    let _ = writeln!(out);

    shared_secrets(&mut out, doc);
    // unexplained drift first
    let drift: Vec<_> = doc
        .rows
        .iter()
        .filter(|r| matches!(r.status, Status::Drift | Status::Missing))
        .collect();
    if drift.is_empty() {
        let _ = writeln!(out, "No unexplained drift.");
        let _ = writeln!(out);
    } else {
        let _ = writeln!(out, "### Unexplained drift ({})", drift.len());
        let _ = writeln!(out);
        let mut header = String::from("| Status | Resource | Attribute |");
        let mut rule = String::from("|---|---|---|");
        for e in envs {
            let _ = write!(header, " {} |", cell(e));
            rule.push_str("---|");
        }
        let _ = writeln!(out, "{header} To converge |");
        let _ = writeln!(out, "{rule}---|");
        for r in drift.iter().take(options.max_rows) {
            let _ = writeln!(out, "{}", converge_line(r, envs));
        }
        if drift.len() > options.max_rows {
            let _ = writeln!(out);
            let _ = writeln!(out, "… and {} more.", drift.len() - options.max_rows);
        }
        extras_block(&mut out, drift.iter().take(options.max_rows).copied());
        let _ = writeln!(out);
    }
    if input.change_view {
        return out;
    }

    // then violated and expired exceptions, with the rows they no longer explain
    let problems: Vec<_> = doc
        .rows
        .iter()
        .filter(|r| matches!(r.status, Status::Violated | Status::Expired))
        .collect();
    let problem_exceptions: Vec<_> = input
        .exceptions
        .iter()
        .filter(|e| {
            e.standing.is_problem() || problems.iter().any(|r| r.exceptions.contains(&e.id))
        })
        .collect();
    if !problems.is_empty() || !problem_exceptions.is_empty() {
        let _ = writeln!(
            out,
            "### Violated and expired exceptions ({} rows)",
            problems.len()
        );
        let _ = writeln!(out);
        let mut header = String::from("| Status | Resource | Attribute |");
        let mut rule = String::from("|---|---|---|");
        for e in envs {
            let _ = write!(header, " {} |", cell(e));
            rule.push_str("---|");
        }
        if !problems.is_empty() {
            let _ = writeln!(out, "{header} Exceptions |");
            let _ = writeln!(out, "{rule}---|");
            for r in problems.iter().take(options.max_rows) {
                let _ = writeln!(
                    out,
                    "{} {} |",
                    value_line(r, envs),
                    cell(&r.exceptions.join(", "))
                );
            }
            if problems.len() > options.max_rows {
                let _ = writeln!(out);
                let _ = writeln!(out, "… and {} more.", problems.len() - options.max_rows);
            }
            extras_block(&mut out, problems.iter().take(options.max_rows).copied());
            let _ = writeln!(out);
        }
        exception_table(&mut out, &problem_exceptions, true);
    }

    // then the intentional differences with their justification, owner and expiry
    let intentional: Vec<_> = input
        .exceptions
        .iter()
        .filter(|e| {
            doc.rows
                .iter()
                .any(|r| r.status == Status::Intentional && r.exceptions.contains(&e.id))
        })
        .collect();
    let intentional_rows = doc
        .rows
        .iter()
        .filter(|r| r.status == Status::Intentional)
        .count();
    if !intentional.is_empty() {
        let _ = writeln!(out, "### Intentional differences ({intentional_rows} rows)");
        let _ = writeln!(out);
        exception_table(&mut out, &intentional, false);
    }
    out
}

/// [`value_line`] with the row's fix hints in a last "To converge" cell (docs/CONTRACTS.md "Fix
/// hints and the incident view").
fn converge_line(r: &parity_core::DocRow, envs: &[String]) -> String {
    let hints: Vec<String> = r.hint.iter().map(|h| cell(&h.text)).collect();
    let text = if hints.is_empty() {
        "—".to_string()
    } else {
        hints.join(" · ")
    };
    format!("{} {text} |", value_line(r, envs))
}

fn value_line(r: &parity_core::DocRow, envs: &[String]) -> String {
    let status = if r.baselined {
        format!("{} (baselined)", r.status)
    } else {
        r.status.to_string()
    };
    let mut line = format!("| {status} | {} | {} |", cell(&r.key), cell(&r.attribute));
    for e in envs {
        let v = r
            .values
            .get(e)
            .map(display_value)
            .unwrap_or_else(|| "—".into());
        let _ = write!(line, " {} |", cell(&v));
    }
    line
}

fn exception_table(out: &mut String, exceptions: &[&ReportException], with_standing: bool) {
    if exceptions.is_empty() {
        return;
    }
    if with_standing {
        let _ = writeln!(
            out,
            "| Exception | Standing | Justification | Owner | Expires | Expects |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            out,
            "| Exception | Rows | Justification | Owner | Expires |"
        );
        let _ = writeln!(out, "|---|---:|---|---|---|");
    }
    for e in exceptions {
        let expires = e
            .expires
            .map(|d| d.to_string())
            .unwrap_or_else(|| "never".into());
        let id = match &e.ticket {
            Some(t) => format!("{} ({})", cell(&e.id), cell(t)),
            None => cell(&e.id),
        };
        if with_standing {
            let expects: Vec<String> = e
                .expected
                .iter()
                .map(|(env, v)| format!("{env} = {}", display_value(v)))
                .collect();
            let _ = writeln!(
                out,
                "| {id} | {} | {} | {} | {expires} | {} |",
                e.standing.as_str(),
                cell(&e.justification),
                cell(&e.owner),
                cell(&expects.join("; "))
            );
        } else {
            let _ = writeln!(
                out,
                "| {id} | {} | {} | {} | {expires}{} |",
                e.rows_covered,
                cell(&e.justification),
                cell(&e.owner),
                if e.standing == crate::input::Standing::Expiring {
                    " (expiring)"
                } else {
                    ""
                }
            );
        }
    }
    let _ = writeln!(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(
            cell("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(cell("line\nbreak"), "line break");
    }
}

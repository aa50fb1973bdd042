//! Markdown that fits a GitHub PR comment: a summary table and the unexplained drift, capped with
//! an "N more" line. Cell text is escaped so values cannot break the table or inject markup.

use std::fmt::Write;

use parity_core::{DiffDocument, Status};

use crate::value::display_value;

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

/// Escapes text for a GFM table cell.
fn cell(text: &str) -> String {
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
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| doc.summary.by_status.get(s).map(|n| format!("{n} {s}")))
        .collect();
    let _ = writeln!(
        out,
        "**Rows:** {} ({})",
        doc.summary.rows,
        counts.join(", ")
    );
    let _ = writeln!(out);

    let mut failing: Vec<_> = doc.rows.iter().filter(|r| r.status.is_failure()).collect();
    failing.sort_by(|a, b| a.status.cmp(&b.status));
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
    let _ = writeln!(out, "{header}");
    let _ = writeln!(out, "{rule}");
    for r in failing.iter().take(options.max_rows) {
        let mut line = format!(
            "| {} | {} | {} |",
            r.status,
            cell(&r.key),
            cell(&r.attribute)
        );
        for e in envs {
            let v = r
                .values
                .get(e)
                .map(display_value)
                .unwrap_or_else(|| "—".into());
            let _ = write!(line, " {} |", cell(&v));
        }
        let _ = writeln!(out, "{line}");
    }
    if failing.len() > options.max_rows {
        let _ = writeln!(out);
        let _ = writeln!(out, "… and {} more.", failing.len() - options.max_rows);
    }
    out
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

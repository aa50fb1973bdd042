//! The incident view's table and Markdown (docs/CONTRACTS.md "Fix hints and the incident
//! view"): the service's resources and why each is included, then the rows that differ between
//! the two columns, in incident order, each with its fix hints.

use std::fmt::Write;

use parity_core::incident::IncidentResource;
use parity_core::DiffDocument;

use crate::table::{table, TableOptions};

fn why(r: &IncidentResource) -> String {
    match (&*r.why, &r.from) {
        ("reference", Some(from)) => format!("referenced by {from}"),
        ("tag", _) => "service tag".to_string(),
        ("name", _) => "name".to_string(),
        (other, _) => other.to_string(),
    }
}

fn columns(doc: &DiffDocument) -> String {
    doc.environments.join(" ↔ ")
}

/// The terminal form: a resource list, then the rows with their hints under them.
pub fn incident_table(
    service: &str,
    resources: &[IncidentResource],
    doc: &DiffDocument,
    options: TableOptions,
) -> String {
    let mut out = format!("Service `{service}`, {}:\n", columns(doc));
    if resources.is_empty() {
        out.push_str("No resource carries that service tag or name.\n");
        return out;
    }
    for r in resources {
        let _ = writeln!(out, "  {} ({})", r.key, why(r));
    }
    out.push('\n');
    if doc.rows.is_empty() {
        out.push_str("Nothing differs for this service.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{} rows differ (security, network, version, resilience, config, then size):",
        doc.rows.len()
    );
    out.push_str(&table(
        doc,
        TableOptions {
            hints: true,
            ..options
        },
    ));
    out
}

/// Escapes text for a GFM table cell (as the diff Markdown does).
fn cell(text: &str) -> String {
    crate::markdown::cell(text)
}

/// The Markdown form (fits a PR or incident-channel message).
pub fn incident_markdown(
    service: &str,
    resources: &[IncidentResource],
    doc: &DiffDocument,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## EnvParity incident view: {} · {}",
        cell(service),
        cell(&columns(doc))
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "Generated {}.", doc.generated_at);
    let _ = writeln!(out);
    if resources.is_empty() {
        let _ = writeln!(out, "No resource carries that service tag or name.");
        return out;
    }
    let _ = writeln!(out, "| Resource | Included because |");
    let _ = writeln!(out, "|---|---|");
    for r in resources {
        let _ = writeln!(out, "| {} | {} |", cell(&r.key), cell(&why(r)));
    }
    let _ = writeln!(out);
    if doc.rows.is_empty() {
        let _ = writeln!(out, "Nothing differs for this service.");
        return out;
    }
    let envs = &doc.environments;
    let mut header = String::from("| Category | Status | Resource | Attribute |");
    let mut rule = String::from("|---|---|---|---|");
    for e in envs {
        let _ = write!(header, " {} |", cell(e));
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{header} To converge |");
    let _ = writeln!(out, "{rule}---|");
    for r in &doc.rows {
        let mut line = format!(
            "| {} | {} | {} | {} |",
            r.category,
            r.status,
            cell(&r.key),
            cell(&r.attribute)
        );
        for e in envs {
            let v = r
                .values
                .get(e)
                .map(crate::display_value)
                .unwrap_or_else(|| "—".into());
            let _ = write!(line, " {} |", cell(&v));
        }
        let hints: Vec<String> = r.hint.iter().map(|h| cell(&h.text)).collect();
        let _ = writeln!(
            out,
            "{line} {} |",
            if hints.is_empty() {
                "—".to_string()
            } else {
                hints.join(" · ")
            }
        );
    }
    out
}

//! The terminal table of `envparity diff`: one line per row, a column per environment showing the
//! value and, where it is not `same`, the cell's status. Colour only when asked (on a TTY).

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use parity_core::{DiffDocument, Status};

use crate::display_value;

#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    pub color: bool,
    /// Terminal width, if known.
    pub width: Option<u16>,
    /// List each row's fix hints under it (`→ staging: …`; the incident view).
    pub hints: bool,
}

fn colour(status: Status) -> Color {
    match status {
        Status::Drift | Status::Missing => Color::Red,
        Status::Violated | Status::Expired => Color::Magenta,
        Status::Unknown => Color::Yellow,
        Status::Intentional => Color::Cyan,
        Status::Allowed => Color::Blue,
        Status::Same => Color::Green,
    }
}

fn truncate(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        text
    } else {
        let mut t: String = text.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Renders the rows of `doc` as a table, followed by the pair scores.
pub fn table(doc: &DiffDocument, options: TableOptions) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = options.width {
        t.set_width(w);
    }
    if !options.color {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    let mut header = vec![
        Cell::new("status"),
        Cell::new("resource"),
        Cell::new("attribute"),
    ];
    header.extend(doc.environments.iter().map(Cell::new));
    t.set_header(header);
    for r in &doc.rows {
        let label = if r.baselined {
            format!("{} (baselined)", r.status.as_str())
        } else {
            r.status.as_str().to_string()
        };
        let mut status = Cell::new(label);
        if options.color {
            status = status.fg(colour(r.status));
        }
        let mut line = vec![status, Cell::new(&r.key), Cell::new(&r.attribute)];
        for e in &doc.environments {
            let value = truncate(
                r.values
                    .get(e)
                    .map(display_value)
                    .unwrap_or_else(|| "—".into()),
                60,
            );
            let text = match r.cells.get(e) {
                Some(s) if *s != Status::Same => format!("{value} ({s})"),
                Some(_) => value,
                None => "n/a".to_string(),
            };
            let mut c = Cell::new(text);
            if options.color {
                if let Some(s) = r.cells.get(e) {
                    c = c.fg(colour(*s));
                }
            }
            line.push(c);
        }
        t.add_row(line);
        // docs/CONTRACTS.md "Element differences": the extra elements under the row
        for extra in crate::pair_extras(r) {
            let mut sub = vec![
                Cell::new(""),
                Cell::new(extra.lines.join("\n")),
                Cell::new(format!("  {}", extra.pair)),
            ];
            sub.extend(doc.environments.iter().map(|_| Cell::new("")));
            t.add_row(sub);
        }
        if options.hints && !r.hint.is_empty() {
            let lines: Vec<String> = r.hint.iter().map(|h| format!("→ {}", h.text)).collect();
            let mut sub = vec![
                Cell::new(""),
                Cell::new(lines.join("\n")),
                Cell::new("  to converge"),
            ];
            sub.extend(doc.environments.iter().map(|_| Cell::new("")));
            t.add_row(sub);
        }
    }
    let mut out = if doc.rows.is_empty() {
        "No rows match.\n".to_string()
    } else {
        format!("{t}\n")
    };
    for p in &doc.summary.pairs {
        out.push_str(&format!(
            "parity {} ↔ {}: {:.1} % of {} rows\n",
            p.a,
            p.b,
            p.score * 100.0,
            p.compared
        ));
    }
    out
}

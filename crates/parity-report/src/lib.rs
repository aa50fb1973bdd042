//! Renders the diff document (parity-core's `DiffDocument`) for people and machines: JSON (the
//! documented schema), Markdown that fits a PR comment, and a terminal table.

mod markdown;
mod table;
mod value;

use parity_core::DiffDocument;

pub use markdown::{markdown, MarkdownOptions};
pub use table::{table, TableOptions};
pub use value::display_value;

/// The diff document as pretty JSON (CONTRACTS.md "Diff JSON").
pub fn json(doc: &DiffDocument) -> String {
    let mut out =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

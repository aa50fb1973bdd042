//! Renders the diff document (parity-core's `DiffDocument`) and parity reports for people and
//! machines: JSON (the documented schemas), Markdown that fits a PR comment, a terminal table,
//! a self-contained HTML report and JUnit XML. No IO and no clock: callers pass everything in.

mod extra;
mod html;
mod incident;
mod input;
mod junit;
mod markdown;
mod table;

use parity_core::DiffDocument;

pub use extra::{pair_extras, PairExtra};
pub use html::html;
pub use incident::{incident_markdown, incident_table};
pub use input::{
    CategoryScore, EnvPolicy, JsonReport, ReportException, ReportInput, Standing, REPORT_VERSION,
};
pub use junit::junit;
pub use markdown::{markdown, report_markdown, MarkdownOptions};
/// Readable text of a value: the one canonical element text (docs/CONTRACTS.md "Element
/// differences").
pub use parity_core::elements::element_text as display_value;
pub use table::{table, TableOptions};

/// A report could not be rendered (a bug in a template, never bad data).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("report template: {0}")]
    Template(String),
    #[error("report JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes the diff JSON of [`json`] to `out` as it is serialized (the same bytes, without the
/// whole text in memory); `out` should be buffered.
pub fn write_json(doc: &DiffDocument, out: impl std::io::Write) -> std::io::Result<()> {
    write_pretty(doc, out)
}

/// Writes the diff JSON of a [`parity_core::DocumentStream`] to `out`, one row at a time: the
/// same bytes as [`json`] of the document it stands for, with neither the text nor the rows'
/// documents whole in memory; `out` should be buffered.
pub fn write_json_stream(
    doc: &parity_core::DocumentStream<'_>,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    write_pretty(doc, out)
}

fn write_pretty(doc: &impl serde::Serialize, mut out: impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, doc)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The diff document as pretty JSON (docs/CONTRACTS.md "Diff JSON").
pub fn json(doc: &DiffDocument) -> String {
    let mut out =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// The JSON report: `{"report_version": 1, "workspace", "generated_at", "change_view", "policy",
/// "exceptions", "category_scores", "diff"}` (see [`JsonReport`]).
pub fn json_report(input: &ReportInput) -> Result<String, ReportError> {
    let report = JsonReport {
        report_version: REPORT_VERSION,
        report: input.clone(),
    };
    let mut out = serde_json::to_string_pretty(&report)?;
    out.push('\n');
    Ok(out)
}

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Markdown,
    Json,
    Junit,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 4] = [
        ReportFormat::Html,
        ReportFormat::Markdown,
        ReportFormat::Json,
        ReportFormat::Junit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Json => "json",
            ReportFormat::Junit => "junit",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Markdown => "md",
            ReportFormat::Json => "json",
            ReportFormat::Junit => "xml",
        }
    }

    /// The format to write: the one asked for, else the one `file`'s extension suggests, else
    /// HTML.
    pub fn choose(asked: Option<ReportFormat>, file: Option<&str>) -> ReportFormat {
        asked
            .or_else(|| file.and_then(ReportFormat::from_path))
            .unwrap_or(ReportFormat::Html)
    }

    /// The format a file name suggests (`.html`/`.htm`, `.md`, `.json`, `.xml`).
    pub fn from_path(path: &str) -> Option<ReportFormat> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "html" | "htm" => Some(ReportFormat::Html),
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "json" => Some(ReportFormat::Json),
            "xml" => Some(ReportFormat::Junit),
            _ => None,
        }
    }
}

impl std::str::FromStr for ReportFormat {
    type Err = String;
    /// `html`, `markdown` (or `md`), `json`, `junit`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        ReportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s || (s == "md" && *f == ReportFormat::Markdown))
            .ok_or_else(|| format!("unknown report format `{s}` (html, markdown, json, junit)"))
    }
}

impl std::fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Renders `input` in `format`; Markdown uses `markdown` for its caps.
pub fn render(
    input: &ReportInput,
    format: ReportFormat,
    markdown: MarkdownOptions,
) -> Result<String, ReportError> {
    match format {
        ReportFormat::Html => html(input),
        ReportFormat::Markdown => Ok(report_markdown(input, markdown)),
        ReportFormat::Json => json_report(input),
        ReportFormat::Junit => Ok(junit(input)),
    }
}

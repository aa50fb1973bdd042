//! `envparity report` and `check --report`: render a shareable report (HTML, Markdown, JSON,
//! JUnit XML) of a comparison and write it atomically.

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use parity_app::compare::Comparison;
use parity_app::{AppResult, Workspace};
use parity_report::{MarkdownOptions, ReportFormat};

/// A report format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// One self-contained HTML file (no network; prints to PDF).
    Html,
    /// GitHub-flavoured Markdown that fits a PR comment.
    Markdown,
    /// The diff JSON with report metadata (report_version 1).
    Json,
    /// JUnit XML: a suite per environment pair, a test per resource.
    Junit,
}

impl From<ReportFormatArg> for ReportFormat {
    fn from(f: ReportFormatArg) -> Self {
        match f {
            ReportFormatArg::Html => ReportFormat::Html,
            ReportFormatArg::Markdown => ReportFormat::Markdown,
            ReportFormatArg::Json => ReportFormat::Json,
            ReportFormatArg::Junit => ReportFormat::Junit,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Columns: ENV, ENV@SNAPSHOT_ID or ENV@YYYY-MM-DD (default: every environment's newest
    /// snapshot).
    pub columns: Vec<String>,
    /// The format (default: from the output file's extension — .html, .md, .json, .xml — else
    /// html).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormatArg>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// Markdown: list at most this many rows per table, then "… and N more".
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_rows: usize,
}

fn format_for(file: Option<&str>, format: Option<ReportFormatArg>) -> ReportFormat {
    match format {
        Some(f) => f.into(),
        None => file
            .and_then(ReportFormat::from_path)
            .unwrap_or(ReportFormat::Html),
    }
}

fn write(
    ws: &Workspace,
    cmp: &Comparison,
    file: Option<&str>,
    format: ReportFormat,
    markdown: MarkdownOptions,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let text = ws.report(cmp, format, markdown, now)?;
    crate::write_out(file, &text)?;
    if let Some(f) = file.filter(|f| *f != "-") {
        eprintln!(
            "Wrote the {} report {f} ({} rows across {}).",
            format.as_str(),
            cmp.matrix.rows.len(),
            cmp.matrix.labels.join(", ")
        );
    }
    Ok(())
}

/// `envparity report`: exits 0 whatever the report finds.
pub fn run(args: ReportArgs, ws: &Workspace, now: DateTime<Utc>) -> AppResult<u8> {
    let cmp = ws.compare(&args.columns, now.date_naive())?;
    for s in &cmp.skipped {
        eprintln!("note: `{s}` has no snapshot yet and is left out");
    }
    let file = args.output.as_deref();
    write(
        ws,
        &cmp,
        file,
        format_for(file, args.format),
        MarkdownOptions {
            max_rows: args.max_rows,
        },
        now,
    )?;
    Ok(0)
}

/// `check --report FILE`: writes the report of the comparison being gated.
pub fn write_report(
    ws: &Workspace,
    cmp: &Comparison,
    file: &str,
    format: Option<ReportFormatArg>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    write(
        ws,
        cmp,
        Some(file),
        format_for(Some(file), format),
        MarkdownOptions::default(),
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_flag_then_the_extension() {
        assert_eq!(format_for(Some("r.md"), None), ReportFormat::Markdown);
        assert_eq!(format_for(Some("r.XML"), None), ReportFormat::Junit);
        assert_eq!(format_for(Some("r.json"), None), ReportFormat::Json);
        assert_eq!(format_for(Some("report"), None), ReportFormat::Html);
        assert_eq!(format_for(None, None), ReportFormat::Html);
        assert_eq!(
            format_for(Some("r.md"), Some(ReportFormatArg::Json)),
            ReportFormat::Json
        );
    }
}

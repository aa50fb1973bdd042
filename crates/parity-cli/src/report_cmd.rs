//! `envparity report` and `check --report`: render a shareable report (HTML, Markdown, JSON,
//! JUnit XML) of a comparison and write it atomically.

use chrono::{DateTime, Utc};
use clap::Args;
use parity_app::compare::Comparison;
use parity_app::{AppResult, Workspace};
use parity_core::baseline::Baseline;
use parity_report::{MarkdownOptions, ReportFormat};

/// Parses `--format`/`--report-format` with the one report-format type.
pub fn report_format(text: &str) -> Result<ReportFormat, String> {
    text.parse()
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Columns: ENV, ENV@SNAPSHOT_ID or ENV@YYYY-MM-DD (default: every environment's newest
    /// snapshot).
    pub columns: Vec<String>,
    /// The format: html (self-contained, prints to PDF), markdown (fits a PR comment), json
    /// (report_version 1) or junit (a suite per environment pair). Default: from the output
    /// file's extension (.html, .md, .json, .xml), else html.
    #[arg(long, value_parser = report_format, value_name = "FORMAT")]
    pub format: Option<ReportFormat>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// Markdown: list at most this many rows per table, then "… and N more".
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_rows: usize,
    /// Mark the rows this baseline file lists (`envparity baseline write FILE`) as baselined.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<String>,
}

fn write(
    ws: &Workspace,
    cmp: &Comparison,
    file: Option<&str>,
    format: ReportFormat,
    markdown: MarkdownOptions,
    now: DateTime<Utc>,
    baseline: Option<&Baseline>,
) -> AppResult<()> {
    let text = ws.report_against(cmp, format, markdown, now, baseline)?;
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
    let baseline = args
        .baseline
        .as_deref()
        .map(|f| parity_app::check::read_baseline(std::path::Path::new(f)))
        .transpose()?;
    let cmp = ws.compare(&args.columns, now.date_naive())?;
    for s in &cmp.skipped {
        eprintln!("note: `{s}` has no snapshot yet and is left out");
    }
    let file = args.output.as_deref();
    write(
        ws,
        &cmp,
        file,
        ReportFormat::choose(args.format, file),
        MarkdownOptions {
            max_rows: args.max_rows,
        },
        now,
        baseline.as_ref(),
    )?;
    Ok(0)
}

/// `check --report FILE`: writes the report of the comparison being gated.
pub fn write_report(
    ws: &Workspace,
    cmp: &Comparison,
    file: &str,
    format: Option<ReportFormat>,
    now: DateTime<Utc>,
    baseline: Option<&Baseline>,
) -> AppResult<()> {
    write(
        ws,
        cmp,
        Some(file),
        ReportFormat::choose(format, Some(file)),
        MarkdownOptions::default(),
        now,
        baseline,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_flag_then_the_extension() {
        let choose =
            |f: Option<&str>, file| ReportFormat::choose(f.map(|f| f.parse().unwrap()), file);
        assert_eq!(choose(None, Some("r.md")), ReportFormat::Markdown);
        assert_eq!(choose(None, Some("r.XML")), ReportFormat::Junit);
        assert_eq!(choose(None, Some("r.json")), ReportFormat::Json);
        assert_eq!(choose(None, Some("report")), ReportFormat::Html);
        assert_eq!(choose(None, None), ReportFormat::Html);
        assert_eq!(choose(Some("json"), Some("r.md")), ReportFormat::Json);
        assert!(report_format("pdf").unwrap_err().contains("`pdf`"));
    }
}

//! Files the desktop reads or writes come only from its native dialogs. The page asks for a
//! dialog for a purpose (`choose_file`); the backend opens it (through a [`FilePicker`] the shell
//! provides), remembers the path the user chose *for that purpose*, and the command that reads
//! or writes that kind of file accepts only that path, once. The page never names a path of its
//! own: a path it makes up, or one chosen for another purpose, is refused and nothing is read or
//! written. The other way in is the Recent list, which the session keeps itself.
//!
//! Dialogs start in the folder last used for the same purpose (remembered between launches),
//! else in the home folder (GTK's open dialog otherwise starts in "Recent", which hides the
//! user's files).

use std::path::PathBuf;

use parity_app::{AppError, AppResult};
use parity_report::ReportFormat;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a file is chosen for; each has its own dialog, its own remembered folder and its own
/// grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FilePurpose {
    /// An existing workspace database to open.
    OpenWorkspace,
    /// A new workspace database to create.
    NewWorkspace,
    /// The workspace file (TOML) to save.
    WorkspaceFile,
    /// A Terraform state to import.
    Tfstate,
    /// A report to save (the format picks the title and extension).
    Report,
    /// A baseline file (`envparity baseline write`) to mark the matrix's baselined rows.
    Baseline,
}

impl FilePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            FilePurpose::OpenWorkspace => "open-workspace",
            FilePurpose::NewWorkspace => "new-workspace",
            FilePurpose::WorkspaceFile => "workspace-file",
            FilePurpose::Tfstate => "tfstate",
            FilePurpose::Report => "report",
            FilePurpose::Baseline => "baseline",
        }
    }
}

/// Whether the dialog picks an existing file or a file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickMode {
    Open,
    Save,
}

/// One native dialog, as the shell should show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickRequest {
    pub mode: PickMode,
    pub title: String,
    /// The file-type filter: its name and extensions (without the dot); `None`: any file.
    pub filter: Option<(String, Vec<String>)>,
    /// The folder the dialog starts in.
    pub directory: Option<PathBuf>,
    /// The proposed file name (save dialogs).
    pub file_name: Option<String>,
}

/// Shows a native file dialog and returns what the user chose (`None`: cancelled).
pub trait FilePicker {
    fn pick(&self, request: &PickRequest) -> Option<PathBuf>;
}

/// A picker that answers every dialog with one file, or cancels (`None`): for tests and headless
/// drivers of the API. It records the dialogs it was shown.
#[derive(Debug, Default)]
pub struct ScriptedPicker {
    pub answer: Option<PathBuf>,
    pub shown: std::sync::Mutex<Vec<PickRequest>>,
}

impl ScriptedPicker {
    pub fn choosing(file: impl Into<PathBuf>) -> ScriptedPicker {
        ScriptedPicker {
            answer: Some(file.into()),
            shown: Default::default(),
        }
    }
}

impl FilePicker for ScriptedPicker {
    fn pick(&self, request: &PickRequest) -> Option<PathBuf> {
        self.shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(request.clone());
        self.answer.clone()
    }
}

/// The label of a report format, as the Export screen names it.
fn report_label(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Html => "HTML report",
        ReportFormat::Markdown => "Markdown (PR comment)",
        ReportFormat::Json => "JSON",
        ReportFormat::Junit => "JUnit XML",
    }
}

/// The dialog for `purpose` (`format` is required for reports and refused otherwise).
pub fn request(
    purpose: FilePurpose,
    format: Option<&str>,
    directory: Option<PathBuf>,
) -> AppResult<PickRequest> {
    let format = match (purpose, format) {
        (FilePurpose::Report, Some(f)) => Some(
            f.parse::<ReportFormat>()
                .map_err(|e| AppError::bad_input(format!("report format `{f}`: {e}")))?,
        ),
        (FilePurpose::Report, None) => {
            return Err(AppError::bad_input(
                "choosing a report file needs its format (html, markdown, json or junit)",
            ))
        }
        (_, Some(f)) => {
            return Err(AppError::bad_input(format!(
                "format `{f}` is only for reports, not for a {} file",
                purpose.as_str()
            )))
        }
        (_, None) => None,
    };
    let filter = |name: &str, exts: &[&str]| {
        Some((
            name.to_string(),
            exts.iter().map(|e| e.to_string()).collect(),
        ))
    };
    let (mode, title, filter, file_name) = match purpose {
        FilePurpose::OpenWorkspace => (
            PickMode::Open,
            "Open workspace".to_string(),
            filter("EnvParity workspace", &["sqlite", "db"]),
            None,
        ),
        FilePurpose::NewWorkspace => (
            PickMode::Save,
            "New workspace".to_string(),
            filter("EnvParity workspace", &["sqlite"]),
            Some("workspace.sqlite".to_string()),
        ),
        FilePurpose::WorkspaceFile => (
            PickMode::Save,
            "Save the workspace file".to_string(),
            filter("TOML", &["toml"]),
            Some("envparity.toml".to_string()),
        ),
        FilePurpose::Tfstate => (
            PickMode::Open,
            "Import a Terraform state".to_string(),
            filter("Terraform state", &["tfstate", "json"]),
            None,
        ),
        FilePurpose::Baseline => (
            PickMode::Open,
            "Choose a baseline file".to_string(),
            None,
            None,
        ),
        FilePurpose::Report => {
            let format = format.unwrap_or(ReportFormat::Html);
            let ext = format.extension();
            (
                PickMode::Save,
                format!("Save the {}", report_label(format)),
                filter(&ext.to_uppercase(), &[ext]),
                Some(format!("parity-report.{ext}")),
            )
        }
    };
    Ok(PickRequest {
        mode,
        title,
        filter,
        directory,
        file_name,
    })
}

/// The refusal for a path the page sent without choosing it in the dialog for `purpose`.
pub fn not_chosen(purpose: FilePurpose, path: &str) -> AppError {
    AppError::bad_input(format!(
        "{path}: not the file chosen in the {} dialog; the desktop reads and writes only files picked in its own dialogs (nothing was read or written)",
        purpose.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_purpose_has_its_dialog() {
        let r = request(FilePurpose::Report, Some("markdown"), None).unwrap();
        assert_eq!(r.mode, PickMode::Save);
        assert_eq!(r.title, "Save the Markdown (PR comment)");
        assert_eq!(r.file_name.as_deref(), Some("parity-report.md"));
        assert_eq!(r.filter, Some(("MD".to_string(), vec!["md".to_string()])));
        let r = request(FilePurpose::Baseline, None, None).unwrap();
        assert_eq!((r.mode, r.filter), (PickMode::Open, None));
        let r = request(FilePurpose::Tfstate, None, Some("/home/u".into())).unwrap();
        assert_eq!(r.mode, PickMode::Open);
        assert_eq!(r.directory, Some(PathBuf::from("/home/u")));
        assert!(r.file_name.is_none());
    }

    #[test]
    fn a_format_goes_with_reports_only() {
        let e = request(FilePurpose::Report, None, None).unwrap_err();
        assert!(e.message.contains("needs its format"), "{}", e.message);
        let e = request(FilePurpose::Report, Some("pdf"), None).unwrap_err();
        assert!(e.message.contains("`pdf`"), "{}", e.message);
        let e = request(FilePurpose::Tfstate, Some("html"), None).unwrap_err();
        assert!(e.message.contains("only for reports"), "{}", e.message);
    }
}

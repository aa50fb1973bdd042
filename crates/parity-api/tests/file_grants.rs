//! The desktop reads and writes only files the user chose in its native dialogs (issue 14 §2):
//! through the same API the Tauri commands forward to, a path the page makes up, or one chosen
//! for another purpose, is refused with an error naming it and nothing is read or written; the
//! chosen path works once; Recent workspaces open; dialogs start in the folder last used for the
//! same purpose, also after a restart.

use std::path::Path;

use parity_api::api;
use parity_api::dto::FilePurpose;
use parity_api::picker::{PickMode, ScriptedPicker};
use parity_api::Session;

fn choose(session: &Session, purpose: FilePurpose, format: Option<&str>, file: &Path) -> String {
    api::choose_file(
        session,
        &ScriptedPicker::choosing(file),
        purpose,
        format.map(str::to_string),
    )
    .expect("the dialog opens")
    .expect("a file was chosen")
}

#[test]
fn a_report_is_written_only_to_the_file_chosen_for_it_and_only_once() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::start(dir.path().join("data")).unwrap();
    let made_up = dir.path().join("made-up.html");
    let e = api::save_report(&session, made_up.display().to_string(), "html".into()).unwrap_err();
    assert!(
        e.message.contains("made-up.html") && e.message.contains("not the file chosen"),
        "{}",
        e.message
    );
    assert!(!made_up.exists(), "a refused path was written");

    let chosen = dir.path().join("out/report.html");
    std::fs::create_dir_all(chosen.parent().unwrap()).unwrap();
    let path = choose(&session, FilePurpose::Report, Some("html"), &chosen);
    // chosen for a report: not usable for the workspace file
    let e = api::save_workspace_file(&session, path.clone()).unwrap_err();
    assert!(e.message.contains("workspace-file dialog"), "{}", e.message);
    api::save_report(&session, path.clone(), "html".into()).unwrap();
    assert!(std::fs::read_to_string(&chosen).unwrap().contains("<html"));
    std::fs::remove_file(&chosen).unwrap();
    // used up
    api::save_report(&session, path, "html".into()).unwrap_err();
    assert!(!chosen.exists());
}

#[test]
fn a_cancelled_dialog_grants_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::start(dir.path().join("data")).unwrap();
    let cancel = ScriptedPicker::default();
    let got = api::choose_file(&session, &cancel, FilePurpose::Tfstate, None).unwrap();
    assert_eq!(got, None);
    let shown = cancel.shown.lock().unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "Import a Terraform state");
    assert_eq!(shown[0].mode, PickMode::Open);
    let e = api::import_tfstate(&session, "prod".into(), "/etc/passwd".into()).unwrap_err();
    assert!(e.message.contains("/etc/passwd"), "{}", e.message);
}

#[test]
fn workspaces_open_from_the_dialog_or_the_recent_list_only() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::start(dir.path().join("data")).unwrap();
    let team = dir.path().join("team.sqlite");
    let e = api::create_workspace(&session, team.display().to_string(), "team".into()).unwrap_err();
    assert!(e.message.contains("new-workspace dialog"), "{}", e.message);
    assert!(!team.exists());
    let path = choose(&session, FilePurpose::NewWorkspace, None, &team);
    let ws = api::create_workspace(&session, path, "team".into()).unwrap();
    assert_eq!(ws.name, "team");
    // the demo is in the Recent list now: it opens by its path, and so does `team` afterwards
    let demo = session.demo_path().display().to_string();
    assert!(ws.recent.contains(&demo));
    api::open_workspace(&session, demo).unwrap();
    api::open_workspace(&session, team.display().to_string()).unwrap();
    // a database the user never chose does not
    let other = dir.path().join("other.sqlite");
    std::fs::copy(&team, &other).unwrap();
    let e = api::open_workspace(&session, other.display().to_string()).unwrap_err();
    assert!(e.message.contains("other.sqlite"), "{}", e.message);
    let path = choose(&session, FilePurpose::OpenWorkspace, None, &other);
    api::open_workspace(&session, path).unwrap();
}

#[test]
fn dialogs_start_where_the_last_file_for_the_same_purpose_was_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("infra");
    std::fs::create_dir_all(&infra).unwrap();
    let data = dir.path().join("data");
    {
        let session = Session::start(data.clone()).unwrap();
        choose(
            &session,
            FilePurpose::Tfstate,
            None,
            &infra.join("prod.tfstate"),
        );
    }
    let session = Session::start(data).unwrap();
    let picker = ScriptedPicker::default();
    api::choose_file(&session, &picker, FilePurpose::Tfstate, None).unwrap();
    api::choose_file(
        &session,
        &picker,
        FilePurpose::Report,
        Some("markdown".into()),
    )
    .unwrap();
    let shown = picker.shown.lock().unwrap();
    assert_eq!(shown[0].directory.as_deref(), Some(infra.as_path()));
    // another purpose starts in the home folder
    assert_ne!(shown[1].directory.as_deref(), Some(infra.as_path()));
    assert_eq!(shown[1].file_name.as_deref(), Some("parity-report.md"));
}

//! "Connect to a team workspace" (issue 20) through the API the Tauri command forwards to: a
//! typed text is only ever a `postgres://` URL — a file path is refused (files open only from
//! the native dialogs, issue 14), so is a URL holding a password or another scheme — and a team
//! database then opens like a file: in Recent, with who collected each snapshot and who changed
//! each exception. Needs the cluster of scripts/pg.sh for the last part (skipped by hand without
//! it; ENVPARITY_REQUIRE_PG=1 fails).

use chrono::Utc;
use parity_api::{api, Session};
use parity_app::{DbOpenMode, Workspace};

#[test]
fn a_typed_text_is_a_team_url_or_refused_and_a_team_workspace_opens_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::start(dir.path().join("data")).unwrap();
    let before = api::workspace_info(&session).unwrap().path;

    // a file that exists is still not openable by typing its path
    let file = dir.path().join("other.sqlite");
    Workspace::open(&file, DbOpenMode::CreateIfMissing, Utc::now()).unwrap();
    for (text, expect) in [
        (file.display().to_string(), "not a team database URL"),
        ("postgres:/x".to_string(), "not a team database URL"),
        (
            "postgres://ci:hunter2@127.0.0.1:1/parity".to_string(),
            "holds a password",
        ),
        (
            "postgresql://ci@127.0.0.1:1/parity?password=hunter2".to_string(),
            "holds a password",
        ),
        (
            "mysql://ci@127.0.0.1/parity".to_string(),
            "not a team database URL",
        ),
    ] {
        let e = api::connect_team_workspace(&session, text.clone(), None).unwrap_err();
        assert!(e.message.contains(expect), "{text}: {}", e.message);
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert_eq!(api::workspace_info(&session).unwrap().path, before);
    }
    assert!(!dir.path().join("postgres:").exists());

    let Some(url) = parity_testkit::pg::fresh_database("api_connect") else {
        return;
    };
    // an empty database is not a workspace: connecting creates nothing
    let e = api::connect_team_workspace(&session, url.clone(), None).unwrap_err();
    assert!(e.message.contains(&url), "{}", e.message);
    assert_eq!(api::workspace_info(&session).unwrap().path, before);

    // set up from the CLI's side (here: parity-app), by a named actor
    parity_app::who::set_actor("ana").unwrap();
    let team = Workspace::open(url.as_ref(), DbOpenMode::CreateIfMissing, Utc::now()).unwrap();
    team.load_demo(Utc::now()).unwrap();
    drop(team);

    let ws = api::connect_team_workspace(&session, format!("  {url} "), None).unwrap();
    assert_eq!(ws.path, url);
    let snapshots = api::snapshots(&session, None).unwrap();
    assert!(!snapshots.is_empty());
    assert!(
        snapshots
            .iter()
            .all(|s| s.collected_by.as_deref().is_some_and(|c| !c.is_empty())),
        "{snapshots:?}"
    );
    let exceptions = api::exceptions(&session).unwrap();
    let id = exceptions[0].rule.id.clone();
    let history = api::exception_history(&session, id).unwrap();
    assert_eq!(history[0].actor.as_deref(), Some("ana"));

    // back to the file, then the team workspace again from Recent
    api::open_workspace(&session, before.clone()).unwrap();
    let recent = api::workspace_info(&session).unwrap().recent;
    assert!(recent.contains(&url), "{recent:?}");
    assert_eq!(
        api::open_workspace(&session, url.clone()).unwrap().path,
        url
    );
}

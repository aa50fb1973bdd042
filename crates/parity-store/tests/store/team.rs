//! PostgreSQL's own cases: URLs are never paths, a password in the URL is refused, read-only
//! opening creates nothing, a newer or foreign schema is refused untouched, a connection lost
//! before its commit leaves the previous state, and copied snapshot ids are kept.

use std::path::Path;

use parity_core::EnvironmentConfig;
use parity_store::{OpenMode, Store, StoreError};
use parity_testkit::pg;

use super::{now, open, snapshot};

fn admin_of(url: &str) -> postgres::Client {
    pg::admin(url)
}

fn table_count(url: &str) -> i64 {
    admin_of(url)
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_url_is_never_taken_for_a_path_and_never_holds_a_password() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    for url in [
        "postgres://someone:hunter2@127.0.0.1:1/x",
        "postgresql://someone@127.0.0.1:1/x?password=hunter2",
    ] {
        let err = Store::open(Path::new(url), OpenMode::CreateIfMissing, now()).unwrap_err();
        assert!(matches!(err, StoreError::BadLocation(_)), "{err}");
        assert!(err.to_string().contains("holds a password"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    // nothing answers on port 1: a connection error naming the URL, and no directory created
    let err = Store::open(
        Path::new("postgres://someone@127.0.0.1:1/x?sslmode=disable"),
        OpenMode::CreateIfMissing,
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::Postgres { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("postgres://someone@127.0.0.1:1/x"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn read_only_opening_of_an_empty_database_creates_nothing() {
    let Some(url) = pg::fresh_database("readonly") else {
        return;
    };
    let err = Store::open(Path::new(&url), OpenMode::Existing, now()).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert_eq!(table_count(&url), 0);
    let store = open(Path::new(&url));
    assert!(store.is_postgres());
    assert_eq!(store.workspace().unwrap().id.len(), 36);
    drop(store);
    assert_eq!(
        open(Path::new(&url)).workspace().unwrap().id,
        Store::open(Path::new(&url), OpenMode::Existing, now())
            .unwrap()
            .workspace()
            .unwrap()
            .id
    );
}

#[test]
fn a_newer_or_foreign_schema_is_refused_untouched() {
    let Some(url) = pg::fresh_database("newer") else {
        return;
    };
    drop(open(Path::new(&url)));
    let mut admin = admin_of(&url);
    admin
        .batch_execute("UPDATE envparity_schema SET version = version + 1")
        .unwrap();
    let dump = |a: &mut postgres::Client| -> Vec<String> {
        a.query(
            "SELECT version::text FROM envparity_schema UNION ALL SELECT id || name FROM workspace",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let before = dump(&mut admin);
    let err = Store::open(Path::new(&url), OpenMode::CreateIfMissing, now()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
    assert!(err.to_string().contains("newer EnvParity"), "{err}");
    assert_eq!(dump(&mut admin), before);

    let Some(foreign) = pg::fresh_database("foreign") else {
        return;
    };
    admin_of(&foreign)
        .batch_execute("CREATE TABLE workspace (x int)")
        .unwrap();
    let err = Store::open(Path::new(&foreign), OpenMode::CreateIfMissing, now()).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert_eq!(table_count(&foreign), 1);
}

#[test]
fn a_connection_lost_before_its_commit_leaves_the_previous_snapshot() {
    let Some(url) = pg::fresh_database("lost") else {
        return;
    };
    {
        let store = open(Path::new(&url));
        store
            .upsert_environment(&EnvironmentConfig::new("prod"))
            .unwrap();
        store.insert_snapshot(&snapshot("prod", 2)).unwrap();
    }
    {
        let mut c = admin_of(&url);
        c.batch_execute("BEGIN; INSERT INTO snapshot (environment, taken_at, source, missing, resource_count) VALUES ('prod', '2026-11-27T00:00:00Z', 'aws', '[]', 0);").unwrap();
        // dropped without COMMIT: the server rolls it back, as when a process is killed
    }
    let store = open(Path::new(&url));
    assert_eq!(store.snapshots(Some("prod")).unwrap().len(), 1);
}

#[test]
fn copied_snapshot_ids_are_kept_and_new_ones_come_after_them() {
    let Some(url) = pg::fresh_database("ids") else {
        return;
    };
    let store = open(Path::new(&url));
    store
        .upsert_environment(&EnvironmentConfig::new("prod"))
        .unwrap();
    assert_eq!(
        store
            .insert_snapshot_as(&snapshot("prod", 1), Some(41))
            .unwrap(),
        41
    );
    let err = store
        .insert_snapshot_as(&snapshot("prod", 1), Some(41))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.insert_snapshot(&snapshot("prod", 1)).unwrap(), 42);
}

#[test]
fn a_copy_keeps_the_uuid_snapshot_ids_and_versions_and_needs_an_empty_destination() {
    let Some(url) = pg::fresh_database("copy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let src = open(&dir.path().join("src.sqlite"));
    src.upsert_environment(&EnvironmentConfig::new("prod"))
        .unwrap();
    let a = src.insert_snapshot(&snapshot("prod", 3)).unwrap();
    src.delete_snapshot(a).unwrap();
    let b = src.insert_snapshot(&snapshot("prod", 4)).unwrap();
    src.save_exception(
        &super::rule("x", "platform"),
        parity_store::AuditAction::Update,
        parity_store::Via::Cli,
        now(),
    )
    .unwrap();
    src.set_group_numbered(&parity_core::GroupNumbered::Kinds(vec![
        "ec2.instance".into()
    ]))
    .unwrap();
    src.set_hint_settings(Some("prod"), Some("Service"))
        .unwrap();
    let dst = open(Path::new(&url));
    let summary = src.copy_into(&dst).unwrap();
    assert_eq!(dst.group_numbered().unwrap(), src.group_numbered().unwrap());
    assert_eq!(
        dst.hint_settings().unwrap(),
        (Some("prod".to_string()), Some("Service".to_string()))
    );
    assert_eq!((summary.snapshots, summary.resources), (1, 4));
    assert_eq!(dst.workspace().unwrap(), src.workspace().unwrap());
    assert_eq!(dst.snapshots(None).unwrap(), src.snapshots(None).unwrap());
    assert_eq!(dst.load_snapshot(b).unwrap(), src.load_snapshot(b).unwrap());
    assert_eq!(
        dst.exception_version("x").unwrap(),
        src.exception_version("x").unwrap()
    );
    assert_eq!(
        dst.audit_trail(None).unwrap(),
        src.audit_trail(None).unwrap()
    );
    // not empty any more: refused, nothing written
    let err = src.copy_into(&dst).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(dst.snapshots(None).unwrap().len(), 1);
    // and back into a new file
    let back = open(&dir.path().join("back.sqlite"));
    dst.copy_into(&back).unwrap();
    assert_eq!(back.snapshots(None).unwrap(), src.snapshots(None).unwrap());
}

//! The store on real databases: migrations from empty, round trips, the audit trail, refusing
//! foreign, corrupt and newer files untouched, and an interrupted snapshot write. The tests of
//! `on_both_backends!` run on SQLite and on PostgreSQL; `team` holds PostgreSQL's own.

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use parity_core::{
    Category, EnvironmentConfig, ExceptionRule, MissingKind, Resource, Snapshot, Source,
};
use parity_store::{AuditAction, OpenMode, Store, StoreError, Via, APPLICATION_ID};
use rusqlite::Connection;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

fn open(path: &Path) -> Store {
    Store::open(path, OpenMode::CreateIfMissing, now()).unwrap()
}

fn snapshot(env: &str, n: usize) -> Snapshot {
    Snapshot {
        id: None,
        environment: env.into(),
        taken_at: now(),
        source: Source::Aws,
        missing: vec![MissingKind {
            kind: "rds.db_instance".into(),
            reason: "AccessDenied: no".into(),
        }],
        resources: (0..n)
            .map(|i| {
                Resource::named("ec2.instance", &format!("i-{i}"), &format!("{env}-api-{i}"))
                    .with_attr("instance_type", "t3.large")
                    .with_tag("Team", "core")
            })
            .collect(),
    }
}

/// Runs each test on a new SQLite file and on a new PostgreSQL database (the test cluster of
/// scripts/pg.sh; skipped with a printed reason without one, failed when ENVPARITY_REQUIRE_PG=1).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                let dir = tempfile::tempdir().unwrap();
                super::$name(&dir.path().join("ws.sqlite"));
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(url) = parity_testkit::pg::fresh_database(stringify!($name)) {
                    super::$name(std::path::Path::new(&url));
                }
            })*
        }
    };
}

on_both_backends!(
    environments_snapshots_and_exceptions_round_trip,
    every_exception_change_is_audited,
    an_interrupted_snapshot_write_leaves_the_previous_state,
    an_edit_from_a_stale_version_is_refused_and_changes_nothing,
    many_connections_creating_and_writing_one_new_file_lose_nothing,
    a_panic_inside_a_transaction_rolls_back_and_leaves_the_store_usable,
    workspace_settings_round_trip,
    a_snapshot_of_several_insert_chunks_round_trips_in_order,
    the_writer_is_recorded_with_exception_changes_and_snapshots,
    several_snapshots_load_together_in_the_order_asked
);

/// `load_snapshots` (reading one snapshot while the previous ones decode) gives what
/// `load_snapshot` gives for each, in the order of the ids asked; an unknown id fails the whole
/// load with that id named.
fn several_snapshots_load_together_in_the_order_asked(path: &Path) {
    let store = open(path);
    for env in ["dev", "staging", "prod"] {
        store
            .upsert_environment(&EnvironmentConfig::new(env))
            .unwrap();
    }
    let ids: Vec<i64> = [("dev", 3), ("staging", 700), ("prod", 5)]
        .iter()
        .map(|(env, n)| store.insert_snapshot(&snapshot(env, *n)).unwrap())
        .collect();
    let asked = [ids[2], ids[0], ids[1], ids[2]];
    let loaded = store.load_snapshots(&asked).unwrap();
    assert_eq!(loaded.len(), 4);
    for (snapshot, id) in loaded.iter().zip(asked) {
        assert_eq!(snapshot, &store.load_snapshot(id).unwrap());
    }
    assert_eq!(
        loaded.iter().map(|s| s.resources.len()).collect::<Vec<_>>(),
        vec![5, 3, 700, 5]
    );
    assert!(store.load_snapshots(&[]).unwrap().is_empty());
    let missing = ids.iter().max().unwrap() + 100;
    let err = store.load_snapshots(&[ids[0], missing]).unwrap_err();
    assert!(matches!(err, StoreError::NoSuchSnapshot(_)), "{err}");
    assert!(err.to_string().contains(&missing.to_string()), "{err}");
}

/// Who (schema v5): the actor with each audit entry, `collected_by` with each snapshot; a store
/// without a writer records NULL, as rows written before v5 read.
fn the_writer_is_recorded_with_exception_changes_and_snapshots(path: &Path) {
    use parity_store::Writer;
    let anonymous = open(path);
    anonymous
        .upsert_environment(&EnvironmentConfig::new("prod"))
        .unwrap();
    let first = anonymous.insert_snapshot(&snapshot("prod", 1)).unwrap();
    anonymous
        .save_exception(&rule("x", "platform"), AuditAction::Update, Via::Cli, now())
        .unwrap();
    let mut store = open(path);
    store.set_writer(Writer {
        actor: Some("ana".into()),
        collected_by: Some("github-actions:acme/infra run 42".into()),
    });
    let second = store.insert_snapshot(&snapshot("prod", 2)).unwrap();
    store
        .save_exception(
            &rule("x", "security"),
            AuditAction::Update,
            Via::Desktop,
            now(),
        )
        .unwrap();
    let reader = open(path);
    assert_eq!(reader.snapshot_info(first).unwrap().collected_by, None);
    assert_eq!(
        reader
            .snapshot_info(second)
            .unwrap()
            .collected_by
            .as_deref(),
        Some("github-actions:acme/infra run 42")
    );
    let trail = reader.audit_trail(Some("x")).unwrap();
    let who: Vec<_> = trail
        .iter()
        .map(|e| (e.via.as_str(), e.actor.as_deref()))
        .collect();
    assert_eq!(who, [("cli", None), ("desktop", Some("ana"))]);
}

/// Resources are written many per statement: a snapshot spanning several statements (and a
/// last, shorter one) reads back whole and in order.
fn a_snapshot_of_several_insert_chunks_round_trips_in_order(path: &Path) {
    let store = open(path);
    store
        .upsert_environment(&EnvironmentConfig::new("prod"))
        .unwrap();
    for n in [0, 1, 200, 401] {
        let written = snapshot("prod", n);
        let id = store.insert_snapshot(&written).unwrap();
        let read = open(path).load_snapshot(id).unwrap();
        assert_eq!(read.resources, written.resources, "{n} resources");
        assert_eq!(store.snapshot_info(id).unwrap().resource_count, n as i64);
    }
}

/// The settings of migrations 003 and 004 (`group_numbered`, the hint settings) on both.
fn workspace_settings_round_trip(path: &Path) {
    use parity_core::GroupNumbered;
    let store = open(path);
    assert_eq!(store.group_numbered().unwrap(), GroupNumbered::Default);
    assert_eq!(store.hint_settings().unwrap(), (None, None));
    for setting in [
        GroupNumbered::Off,
        GroupNumbered::Kinds(vec!["ec2.instance".into(), "rds.db_instance".into()]),
        GroupNumbered::Default,
    ] {
        store.set_group_numbered(&setting).unwrap();
        assert_eq!(open(path).group_numbered().unwrap(), setting);
    }
    store
        .set_hint_settings(Some("prod"), Some("Service"))
        .unwrap();
    assert_eq!(
        open(path).hint_settings().unwrap(),
        (Some("prod".to_string()), Some("Service".to_string()))
    );
    store.set_hint_settings(None, Some("App")).unwrap();
    assert_eq!(
        open(path).hint_settings().unwrap(),
        (None, Some("App".to_string()))
    );
}

mod team;

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn a_new_file_is_migrated_and_gets_a_workspace_uuid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/ws.sqlite");
    let store = open(&path);
    let ws = store.workspace().unwrap();
    assert_eq!(ws.id.len(), 36);
    assert!(store.is_empty().unwrap());
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let app: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    assert_eq!(version, parity_store::schema_version());
    assert_eq!(mode, "wal");
    // reopening keeps the same workspace
    assert_eq!(open(&path).workspace().unwrap().id, ws.id);
}

fn environments_snapshots_and_exceptions_round_trip(path: &Path) {
    let path = path.to_path_buf();
    let store = open(&path);
    let mut prod = EnvironmentConfig::new("prod");
    prod.may_differ_in = vec![Category::Size];
    prod.aliases = vec!["prd".into()];
    store.upsert_environment(&prod).unwrap();
    store
        .upsert_environment(&EnvironmentConfig::new("dev"))
        .unwrap();
    let snap = snapshot("prod", 3);
    let id = store.insert_snapshot(&snap).unwrap();
    drop(store);

    let store = open(&path);
    let envs = store.environments().unwrap();
    assert_eq!(
        envs.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        vec!["prod", "dev"]
    );
    assert_eq!(envs[0], prod);
    let loaded = store.load_snapshot(id).unwrap();
    assert_eq!(loaded.resources, snap.resources);
    assert_eq!(loaded.missing, snap.missing);
    assert_eq!(loaded.id, Some(id));
    let info = store.latest_snapshot_info("prod").unwrap().unwrap();
    assert!(info.is_partial());
    assert_eq!(info.resource_count, 3);
    assert!(store
        .snapshot_on_or_before("prod", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .snapshot_on_or_before("prod", NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
            .unwrap()
            .unwrap()
            .id,
        id
    );
}

fn every_exception_change_is_audited(path: &Path) {
    let store = open(path);
    let mut rule = ExceptionRule {
        id: "prod-multi-az".into(),
        resource: "rds.db_instance/orders-db".into(),
        attribute: "multi_az".into(),
        environments: vec!["prod".into()],
        expected: Default::default(),
        elements: vec![],
        justification: "redundancy".into(),
        owner: "platform".into(),
        created: NaiveDate::from_ymd_opt(2026, 11, 26),
        expires: None,
        ticket: None,
    };
    assert!(store
        .save_exception(&rule, AuditAction::Update, Via::Cli, now())
        .unwrap());
    assert!(
        !store
            .save_exception(&rule, AuditAction::Update, Via::Import, now())
            .unwrap(),
        "identical: no change"
    );
    rule.owner = "dba".into();
    assert!(store
        .save_exception(&rule, AuditAction::Update, Via::Cli, now())
        .unwrap());
    store
        .delete_exception("prod-multi-az", Via::Cli, now())
        .unwrap();
    assert!(store.exception("prod-multi-az").unwrap().is_none());
    let trail = store.audit_trail(Some("prod-multi-az")).unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["create", "update", "delete"]);
    assert_eq!(trail[1].before.as_ref().unwrap().owner, "platform");
    assert_eq!(trail[1].after.as_ref().unwrap().owner, "dba");
    assert!(trail[2].after.is_none());
    assert!(matches!(
        store.delete_exception("prod-multi-az", Via::Cli, now()),
        Err(StoreError::NoSuchException(_))
    ));
}

fn an_interrupted_snapshot_write_leaves_the_previous_state(path: &Path) {
    let path = path.to_path_buf();
    let store = open(&path);
    store
        .upsert_environment(&EnvironmentConfig::new("prod"))
        .unwrap();
    let first = store.insert_snapshot(&snapshot("prod", 5)).unwrap();
    // a snapshot written inside a larger operation that then fails is rolled back whole
    let result = store.transaction(|s| {
        let id = s.insert_snapshot(&snapshot("prod", 50))?;
        assert!(s.snapshot_exists(id)?);
        Err::<(), _>(StoreError::Conflict("killed mid-write".into()))
    });
    assert!(result.is_err());
    drop(store);
    let store = open(&path);
    let all = store.snapshots(Some("prod")).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, first);
    assert_eq!(store.load_snapshot(first).unwrap().resources.len(), 5);
}

#[test]
fn an_abandoned_transaction_leaves_the_previous_snapshot() {
    // A connection starts a snapshot write and goes away before it commits (as a killed process
    // would): the WAL never receives a commit record, so the earlier snapshot is all there is.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.sqlite");
    {
        let store = open(&path);
        store
            .upsert_environment(&EnvironmentConfig::new("prod"))
            .unwrap();
        store.insert_snapshot(&snapshot("prod", 2)).unwrap();
    }
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO snapshot (environment, taken_at, source, missing, resource_count) VALUES ('prod', '2026-11-27T00:00:00Z', 'aws', '[]', 0);").unwrap();
        // dropped without COMMIT: SQLite rolls the transaction back, as on a crash
    }
    let store = open(&path);
    assert_eq!(store.snapshots(Some("prod")).unwrap().len(), 1);
}

#[test]
fn foreign_corrupt_and_newer_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();

    // not SQLite at all
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "this is not a database, it is a text file with enough bytes to look like one.....",
    )
    .unwrap();
    let before = bytes(&text);
    let err = Store::open(&text, OpenMode::Existing, now()).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert_eq!(bytes(&text), before);

    // another application's SQLite database
    let foreign = dir.path().join("foreign.sqlite");
    {
        let c = Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = bytes(&foreign);
    let err = Store::open(&foreign, OpenMode::CreateIfMissing, now()).unwrap_err();
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("another application"), "{err}");
    assert_eq!(bytes(&foreign), before);

    // written by a newer EnvParity
    let newer = dir.path().join("newer.sqlite");
    drop(open(&newer));
    {
        let c = Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = bytes(&newer);
    let err = Store::open(&newer, OpenMode::Existing, now()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("newer EnvParity"), "{err}");
    assert_eq!(bytes(&newer), before);

    // corrupt: a valid header followed by garbage pages
    let corrupt = dir.path().join("corrupt.sqlite");
    {
        let store = open(&corrupt);
        store
            .upsert_environment(&EnvironmentConfig::new("prod"))
            .unwrap();
        store.insert_snapshot(&snapshot("prod", 200)).unwrap();
    }
    {
        let c = Connection::open(&corrupt).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut data = bytes(&corrupt);
    let len = data.len();
    for b in &mut data[4096..len.min(4096 * 6)] {
        *b = 0xAB;
    }
    std::fs::write(&corrupt, &data).unwrap();
    let err = Store::open(&corrupt, OpenMode::Existing, now()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt { .. } | StoreError::NotADatabase { .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("corrupt.sqlite"), "{err}");
    assert_eq!(bytes(&corrupt), data);

    // missing file with Existing: nothing created
    let missing = dir.path().join("missing.sqlite");
    assert!(matches!(
        Store::open(&missing, OpenMode::Existing, now()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(!missing.exists());
}

fn rule(id: &str, owner: &str) -> ExceptionRule {
    ExceptionRule {
        id: id.into(),
        resource: "rds.db_instance/orders-db".into(),
        attribute: "multi_az".into(),
        environments: vec!["prod".into()],
        expected: Default::default(),
        elements: vec![],
        justification: "redundancy".into(),
        owner: owner.into(),
        created: NaiveDate::from_ymd_opt(2026, 11, 26),
        expires: None,
        ticket: None,
    }
}

fn an_edit_from_a_stale_version_is_refused_and_changes_nothing(path: &Path) {
    let path = path.to_path_buf();
    let a = open(&path);
    let b = open(&path);
    a.save_exception(&rule("x", "platform"), AuditAction::Update, Via::Cli, now())
        .unwrap();
    let read_by_a = a.exception_version("x").unwrap();
    let read_by_b = b.exception_version("x").unwrap();
    assert_eq!(read_by_a, read_by_b);
    // b edits first, from the version it read
    assert!(b
        .save_exception_if(
            &rule("x", "dba"),
            AuditAction::Update,
            Via::Desktop,
            now(),
            Some(read_by_b)
        )
        .unwrap());
    // a's edit was made from the older version: refused, b's change stays
    let err = a
        .save_exception_if(
            &rule("x", "sre"),
            AuditAction::Update,
            Via::Desktop,
            now(),
            Some(read_by_a),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale(_)), "{err}");
    assert!(err.to_string().contains("changed by someone else"), "{err}");
    let err = a
        .delete_exception_if("x", Via::Desktop, now(), Some(read_by_a))
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale(_)), "{err}");
    assert_eq!(a.exception("x").unwrap().unwrap().owner, "dba");
    assert_eq!(a.audit_trail(Some("x")).unwrap().len(), 2);
    // from the current version it lands
    let current = a.exception_version("x").unwrap();
    assert!(current > read_by_a);
    assert!(a
        .save_exception_if(
            &rule("x", "sre"),
            AuditAction::Update,
            Via::Desktop,
            now(),
            Some(current)
        )
        .unwrap());
    let trail = a.audit_trail(Some("x")).unwrap();
    assert_eq!(trail.last().unwrap().before.as_ref().unwrap().owner, "dba");
}

fn many_connections_creating_and_writing_one_new_file_lose_nothing(path: &Path) {
    // Eight connections (as eight processes would) open a file that does not exist yet at the
    // same moment, then each writes 25 exceptions and a snapshot. `tests/cli` does the same with
    // real processes.
    let path = path.to_path_buf();
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let ids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let path = path.clone();
                let start = start.clone();
                scope.spawn(move || {
                    start.wait();
                    let store = open(&path);
                    store
                        .transaction(|s| {
                            if s.environment("prod")?.is_none() {
                                s.upsert_environment(&EnvironmentConfig::new("prod"))?;
                            }
                            Ok(())
                        })
                        .unwrap();
                    for i in 0..25 {
                        store
                            .save_exception(
                                &rule(&format!("t{t}-{i}"), "platform"),
                                AuditAction::Update,
                                Via::Cli,
                                now(),
                            )
                            .unwrap();
                    }
                    store.insert_snapshot(&snapshot("prod", 3)).unwrap();
                    store.workspace().unwrap().id
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(ids.iter().all(|id| id == &ids[0]), "one workspace: {ids:?}");
    let store = open(&path);
    assert_eq!(store.exceptions().unwrap().len(), 200);
    assert_eq!(store.audit_trail(None).unwrap().len(), 200);
    assert_eq!(store.snapshots(Some("prod")).unwrap().len(), 8);
}

fn a_panic_inside_a_transaction_rolls_back_and_leaves_the_store_usable(path: &Path) {
    let store = open(path);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.transaction(|s| {
            s.upsert_environment(&EnvironmentConfig::new("ghost"))?;
            panic!("a bug mid-transaction");
            #[allow(unreachable_code)]
            Ok(())
        });
    }));
    assert!(caught.is_err());
    assert!(store.environment("ghost").unwrap().is_none());
    store
        .transaction(|s| s.upsert_environment(&EnvironmentConfig::new("prod")))
        .unwrap();
    assert!(store.environment("prod").unwrap().is_some());
}

#[test]
fn a_damaged_resource_count_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.sqlite");
    let id = {
        let store = open(&path);
        store
            .upsert_environment(&EnvironmentConfig::new("prod"))
            .unwrap();
        store.insert_snapshot(&snapshot("prod", 2)).unwrap()
    };
    let set = |n: i64| {
        let c = Connection::open(&path).unwrap();
        c.execute("UPDATE snapshot SET resource_count = ?1", [n])
            .unwrap();
    };
    set(i64::MAX);
    assert_eq!(open(&path).load_snapshot(id).unwrap().resources.len(), 2);
    set(-5);
    let err = open(&path).load_snapshot(id).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("resource_count -5"), "{err}");
}

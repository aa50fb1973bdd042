//! Bad input (issue 2 §5): a clear message naming the input and the problem, exit 2, and nothing
//! written or changed — not the database, not its write-ahead log, not a new file.

use std::path::Path;

use crate::support::{DbFiles, Sandbox, Untouched};

const BAD_ENVIRONMENT_FILE: &str = r#"
[[environment]]
name = "qa"
regions = ["us-east-1"]

[[exception]]
id = "perf-cache-size"
resource = "elasticache.cluster/*"
attribute = "cache_node_type"
environments = ["perf"]
justification = "Load tests need a bigger cache."
owner = "perf-team"
"#;

/// A file that parses: imported into a missing database it would create a workspace.
const GOOD_FILE: &str = "[[environment]]\nname = \"qa\"\n";

/// Commands that must refuse an unusable database without touching it.
fn every_kind_of_command(s: &Sandbox) -> Vec<Vec<String>> {
    let good = s.file("good.toml", GOOD_FILE);
    [
        &["diff"][..],
        &["check"],
        &["env", "list"],
        &["env", "add", "qa"],
        &["snapshots"],
        &["export"],
        &["exception", "list"],
        &[
            "exception",
            "add",
            "--resource",
            "x/*",
            "--attribute",
            "y",
            "--env",
            "prod",
            "--justification",
            "j",
            "--owner",
            "o",
        ],
        &["import", &good],
        &["demo"],
    ]
    .iter()
    .map(|args| args.iter().map(|a| a.to_string()).collect())
    .collect()
}

/// Runs every kind of command on `db` and asserts each is refused with exit 2, a message naming
/// the file and containing `problem`, and the file's bytes untouched.
#[track_caller]
fn refused_untouched(s: &Sandbox, db: &Path, problem: &str) {
    let before = DbFiles::of(db);
    let name = db.display().to_string();
    for args in every_kind_of_command(s) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        s.run_on(db, &args).code(2).stderr_has(&[&name, problem]);
        assert_eq!(
            DbFiles::of(db),
            before,
            "`{}` changed {name}",
            args.join(" ")
        );
    }
}

#[test]
fn a_malformed_workspace_file_is_refused_naming_the_file_and_the_line() {
    let s = Sandbox::demo();
    let untouched = Untouched::capture(&s);
    let file = s.file(
        "broken.toml",
        "name = \"shop\"\n\n[[environment]\nname = \"qa\"\n",
    );
    s.run(&["import", &file]).code(2).stderr_has(&[
        "broken.toml",
        "line 3",
        "not a valid workspace file",
    ]);
    untouched.assert();

    // a field the format does not know, and an empty file
    let unknown = s.file(
        "unknown.toml",
        "[[environment]]\nname = \"qa\"\ncolour = \"red\"\n",
    );
    s.run(&["import", &unknown])
        .code(2)
        .stderr_has(&["unknown.toml", "colour"]);
    let empty = s.file("empty.toml", "");
    s.run(&["import", &empty])
        .code(2)
        .stderr_has(&["empty.toml", "empty"]);
    s.run(&["import", "no-such-file.toml"])
        .code(2)
        .stderr_has(&["no-such-file.toml", "cannot read"]);
    untouched.assert();

    // into a database that does not exist yet: no file is created
    let fresh = Sandbox::new();
    let file = fresh.file("broken.toml", "[[environment]\n");
    fresh.run(&["import", &file]).code(2);
    assert!(!fresh.db().exists());
}

#[test]
fn a_workspace_file_whose_exception_names_an_unknown_environment_imports_nothing() {
    let s = Sandbox::demo();
    let untouched = Untouched::capture(&s);
    let file = s.file("perf.toml", BAD_ENVIRONMENT_FILE);
    s.run(&["import", &file]).code(2).stderr_has(&[
        "perf.toml",
        "perf-cache-size",
        "`perf`",
        "nothing imported",
    ]);
    // not even the file's new environment `qa`
    let envs = s.run(&["env", "list"]).ok().to_string();
    assert!(!envs.contains("qa"), "{envs}");
    untouched.assert();
}

#[test]
fn a_refused_import_into_a_missing_database_does_not_create_it() {
    // the file parses, but names an environment nobody defines: nothing may be written,
    // not even an empty workspace database
    let s = Sandbox::new();
    let file = s.file("perf.toml", BAD_ENVIRONMENT_FILE);
    s.run(&["import", &file])
        .code(2)
        .stderr_has(&["perf.toml", "`perf`"]);
    assert!(
        !DbFiles::of(s.db()).exists(),
        "a refused import created {}",
        s.db().display()
    );
}

#[test]
fn an_unknown_environment_is_refused_naming_it_and_the_known_ones() {
    let s = Sandbox::demo();
    let untouched = Untouched::capture(&s);
    for args in [
        &["diff", "nope"][..],
        &["diff", "prod", "nope"],
        &["check", "nope"],
        &["snapshots", "nope"],
        &["env", "rm", "nope"],
    ] {
        s.run(args)
            .code(2)
            .stderr_has(&["`nope`", "dev, staging, prod"]);
    }
    s.run(&[
        "exception",
        "add",
        "--resource",
        "x/*",
        "--attribute",
        "y",
        "--env",
        "nope",
        "--justification",
        "j",
        "--owner",
        "o",
    ])
    .code(2)
    .stderr_has(&["`nope`"]);
    untouched.assert();
}

#[test]
fn an_unknown_snapshot_is_refused_naming_it() {
    let s = Sandbox::demo();
    let untouched = Untouched::capture(&s);
    s.run(&["diff", "prod@999"])
        .code(2)
        .stderr_has(&["prod@999", "no snapshot 999"]);
    s.run(&["check", "prod", "prod@999"])
        .code(2)
        .stderr_has(&["prod@999"]);
    // snapshot 1 is dev's (the demo stores dev, staging, prod in that order)
    s.run(&["diff", "prod@1"])
        .code(2)
        .stderr_has(&["prod@1", "belongs to `dev`"]);
    s.run(&["diff", "prod@yesterday"]).code(2).stderr_has(&[
        "prod@yesterday",
        "snapshot id",
        "date",
    ]);
    s.run(&["diff", "prod@2020-01-01"])
        .code(2)
        .stderr_has(&["prod@2020-01-01", "2020-01-01"]);
    untouched.assert();
}

#[test]
fn a_corrupt_database_is_refused_untouched() {
    let s = Sandbox::demo();
    let mut bytes = std::fs::read(s.db()).unwrap();
    assert!(
        bytes.len() > 6 * 4096,
        "the demo database is several pages long"
    );
    // garbage over pages 4 and 5 (the header and schema page stay readable)
    bytes[3 * 4096..5 * 4096].fill(0xAB);
    std::fs::write(s.db(), &bytes).unwrap();
    refused_untouched(&s, s.db(), "corrupt");
}

#[test]
fn a_database_with_a_garbage_header_is_refused_untouched() {
    let s = Sandbox::demo();
    let mut bytes = std::fs::read(s.db()).unwrap();
    bytes[..100].fill(0x5A);
    std::fs::write(s.db(), &bytes).unwrap();
    refused_untouched(&s, s.db(), "not an EnvParity database");
}

#[test]
fn a_foreign_sqlite_database_is_refused_untouched() {
    let s = Sandbox::new();
    let db = s.path("notes.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
             INSERT INTO notes (body) VALUES ('buy milk');",
        )
        .unwrap();
    }
    refused_untouched(&s, &db, "another application");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1, "the foreign database gained tables");
}

#[test]
fn a_database_written_by_a_newer_version_is_refused_untouched() {
    let s = Sandbox::demo();
    {
        let conn = rusqlite::Connection::open(s.db()).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        // leave no write-ahead log behind: the file alone is the database
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    refused_untouched(&s, s.db(), "newer");
    s.run(&["diff"]).code(2).stderr_has(&["schema version 99"]);
}

#[test]
fn a_text_file_passed_as_the_database_is_refused_untouched() {
    let s = Sandbox::new();
    let notes = s.path("notes.txt");
    std::fs::write(&notes, "These are my notes, not a database.\n".repeat(50)).unwrap();
    refused_untouched(&s, &notes, "not an EnvParity database");
    assert!(!Path::new(&format!("{}-wal", notes.display())).exists());
    // a directory is refused too
    let dir = s.path("a-directory");
    std::fs::create_dir(&dir).unwrap();
    s.run_on(&dir, &["diff"])
        .code(2)
        .stderr_has(&["a-directory", "directory"]);
}

#[test]
fn read_only_commands_on_a_missing_database_create_nothing() {
    let s = Sandbox::new();
    let nested = s.path("not-yet/workspace.sqlite");
    for db in [s.db(), nested.as_path()] {
        for args in [
            &["diff"][..],
            &["check"],
            &["env", "list"],
            &["env", "rm", "prod"],
            &["snapshots"],
            &["export"],
            &["exception", "list"],
            &["exception", "history", "x"],
            &["exception", "expire", "x"],
            &[
                "exception",
                "add",
                "--resource",
                "x/*",
                "--attribute",
                "y",
                "--env",
                "prod",
                "--justification",
                "j",
                "--owner",
                "o",
            ],
        ] {
            s.run_on(db, args)
                .code(2)
                .stderr_has(&[&db.display().to_string(), "no such database"]);
            assert!(
                !db.exists(),
                "`{}` created {}",
                args.join(" "),
                db.display()
            );
        }
    }
    assert!(!s.path("not-yet").exists(), "a directory was created");
    // invalid arguments to a creating command create nothing either
    s.run(&["env", "add", "bad name!"])
        .code(2)
        .stderr_has(&["bad name!"]);
    s.run(&["env", "add", "qa", "--may-differ-in", "bogus"])
        .code(2)
        .stderr_has(&["bogus"]);
    assert!(!s.db().exists());
}

#[test]
fn exception_add_without_a_justification_is_refused_with_exit_2() {
    let s = Sandbox::demo();
    let untouched = Untouched::capture(&s);
    let base = [
        "exception",
        "add",
        "--resource",
        "ssm.parameter/api/log_level",
        "--attribute",
        "value",
        "--env",
        "prod",
        "--owner",
        "sre-team",
    ];
    // missing: a usage error from the argument parser, also exit 2
    s.run(&base)
        .code(2)
        .stderr_has(&["--justification", "required"]);
    // empty or blank: refused by the workspace
    for blank in ["", "   "] {
        let mut args = base.to_vec();
        args.extend(["--justification", blank]);
        s.run(&args)
            .code(2)
            .stderr_has(&["justification is required"]);
    }
    untouched.assert();
}

#[test]
fn failed_commands_leave_the_database_file_byte_identical() {
    // Issue 2 §5: "nothing written or changed". Checked on the raw bytes of the file (and its
    // write-ahead log), after each process has exited.
    let s = Sandbox::demo();
    let before = DbFiles::of(s.db());
    let perf = s.file("perf.toml", BAD_ENVIRONMENT_FILE);
    for args in [
        &["diff", "nope"][..],
        &["import", &perf],
        &["env", "rm", "prod"],
        &["exception", "expire", "no-such-exception"],
    ] {
        s.run(args).code(2);
        assert_eq!(
            DbFiles::of(s.db()),
            before,
            "the refused `{}` changed the database file",
            args.join(" ")
        );
    }
}

#[test]
fn a_state_file_over_the_size_limit_or_a_fifo_is_refused_naming_it() {
    let s = Sandbox::demo();
    let untouched = Untouched::capture(&s);
    // 2 MiB of valid JSON whitespace: refused by size before it is parsed
    let big = s.file("big.tfstate", &" ".repeat(2 * 1024 * 1024 + 1));
    s.run(&["tfstate", "import", "prod", &big, "--max-size", "2"])
        .code(2)
        .stderr_has(&["big.tfstate", "too large", "2 MiB"]);
    // a FIFO nobody writes to would block a reader forever: refused before it is opened
    let fifo = s.path("state.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|st| st.success());
    assert!(made, "mkfifo");
    let fifo = fifo.display().to_string();
    s.run(&["tfstate", "import", "prod", &fifo])
        .code(2)
        .stderr_has(&[&fifo, "not a regular file"]);
    s.run(&["import", &fifo])
        .code(2)
        .stderr_has(&[&fifo, "not a regular file"]);
    s.run(&["import", "/dev/zero"])
        .code(2)
        .stderr_has(&["/dev/zero", "not a regular file"]);
    untouched.assert();
}

#[test]
fn a_bad_assumed_role_is_refused_naming_the_field_and_nothing_changes() {
    let s = Sandbox::demo();
    let before = DbFiles::of(s.db());
    for (args, problem) in [
        (
            &["env", "add", "payments", "--region", "us-east-1", "--assume-role", "EnvParityReadOnly"][..],
            "environment `payments`: assume_role.role_arn `EnvParityReadOnly` is not an IAM role ARN",
        ),
        (
            &[
                "env", "add", "payments", "--assume-role",
                "arn:aws:iam::111122223333:role/EnvParityReadOnly", "--external-id", "a b",
            ][..],
            "assume_role.external_id",
        ),
        (
            &["env", "add", "payments", "--external-id", "shop"][..],
            "--assume-role",
        ),
    ] {
        s.run(args).code(2).stderr_has(&[problem]);
        assert_eq!(DbFiles::of(s.db()), before, "`{}` changed the database", args.join(" "));
    }
}

//! Team workspaces on PostgreSQL (issue 20), through the real binary: `demo`, `diff`, `check`
//! and `exception` on a `postgres://` URL give what they give on a file, byte for byte; a URL is
//! never taken for a path nor may hold a password; `workspace copy` moves a workspace both ways
//! into an empty destination only; three writer processes and a reader share one database.
//! Needs the cluster of scripts/pg.sh (skipped by hand without it; ENVPARITY_REQUIRE_PG=1 fails).

use std::path::Path;

use parity_testkit::pg::fresh_database;

use crate::support::{workspace_file, Sandbox};

const LOG_LEVEL: &str = "ssm.parameter/api/log_level";

/// The exception both tests add: prod and dev log at their own levels.
const LOG_LEVEL_EXCEPTION: &[&str] = &[
    "exception",
    "add",
    "--id",
    "log-levels",
    "--resource",
    LOG_LEVEL,
    "--attribute",
    "value",
    "--env",
    "prod",
    "--env",
    "dev",
    "--justification",
    "Each environment logs at its own level.",
    "--owner",
    "sre-team",
];

/// What a user sees of a workspace, for comparing two of them.
fn view(s: &Sandbox, db: &Path) -> String {
    let mut out = String::new();
    for args in [
        &["diff", "--format", "json"][..],
        &["env", "list"],
        &["snapshots"],
        &["exception", "list"],
        &["export"],
    ] {
        let run = s.run_on(db, args);
        out.push_str(&format!("$ {}\n{}\n", args.join(" "), run.ok()));
    }
    out
}

#[test]
fn demo_diff_check_and_exceptions_on_postgres_match_sqlite_byte_for_byte() {
    let Some(url) = fresh_database("cli_demo") else {
        return;
    };
    let pg = Path::new(&url);
    let s = Sandbox::new();
    s.run(&["demo"]).code(0);
    s.run_on(pg, &["demo"]).code(0);
    let file_diff = s.run(&["diff", "--format", "json"]).ok().to_string();
    let pg_diff = s.run_on(pg, &["diff", "--format", "json"]).ok().to_string();
    assert_eq!(pg_diff, file_diff);
    let check = s.run(&["check"]);
    check.code(1);
    let pg_check = s.run_on(pg, &["check"]);
    pg_check.code(1);
    assert_eq!(pg_check.stdout, check.stdout);

    // an exception on the team database: the row becomes intentional, with its audit trail
    s.run_on(pg, LOG_LEVEL_EXCEPTION).code(0);
    s.run(LOG_LEVEL_EXCEPTION).code(0);
    let doc = s.run_on(pg, &["diff", "--format", "json"]).json();
    let row = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == LOG_LEVEL && r["attribute"] == "value")
        .cloned()
        .unwrap_or_default();
    assert_eq!(row["status"], "intentional", "{row}");
    s.run_on(pg, &["exception", "history", "log-levels"])
        .stdout_has(&["create"]);
    assert_eq!(view(&s, pg), view(&s, s.db()));
}

#[test]
fn a_url_is_never_a_path_and_never_carries_a_password() {
    let s = Sandbox::new();
    for url in [
        "postgres://ci:hunter2@127.0.0.1:1/parity",
        "postgresql://ci@127.0.0.1:1/parity?password=hunter2",
    ] {
        let run = s.run_on(Path::new(url), &["demo"]);
        run.code(2).stderr_has(&["holds a password"]);
        assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
        // through ENVPARITY_DB too
        let run = s.run_env(&[("ENVPARITY_DB", url)], &["env", "list"]);
        assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    }
    let run = s.run_on(Path::new("mysql://ci@127.0.0.1/parity"), &["demo"]);
    run.code(2)
        .stderr_has(&["not a database EnvParity can use"]);
    // nothing in the working directory: no `postgres:` folder, no SQLite file
    let left: Vec<_> = std::fs::read_dir(s.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.iter()
            .all(|n| !n.to_string_lossy().starts_with("postgres")
                && !n.to_string_lossy().starts_with("mysql")),
        "{left:?}"
    );
}

#[test]
fn workspace_copy_moves_a_workspace_both_ways_into_an_empty_destination_only() {
    let (Some(to_pg), Some(other_pg)) = (fresh_database("copy_to"), fresh_database("copy_other"))
    else {
        return;
    };
    let s = Sandbox::demo();
    s.run(&["exception", "edit", &s.exception_ids()[0], "--owner", "dba"])
        .code(0);
    let src = s.db().to_str().unwrap().to_string();
    // file → PostgreSQL
    s.run(&["workspace", "copy", &src, &to_pg])
        .code(0)
        .stdout_has(&["copied workspace", "3 environments"]);
    assert_eq!(view(&s, Path::new(&to_pg)), view(&s, s.db()));
    for id in s.exception_ids() {
        assert_eq!(
            s.run_on(Path::new(&to_pg), &["exception", "history", &id])
                .ok(),
            s.run(&["exception", "history", &id]).ok()
        );
    }
    // PostgreSQL → a new file
    let back = s.path("back.sqlite");
    s.run(&["workspace", "copy", &to_pg, back.to_str().unwrap()])
        .code(0);
    assert_eq!(view(&s, &back), view(&s, s.db()));
    // the destination must be empty: exit 2, nothing written
    s.run_on(Path::new(&other_pg), &["demo"]).code(0);
    let before = view(&s, Path::new(&other_pg));
    s.run(&["workspace", "copy", &src, &other_pg])
        .code(2)
        .stderr_has(&["not empty"]);
    assert_eq!(view(&s, Path::new(&other_pg)), before);
    let before = view(&s, &back);
    s.run(&["workspace", "copy", &to_pg, back.to_str().unwrap()])
        .code(2);
    assert_eq!(view(&s, &back), before);
    // new snapshots after a copy get ids after the copied ones
    s.run_on(Path::new(&to_pg), &["demo"]).code(0);
    let ids: Vec<i64> = s
        .run_on(Path::new(&to_pg), &["diff", "--format", "json"])
        .json()["snapshots"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    assert!(ids.iter().all(|&i| i > 3), "{ids:?}");
}

#[test]
fn three_writer_processes_and_a_reader_share_one_team_database() {
    let Some(url) = fresh_database("cli_concurrency") else {
        return;
    };
    let db = Path::new(&url);
    let s = Sandbox::new();
    s.run_on(db, &["demo"]).code(0);
    let before = s.run_on(db, &["exception", "list"]).ok().lines().count();
    const ADDS: usize = 8;
    let file = s.file("perf.toml", &workspace_file("perf", "imported", 20));
    let barrier = std::sync::Barrier::new(4);
    let reads = std::thread::scope(|scope| {
        for writer in ["a", "b"] {
            let (s, barrier) = (&s, &barrier);
            scope.spawn(move || {
                barrier.wait();
                s.add_exceptions(db, writer, ADDS);
            });
        }
        let (s, barrier, file) = (&s, &barrier, &file);
        scope.spawn(move || {
            barrier.wait();
            for _ in 0..ADDS {
                s.run_on(db, &["import", file]).code(0);
            }
        });
        let reader = scope.spawn(move || {
            barrier.wait();
            (0..ADDS)
                .map(|_| {
                    let doc = s.run_on(db, &["diff", "--format", "json"]).json();
                    doc["environments"].as_array().map(Vec::len).unwrap_or(0)
                })
                .collect::<Vec<_>>()
        });
        reader.join().unwrap()
    });
    assert!(reads.iter().all(|&n| n == 3 || n == 4), "{reads:?}");
    let list = s.run_on(db, &["exception", "list"]).ok().to_string();
    for writer in ["a", "b"] {
        for i in 0..ADDS {
            let id = format!("{writer}-{i}");
            assert!(list.contains(&id), "{id} lost:\n{list}");
            let history = s.run_on(db, &["exception", "history", &id]);
            assert_eq!(
                history.ok().matches("create").count(),
                1,
                "{}",
                history.stdout
            );
        }
    }
    assert!(list.lines().count() >= before + 2 * ADDS + 20, "{list}");
}

/// The variables that name who writes; set empty (= unset) so the machine running the tests
/// does not decide what is recorded.
const WHO_VARS: &[&str] = &[
    "ENVPARITY_ACTOR",
    "ENVPARITY_COLLECTED_BY",
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "JENKINS_URL",
    "TF_BUILD",
    "CIRCLECI",
    "BUILDKITE",
];

/// Who (docs/CONTRACTS.md "Who changed an exception, who collected a snapshot"), the same on a
/// file and on PostgreSQL: `--actor` or `ENVPARITY_ACTOR` in the exception history, the CI
/// pipeline its variables name (else `actor@host`) in the snapshot listing; a bad actor is
/// refused with exit 2 and nothing written.
#[test]
fn the_actor_and_collected_by_are_recorded_and_shown_on_both_backends() {
    let s = Sandbox::new();
    let mut dbs = vec![s.db().to_path_buf(), s.path("second.sqlite")];
    let pg = (fresh_database("cli_who"), fresh_database("cli_who2"));
    if let (Some(a), Some(b)) = &pg {
        dbs.extend([a.into(), b.into()]);
    }
    for pair in dbs.chunks(2) {
        let (db, other) = (&pair[0], &pair[1]);
        let run_on = |db: &Path, vars: &[(&str, &str)], args: &[&str]| {
            let mut all: Vec<(&str, &str)> = WHO_VARS.iter().map(|v| (*v, "")).collect();
            all.extend_from_slice(vars);
            s.run_env_on(db, &all, args)
        };
        let run = |vars: &[(&str, &str)], args: &[&str]| run_on(db, vars, args);
        // a pipeline: the demo's snapshots name it
        let github = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/infra"),
            ("GITHUB_RUN_ID", "42"),
        ];
        run(&github, &["demo"]).code(0);
        run(&[], &["snapshots"]).stdout_has(&["by github-actions:acme/infra run 42"]);
        // a person on a machine
        run_on(other, &[("ENVPARITY_ACTOR", "cara")], &["demo"]).code(0);
        run_on(other, &[], &["snapshots"]).stdout_has(&["by cara@"]);

        let add = |vars: &[(&str, &str)], extra: &[&str]| {
            let mut args = LOG_LEVEL_EXCEPTION.to_vec();
            args.extend_from_slice(extra);
            run(vars, &args)
        };
        add(&[("ENVPARITY_ACTOR", "bob")], &["--actor", "ana"]).code(0);
        run(
            &[("ENVPARITY_ACTOR", "bob")],
            &["exception", "rm", "log-levels"],
        )
        .code(0);
        let history = run(&[], &["exception", "history", "log-levels"]);
        history.stdout_has(&["create  via cli     by ana", "delete  via cli     by bob"]);
        // a bad actor: exit 2, nothing written
        let before = run(&[], &["exception", "history", "log-levels"])
            .ok()
            .to_string();
        add(&[], &["--actor", "glpat-abcdefghijklmnopqrstuvwx"])
            .code(2)
            .stderr_has(&["--actor", "looks like a secret"]);
        add(&[("ENVPARITY_ACTOR", "a\tb")], &[])
            .code(2)
            .stderr_has(&["control character"]);
        assert_eq!(
            run(&[], &["exception", "history", "log-levels"]).ok(),
            before
        );
    }
}

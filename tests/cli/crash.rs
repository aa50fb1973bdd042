//! kill -9 (issue 14 §5): a real `envparity` process is killed at the worst moment — its write
//! transaction done, the commit not yet — and afterwards the database opens, passes
//! `PRAGMA integrity_check`, and holds exactly the previous state; the same command run to the
//! end then gives exactly the new one. The process says when it is there
//! (`parity_store::HOLD_ENV`, a test-only switch; `support::kill_at_commit`), so the kill is not timed by a sleep.

use std::process::{Command, Stdio};

use crate::support::{binary, integrity_ok, kill_at_commit, Sandbox, NOW};

/// Runs `envparity --db DB ARGS` until it is about to commit, then kills it with SIGKILL.
fn kill_before_commit(s: &Sandbox, args: &[&str]) {
    let mut cmd = Command::new(binary());
    cmd.arg("--db")
        .arg(s.db())
        .args(args)
        .env("ENVPARITY_NOW", NOW)
        .env_remove("ENVPARITY_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    kill_at_commit(cmd, 1);
}

#[test]
fn a_tfstate_import_killed_before_commit_leaves_the_previous_state_then_completes() {
    let s = Sandbox::demo();
    let state = format!(
        "{}/fixtures/tfstate/prod-like-seed.tfstate.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let before = s.observable_state();
    kill_before_commit(&s, &["tfstate", "import", "tf-prod", &state]);
    integrity_ok(s.db());
    assert_eq!(
        s.observable_state(),
        before,
        "the killed import left a trace"
    );
    s.run(&["tfstate", "import", "tf-prod", &state]).ok();
    integrity_ok(s.db());
    let after = s.run(&["snapshots", "tf-prod"]);
    assert_eq!(
        after
            .ok()
            .lines()
            .filter(|l| l.contains("terraform"))
            .count(),
        1,
        "{}",
        after.stdout
    );
}

#[test]
fn a_workspace_import_killed_before_commit_leaves_the_previous_state_then_completes() {
    let s = Sandbox::demo();
    let file = s.file(
        "more.toml",
        "[[environment]]\nname = \"qa\"\nregions = [\"us-east-1\"]\n\n[[exception]]\nid = \"qa-size\"\nresource = \"ec2.instance/*\"\nattribute = \"instance_type\"\nenvironments = [\"qa\"]\njustification = \"smaller\"\nowner = \"qa-team\"\n",
    );
    let before = s.observable_state();
    kill_before_commit(&s, &["import", &file]);
    integrity_ok(s.db());
    assert_eq!(
        s.observable_state(),
        before,
        "the killed import left a trace"
    );
    s.run(&["import", &file]).ok();
    integrity_ok(s.db());
    assert!(s.exception_ids().contains(&"qa-size".to_string()));
}

#[test]
fn a_demo_snapshot_write_killed_before_commit_leaves_the_previous_snapshots() {
    // `demo` on the demo workspace adds fresh snapshots of every environment in one transaction,
    // the same write a collection makes (`store_collected` → one snapshot transaction each).
    let s = Sandbox::demo();
    let before = s.observable_state();
    kill_before_commit(&s, &["demo"]);
    integrity_ok(s.db());
    assert_eq!(s.observable_state(), before);
}

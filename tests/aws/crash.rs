//! kill -9 during a real collection (issue 14 §5): `envparity collect` of two environments from
//! moto is killed just before it commits the first environment's snapshot, then just before the
//! second's. Each time the database opens, passes `PRAGMA integrity_check`, and every
//! environment holds exactly its previous snapshots or one more, whole (a collection stores each
//! environment's snapshot in its own transaction). The process says when it is at the commit
//! (`parity_store::HOLD_ENV` set to N holds the Nth committing write), so no sleep times the kill.

use parity_testkit::moto::Moto;

use crate::cli_support::{integrity_ok, kill_at_commit};
use crate::support::AwsSandbox;

/// Runs `envparity collect` until it is about to make its `nth` commit, then SIGKILLs it.
fn kill_collect_at_commit(ws: &AwsSandbox, nth: usize) {
    kill_at_commit(ws.command(&["collect"]), nth);
}

/// An environment's snapshots as (id, resource count), oldest first, from `envparity snapshots ENV`
/// (lines `ID  ENV  TIME  SOURCE  N resources  STATUS`).
fn snapshots(ws: &AwsSandbox, env: &str) -> Vec<(i64, u64)> {
    let run = ws.run(&["snapshots", env]);
    let mut out: Vec<(i64, u64)> = run
        .ok()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words
                .iter()
                .position(|w| *w == "resources")
                .unwrap_or_else(|| panic!("no resource count in `{l}`"));
            (
                words[0]
                    .parse()
                    .unwrap_or_else(|_| panic!("no id in `{l}`")),
                words[at - 1]
                    .parse()
                    .unwrap_or_else(|_| panic!("no count in `{l}`")),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_collection_killed_at_each_commit_keeps_whole_snapshots_only() {
    let moto = Moto::start();
    moto.seed(&["drift"]);
    let ws = AwsSandbox::new();
    ws.add_env("dev", "dev", &moto.endpoint(), &[]);
    ws.add_env("prod", "prod", &moto.endpoint(), &[]);
    ws.run(&["collect"]).ok();
    let dev = snapshots(&ws, "dev");
    let prod = snapshots(&ws, "prod");
    assert_eq!((dev.len(), prod.len()), (1, 1));
    assert!(dev[0].1 > 0 && prod[0].1 > 0, "{dev:?} {prod:?}");

    // Killed before the first environment's commit: nothing new anywhere.
    kill_collect_at_commit(&ws, 1);
    integrity_ok(ws.db());
    assert_eq!(snapshots(&ws, "dev"), dev);
    assert_eq!(snapshots(&ws, "prod"), prod);

    // Killed before the second's: one environment has one more snapshot, whole (the emulator
    // did not change, so it holds as many resources as before); the other is untouched.
    kill_collect_at_commit(&ws, 2);
    integrity_ok(ws.db());
    let (dev2, prod2) = (snapshots(&ws, "dev"), snapshots(&ws, "prod"));
    let (grown, grown_before, kept, kept_before) = if dev2.len() > dev.len() {
        (dev2, &dev, prod2, &prod)
    } else {
        (prod2, &prod, dev2, &dev)
    };
    assert_eq!(&kept, kept_before, "the environment not yet stored changed");
    assert_eq!(grown.len(), grown_before.len() + 1, "{grown:?}");
    assert_eq!(grown.last().unwrap().1, grown_before[0].1, "{grown:?}");

    // Run to the end: both get a new, whole snapshot.
    ws.run(&["collect"]).ok();
    integrity_ok(ws.db());
    for (env, before) in [("dev", &dev), ("prod", &prod)] {
        let now = snapshots(&ws, env);
        assert!(now.len() > before.len(), "{env}: {now:?}");
        assert_eq!(now.last().unwrap().1, before[0].1, "{env}: {now:?}");
    }
}

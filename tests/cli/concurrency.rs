//! Several writers on one workspace (issue 14 §1): real processes, started together, each
//! writing through the real binary; nothing fails with `database is locked`, nothing is lost.

use crate::support::{workspace_file, Sandbox};

#[test]
fn several_processes_writing_one_workspace_at_once_lose_nothing() {
    let s = Sandbox::demo();
    let file = s.file("perf.toml", &workspace_file("perf", "imported", 30));
    const ADDS: usize = 12;
    let before = s.exception_ids().len();
    // Two processes adding exceptions one after another and one importing the workspace file
    // over and over, all at the same time.
    let barrier = std::sync::Barrier::new(3);
    std::thread::scope(|scope| {
        for writer in ["a", "b"] {
            let (s, barrier) = (&s, &barrier);
            scope.spawn(move || {
                barrier.wait();
                s.add_exceptions(s.db(), writer, ADDS);
            });
        }
        let (s, barrier, file) = (&s, &barrier, &file);
        scope.spawn(move || {
            barrier.wait();
            for _ in 0..ADDS {
                s.run(&["import", file]).code(0);
            }
        });
    });
    let ids = s.exception_ids();
    assert_eq!(ids.len(), before + 2 * ADDS + 30, "{ids:?}");
    for writer in ["a", "b"] {
        for i in 0..ADDS {
            let id = format!("{writer}-{i}");
            assert!(ids.contains(&id), "{id} lost: {ids:?}");
            // each created exactly once, with its audit entry
            let history = s.run(&["exception", "history", &id]);
            assert_eq!(
                history.ok().matches("create").count(),
                1,
                "{}",
                history.stdout
            );
        }
    }
    assert!(ids.iter().filter(|i| i.starts_with("imported-")).count() == 30);
}

#[test]
fn concurrent_edits_of_different_fields_both_land() {
    let s = Sandbox::demo();
    let id = s.exception_ids()[0].clone();
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|scope| {
        let (s, barrier, id) = (&s, &barrier, &id);
        scope.spawn(move || {
            barrier.wait();
            for i in 0..8 {
                s.run(&["exception", "edit", id, "--owner", &format!("owner-{i}")])
                    .code(0);
            }
        });
        scope.spawn(move || {
            barrier.wait();
            for i in 0..8 {
                s.run(&["exception", "edit", id, "--ticket", &format!("T-{i}")])
                    .code(0);
            }
        });
    });
    let export = s.run(&["export"]);
    let text = export.ok();
    assert!(text.contains("owner = \"owner-7\""), "{text}");
    assert!(text.contains("ticket = \"T-7\""), "{text}");
}

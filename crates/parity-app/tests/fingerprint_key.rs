//! The fingerprint key is created once per workspace even when several processes (here:
//! connections on threads, each with its own database connection, as processes have) resolve it
//! at the same moment: all get the same key. Needs a real OS keyring (a D-Bus session with an
//! unlocked gnome-keyring, as scripts/test provides); without one it is skipped, unless
//! ENVPARITY_REQUIRE_KEYRING=1.

use std::sync::Barrier;

use chrono::Utc;
use parity_app::{DbOpenMode, Workspace};

#[test]
fn racing_resolvers_of_a_new_workspace_all_get_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.sqlite");
    let probe = Workspace::open(&path, DbOpenMode::CreateIfMissing, Utc::now()).unwrap();
    // Probe the keyring with a throwaway entry (not this workspace's key).
    if let Err(e) = parity_app::credentials::keyring_available() {
        if std::env::var_os("ENVPARITY_REQUIRE_KEYRING").is_some() {
            panic!("no OS keyring: {e}");
        }
        eprintln!("skipped: no OS keyring ({e})");
        return;
    }
    drop(probe);
    const N: usize = 6;
    let start = Barrier::new(N);
    let keys: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..N)
            .map(|_| {
                scope.spawn(|| {
                    let ws = Workspace::open(&path, DbOpenMode::Existing, Utc::now()).unwrap();
                    start.wait();
                    ws.keyring_fingerprint_key().unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(keys[0].len(), 32);
    assert!(
        keys.iter().all(|k| k == &keys[0]),
        "different keys were created"
    );
}

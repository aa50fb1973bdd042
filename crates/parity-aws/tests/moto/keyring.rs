//! Static keys in a real OS keyring (Secret Service), used for a real collect against moto.
//! Runs when a keyring is reachable; with ENVPARITY_REQUIRE_KEYRING=1 a missing keyring fails.

use parity_aws::{
    collect, fingerprint_key, CollectContext, KeyringError, KeyringStore, StaticKeys,
};
use parity_core::Credentials;

use crate::support::{self, moto::Moto, proxy::RecordingProxy};

/// Whether to run: a reachable keyring, or a failure when one is required.
fn keyring_available() -> bool {
    let required = std::env::var("ENVPARITY_REQUIRE_KEYRING").is_ok_and(|v| v == "1");
    match KeyringStore::new().probe() {
        Ok(()) => true,
        Err(e) => {
            assert!(
                !required,
                "ENVPARITY_REQUIRE_KEYRING=1 but no keyring is reachable: {e}"
            );
            eprintln!("skipping: {e}");
            false
        }
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyring_stored_keys_drive_a_real_collect() {
    support::init();
    if !keyring_available() {
        return;
    }
    let store = KeyringStore::new();
    let uuid = unique("ws");
    let keys = StaticKeys {
        access_key_id: "AKIAKEYRINGTEST".into(),
        secret_access_key: "keyring-secret-value".into(),
        session_token: Some("keyring-session-token".into()),
    };
    store.set(&uuid, "prod", &keys).unwrap();
    assert_eq!(store.get(&uuid, "prod").unwrap(), Some(keys.clone()));
    assert_eq!(store.get(&uuid, "staging").unwrap(), None);

    let key = fingerprint_key(&uuid).unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(
        fingerprint_key(&uuid).unwrap(),
        key,
        "created once, then reused"
    );

    let moto = Moto::start();
    moto.seed(&["drift"]);
    let proxy = RecordingProxy::start(moto.port, &[]).await;
    let mut env = support::env("prod", &proxy.endpoint());
    env.credentials = Some(Credentials::Keyring { keyring: true });
    // No fingerprint key given: the workspace's key comes from the keyring.
    let ctx = CollectContext::new(&uuid);
    let snapshot = collect(&env, &ctx, &|_| {}).await;
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    assert!(snapshot.resources.iter().any(|r| r.kind == "ec2.instance"));
    let api_key = snapshot
        .resources
        .iter()
        .find(|r| r.native_id == "/prod/stripe/api-key")
        .unwrap();
    let expected = parity_aws::ValueFingerprinter::new(key).token("sk_live_shared_9f8e");
    assert_eq!(api_key.attributes["value"], expected.as_str());
    let recorded = proxy.recorded();
    assert!(!recorded.is_empty());
    assert!(recorded
        .iter()
        .all(|r| r.access_key_id == "AKIAKEYRINGTEST"));
    let json = serde_json::to_string(&snapshot).unwrap();
    assert!(!json.contains("keyring-secret-value") && !json.contains("keyring-session-token"));

    assert!(store.delete(&uuid, "prod").unwrap());
    assert!(!store.delete(&uuid, "prod").unwrap());
    let snapshot = collect(&env, &ctx, &|_| {}).await;
    assert_eq!(snapshot.missing.len(), parity_aws::KINDS.len());
    assert!(
        snapshot.missing[0]
            .reason
            .contains("no static keys stored for environment `prod`"),
        "{}",
        snapshot.missing[0].reason
    );
}

#[test]
fn no_keyring_is_a_plain_error() {
    // The message users see when no Secret Service is reachable.
    let err = KeyringError::Unavailable {
        detail: "Unable to autolaunch a dbus-daemon".into(),
    };
    assert!(err
        .to_string()
        .starts_with("no OS keyring available: Unable to autolaunch a dbus-daemon"));
    assert!(err
        .to_string()
        .contains("gnome-keyring must be running in a D-Bus session"));
}

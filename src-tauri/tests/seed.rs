//! The desktop's tooling binary as a user of it runs it. Declaring this integration test also
//! makes `cargo test` build the app's binaries, which the E2E run reuses.

use std::process::Command;

#[test]
fn seed_generates_a_large_workspace_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("large.sqlite");
    let seed = env!("CARGO_BIN_EXE_envparity-seed");
    let out = Command::new(seed)
        .args(["large", db.to_str().unwrap(), "300"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("prod: 300 resources"), "{text}");
    assert!(text.contains("failing"), "{text}");
    let again = Command::new(seed)
        .args(["large", db.to_str().unwrap(), "10"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn seed_adds_an_html_tag_value_to_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.sqlite");
    let out = Command::new(env!("CARGO_BIN_EXE_envparity-seed"))
        .args(["xss", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<img src=x onerror=alert(1)>"));
    // the app binary was built alongside (the E2E run uses it)
    assert!(std::path::Path::new(env!("CARGO_BIN_EXE_envparity-desktop")).exists());
}

//! Removing an environment with keyring credentials, as `envparity env rm` does it: a refused
//! removal (an exception names the environment) keeps both the environment and its keys; a
//! removal that succeeds deletes the keys from the OS keyring too.

use crate::support::{keyring_required, AwsSandbox};

const KEY_ID: &str = "AKIAKEYRINGRMTEST001";

#[test]
fn env_rm_deletes_keyring_keys_only_after_the_removal_succeeded() {
    let ws = AwsSandbox::new();
    // never contacted: nothing here collects
    ws.add_env("staging", "staging", "http://127.0.0.1:9", &[]);
    let stdin = format!("{KEY_ID}\nsecret-for-env-rm-test\n\n");
    let set = ws.run_with_stdin(&["credentials", "set", "staging"], Some(&stdin));
    if set.code != 0 {
        assert!(
            !keyring_required(),
            "ENVPARITY_REQUIRE_KEYRING=1 but `credentials set` failed:\n{}",
            set.stderr
        );
        eprintln!("skipping: no OS keyring ({})", set.stderr.trim());
        return;
    }
    let exception = [
        "exception",
        "add",
        "--id",
        "keep-staging",
        "--resource",
        "ec2.instance/api",
        "--attribute",
        "instance_type",
        "--env",
        "staging",
        "--justification",
        "testing removal",
        "--owner",
        "platform",
    ];
    ws.run(&exception).ok();

    // refused: the environment and its keys stay
    ws.run(&["env", "rm", "staging"])
        .code(2)
        .stderr_has(&["staging", "named by exceptions"]);
    assert!(ws.run(&["env", "list"]).ok().contains("staging"));
    let rm = ws.run(&["credentials", "rm", "staging"]);
    // that proves the keys were still there; put them back
    assert!(
        rm.ok().contains("Removed the keys of `staging`"),
        "{}",
        rm.stdout
    );
    ws.run_with_stdin(&["credentials", "set", "staging"], Some(&stdin))
        .ok();

    // allowed: the environment goes, and its keys with it
    ws.run(&["exception", "rm", "keep-staging"]).ok();
    let rm = ws.run(&["env", "rm", "staging"]);
    assert!(
        rm.ok()
            .contains("static keys were deleted from the OS keyring"),
        "{}",
        rm.stdout
    );
    // a new environment of that name finds no keys left behind
    ws.add_env("staging", "staging", "http://127.0.0.1:9", &["--keyring"]);
    let gone = ws.run(&["credentials", "rm", "staging"]).ok().to_string();
    assert!(gone.contains("held no keys"), "{gone}");
}

//! `env add`, `env list` and `env rm`: environments are configuration; removing one takes its
//! snapshots with it and is refused while an exception names it.

use crate::support::{Sandbox, Untouched};

#[test]
fn env_add_creates_the_workspace_and_env_list_shows_the_configuration() {
    let s = Sandbox::new();
    s.run(&[
        "env",
        "add",
        "prod",
        "--profile",
        "shop-prod",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--alias",
        "live",
        "--tag",
        "Environment=prod",
    ])
    .code(0)
    .stdout_has(&["`prod`"]);
    s.run(&["env", "add", "dev", "--may-differ-in", "size,version"])
        .code(2)
        .stderr_has(&["--may-differ-in"]);
    s.run(&[
        "env",
        "add",
        "dev",
        "--may-differ-in",
        "size",
        "--may-differ-in",
        "version",
    ])
    .code(0);

    let list = s.run(&["env", "list"]);
    list.stdout_has(&[
        "prod",
        "profile shop-prod",
        "us-east-1,eu-west-1",
        "aliases live",
        "no snapshot",
        "dev",
        "may differ in size,version",
    ]);
    let export = s.run(&["export"]).ok().to_string();
    for fragment in [
        "name = \"prod\"",
        "aliases = [\"live\"]",
        "regions = [\"us-east-1\", \"eu-west-1\"]",
        "may_differ_in = [\"size\", \"version\"]",
        "shop-prod",
    ] {
        assert!(
            export.contains(fragment),
            "export lacks `{fragment}`:\n{export}"
        );
    }
}

#[test]
fn env_add_refuses_an_existing_name_unless_replace_is_given() {
    let s = Sandbox::new();
    s.run(&["env", "add", "prod", "--region", "us-east-1"])
        .code(0);
    let untouched = Untouched::capture(&s);
    s.run(&["env", "add", "prod", "--region", "eu-west-1"])
        .code(2)
        .stderr_has(&["`prod`", "already exists", "--replace"]);
    untouched.assert();
    s.run(&["env", "add", "prod", "--region", "eu-west-1", "--replace"])
        .code(0);
    s.run(&["env", "list"]).stdout_has(&["eu-west-1"]);
    s.run(&["env", "add", "prod", "--profile", "p", "--keyring"])
        .code(2)
        .stderr_has(&["--profile", "--keyring"]);
}

#[test]
fn env_rm_removes_an_environment_and_its_snapshots() {
    let s = Sandbox::demo();
    // no demo exception names dev
    s.run(&["env", "rm", "dev"]).code(0).stdout_has(&["`dev`"]);
    let list = s.run(&["env", "list"]).ok().to_string();
    assert!(!list.lines().any(|l| l.starts_with("dev ")), "{list}");
    let snapshots = s.run(&["snapshots"]).ok().to_string();
    assert!(!snapshots.contains(" dev "), "{snapshots}");
    let doc = s.diff_json(&[]);
    assert_eq!(doc["environments"], serde_json::json!(["staging", "prod"]));
    s.run(&["diff", "dev"]).code(2).stderr_has(&["`dev`"]);
}

#[test]
fn env_rm_is_refused_while_an_exception_names_the_environment() {
    let s = Sandbox::demo();
    let untouched = Untouched::capture(&s);
    let refused = s.run(&["env", "rm", "prod"]);
    refused
        .code(2)
        .stderr_has(&["`prod`", "remove or edit them first"]);
    for id in s.exception_ids() {
        refused.stderr_has(&[&id]);
    }
    untouched.assert();

    // an exception naming staging only through an expected value also blocks its removal
    s.run(&[
        "exception",
        "add",
        "--id",
        "staging-flag",
        "--resource",
        "ssm.parameter/features/new_checkout",
        "--attribute",
        "exists",
        "--env",
        "prod",
        "--expect",
        "staging=true",
        "--justification",
        "The new checkout is trialled in staging.",
        "--owner",
        "web-team",
    ])
    .code(0);
    s.run(&["env", "rm", "staging"])
        .code(2)
        .stderr_has(&["staging-flag"]);
    s.run(&["exception", "rm", "staging-flag"]).code(0);
    s.run(&["env", "rm", "staging"]).code(0);
}

#[test]
fn env_add_sets_feature_flags_and_replace_keeps_what_it_is_given() {
    let s = Sandbox::new();
    s.run(&[
        "env",
        "add",
        "prod",
        "--feature-flags",
        "feature-flags",
        "--flags-name-attribute",
        "flag",
    ])
    .code(0);
    let export = s.run(&["export"]).ok().to_string();
    assert!(
        export.contains(
            "feature_flags = { table = \"feature-flags\", environment_attribute = \"environment\", name_attribute = \"flag\" }"
        ),
        "{export}"
    );
    // --replace saves exactly the options given: flags stay when they are given again
    s.run(&[
        "env",
        "add",
        "prod",
        "--region",
        "eu-west-1",
        "--feature-flags",
        "flags-v2",
        "--replace",
    ])
    .code(0);
    let export = s.run(&["export"]).ok().to_string();
    assert!(export.contains("table = \"flags-v2\""), "{export}");
    assert!(export.contains("eu-west-1"), "{export}");
    // a bad table name is refused and changes nothing
    let untouched = Untouched::capture(&s);
    s.run(&["env", "add", "prod", "--feature-flags", "x", "--replace"])
        .code(2)
        .stderr_has(&["feature_flags.table `x`"]);
    untouched.assert();
    // attribute options without a table are a usage error
    s.run(&["env", "add", "qa", "--flags-name-attribute", "flag"])
        .code(2)
        .stderr_has(&["--feature-flags"]);
}

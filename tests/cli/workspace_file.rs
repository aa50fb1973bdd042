//! The workspace file (TOML): export → import → export is identical, importing is idempotent, an
//! exception without an id gets a stable derived one, and nothing the file does not name is
//! deleted.

use crate::support::{DbFiles, Sandbox, NOW};

const EXCEPTION_WITHOUT_ID: &str = r#"
[[environment]]
name = "prod"
regions = ["us-east-1"]

[[environment]]
name = "staging"
regions = ["us-east-1"]

[[exception]]
resource = "rds.db_instance/orders-db"
attribute = "multi_az"
environments = ["prod"]
expected = { prod = true }
justification = "Prod needs redundancy; staging runs single-AZ to save cost."
owner = "platform-team"
"#;

#[test]
fn export_imported_into_a_fresh_database_exports_byte_identical() {
    let demo = Sandbox::demo();
    let first = demo.run(&["export"]).ok().to_string();
    assert!(first.contains("name = \"shop-demo\""), "{first}");
    assert!(first.contains("[[exception]]"), "{first}");

    // export to a file writes exactly what stdout shows
    let file = demo.path("shop.toml");
    let file_arg = file.display().to_string();
    demo.run(&["export", &file_arg]).code(0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first);

    let fresh = Sandbox::new();
    fresh
        .run(&["import", &file_arg])
        .code(0)
        .stdout_has(&["environments added: dev, staging, prod", "prod-multi-az"]);
    let second = fresh.run(&["export"]).ok().to_string();
    assert_eq!(second, first);
}

#[test]
fn export_writes_inline_tables_as_documented() {
    // docs/CONTRACTS.md writes `tags = { Environment = "prod" }` and `expected = { prod = true }`
    let demo = Sandbox::demo();
    let export = demo.run(&["export"]).ok().to_string();
    for line in [
        "tags = { Environment = \"prod\" }",
        "expected = { prod = true }",
    ] {
        assert!(
            export.lines().any(|l| l == line),
            "export lacks the line `{line}`:\n{export}"
        );
    }
}

#[test]
fn importing_the_same_file_twice_changes_nothing() {
    let demo = Sandbox::demo();
    let file = demo.path("shop.toml").display().to_string();
    demo.run(&["export", &file]).code(0);

    let s = Sandbox::new();
    s.run(&["import", &file]).code(0);
    let before = s.observable_state();
    let files = DbFiles::of(s.db());

    s.run(&["import", &file])
        .code(0)
        .stdout_has(&["nothing to change"]);
    assert_eq!(s.observable_state(), before);
    assert_eq!(DbFiles::of(s.db()).content, files.content);

    // importing its own export into the demo changes nothing either
    demo.run(&["import", &file])
        .code(0)
        .stdout_has(&["nothing to change"]);
}

#[test]
fn an_exception_without_id_gets_a_derived_id_and_importing_it_twice_keeps_one() {
    let s = Sandbox::new();
    let file = s.file("exceptions.toml", EXCEPTION_WITHOUT_ID);
    let first = s.run(&["import", &file]);
    first.code(0);
    let ids = s.exception_ids();
    assert_eq!(ids.len(), 1, "{ids:?}");
    first.stdout_has(&[&ids[0]]);
    let history_before = s.run(&["exception", "history", &ids[0]]).ok().to_string();

    // a day later: same id, one exception, `created` kept from the first import
    let tomorrow = "2026-11-27T09:00:00Z";
    s.run_at(tomorrow, &["import", &file])
        .code(0)
        .stdout_has(&["nothing to change"]);
    assert_eq!(s.exception_ids(), ids);
    let export = s.run(&["export"]).ok().to_string();
    assert!(export.contains("created = \"2026-11-26\""), "{export}");
    assert_eq!(
        s.run(&["exception", "history", &ids[0]]).ok(),
        history_before
    );

    // `exception add` derives the same id for the same resource, attribute and environments
    let other = Sandbox::new();
    other.run(&["env", "add", "prod"]).code(0);
    other
        .run(&[
            "exception",
            "add",
            "--resource",
            "rds.db_instance/orders-db",
            "--attribute",
            "multi_az",
            "--env",
            "prod",
            "--justification",
            "Prod needs redundancy.",
            "--owner",
            "platform-team",
        ])
        .code(0)
        .stdout_has(&[&ids[0]]);
}

#[test]
fn importing_a_file_of_just_exceptions_merges_without_deleting_anything() {
    let s = Sandbox::demo();
    let before = s.exception_ids();
    let file = s.file(
        "more.toml",
        r#"
[[exception]]
id = "dev-log-level"
resource = "ssm.parameter/api/log_level"
attribute = "value"
environments = ["dev"]
justification = "Developers want debug logs."
owner = "dev-team"
expires = 2027-01-31
"#,
    );
    s.run(&["import", &file])
        .code(0)
        .stdout_has(&["exceptions added: dev-log-level"]);
    let after = s.exception_ids();
    assert_eq!(after.len(), before.len() + 1);
    assert!(before.iter().all(|id| after.contains(id)));
    let export = s.run(&["export"]).ok().to_string();
    assert!(export.contains("expires = \"2027-01-31\""), "{export}");
    // the environments, snapshots and the demo's name are kept
    s.run(&["env", "list"])
        .stdout_has(&["dev", "staging", "prod"]);
    assert!(export.contains("name = \"shop-demo\""));
    let doc = s.diff_json(&[]);
    assert_eq!(doc["generated_at"], NOW);
    assert_eq!(
        crate::support::row(&doc, "ssm.parameter/api/log_level", "value")["exceptions"],
        serde_json::json!(["dev-log-level"])
    );
}

#[test]
fn an_import_that_would_change_credentials_or_endpoint_lists_them_and_writes_nothing() {
    let s = Sandbox::new();
    let first = s.file(
        "team.toml",
        "[[environment]]\nname = \"staging\"\ncredentials = { profile = \"shop-staging\" }\nregions = [\"us-east-1\"]\n",
    );
    s.run(&["import", &first]).ok();
    let changed = s.file(
        "changed.toml",
        "[[environment]]\nname = \"staging\"\ncredentials = { profile = \"attacker\" }\nregions = [\"us-east-1\"]\nendpoint_url = \"http://127.0.0.1:9\"\n\n[[environment]]\nname = \"qa\"\nregions = [\"us-east-1\"]\n",
    );
    let before = DbFiles::of(s.db());
    s.run(&["import", &changed]).code(2).stderr_has(&[
        "changed.toml",
        "nothing was imported",
        "environment `staging`: credentials profile `shop-staging` → profile `attacker`",
        "environment `staging`: endpoint AWS → `http://127.0.0.1:9`",
        "--allow-changes",
    ]);
    assert_eq!(
        DbFiles::of(s.db()).content,
        before.content,
        "nothing written"
    );
    let export = s.run(&["export"]);
    assert!(!export.ok().contains("qa"), "not even the new environment");
    // with --allow-changes it applies, and says what it changed
    s.run(&["import", &changed, "--allow-changes"]).ok();
    let export = s.run(&["export"]);
    let text = export.ok();
    assert!(
        text.contains("profile = \"attacker\"") && text.contains("name = \"qa\""),
        "{text}"
    );
    // other changes to an existing environment (regions, tags) need no flag
    let regions = s.file(
        "regions.toml",
        "[[environment]]\nname = \"staging\"\ncredentials = { profile = \"attacker\" }\nregions = [\"eu-west-1\"]\nendpoint_url = \"http://127.0.0.1:9\"\n",
    );
    s.run(&["import", &regions]).ok();
}

#[test]
fn group_numbered_is_stored_exported_and_changes_the_pairing() {
    // docs/CONTRACTS.md "Groups: numbered replicas and Auto Scaling instances"
    let demo = Sandbox::demo();
    let grouped = demo.diff_json(&[]);
    assert_eq!(
        crate::support::row(&grouped, "ec2.instance/web", "count")["raw"]["prod"],
        4
    );
    assert!(
        !demo.run(&["export"]).ok().contains("group_numbered"),
        "the default is not written"
    );

    let off = demo.file("off.toml", "group_numbered = false\n");
    demo.run(&["import", &off]).code(0);
    assert!(demo
        .run(&["export"])
        .ok()
        .lines()
        .any(|l| l == "group_numbered = false"));
    let one_by_one = demo.diff_json(&[]);
    let keys: Vec<&str> = crate::support::rows(&one_by_one)
        .iter()
        .filter(|r| r["attribute"] == "exists")
        .filter_map(|r| r["key"].as_str())
        .filter(|k| k.starts_with("ec2.instance/web"))
        .collect();
    assert_eq!(
        keys,
        vec![
            "ec2.instance/web-01",
            "ec2.instance/web-02",
            "ec2.instance/web-03",
            "ec2.instance/web-04"
        ]
    );
    assert_eq!(
        crate::support::status_of(&one_by_one, "ec2.instance/web-03", "exists"),
        "missing"
    );

    // a file that does not state it keeps the setting; a list of kinds replaces it
    let none = demo.file("none.toml", "name = \"shop-demo\"\n");
    demo.run(&["import", &none]).code(0);
    assert!(demo
        .run(&["export"])
        .ok()
        .contains("group_numbered = false"));
    let kinds = demo.file("kinds.toml", "group_numbered = [\"ec2.instance\"]\n");
    demo.run(&["import", &kinds]).code(0);
    assert!(demo
        .run(&["export"])
        .ok()
        .contains("group_numbered = [\"ec2.instance\"]"));
    let regrouped = demo.diff_json(&[]);
    assert_eq!(
        crate::support::row(&regrouped, "ec2.instance/web", "count")["raw"]["prod"],
        4
    );
    // bad input: named, exit 2, nothing changed
    let bad = demo.file("bad.toml", "group_numbered = \"yes\"\n");
    demo.run(&["import", &bad])
        .code(2)
        .stderr_has(&["bad.toml", "group_numbered"]);
}

#[test]
fn a_changed_assume_role_is_a_credential_change_for_import() {
    let s = Sandbox::new();
    let role = "arn:aws:iam::111122223333:role/EnvParityReadOnly";
    let first = s.file(
        "team.toml",
        &format!("[[environment]]\nname = \"prod\"\ncredentials = {{ profile = \"org\" }}\nassume_role = {{ role_arn = \"{role}\" }}\nregions = [\"us-east-1\"]\n"),
    );
    s.run(&["import", &first]).ok();
    // the export carries it, inline, right after the credentials
    let export = s.run(&["export"]).ok().to_string();
    assert!(
        export.contains(&format!(
            "credentials = {{ profile = \"org\" }}\nassume_role = {{ role_arn = \"{role}\" }}\n"
        )),
        "{export}"
    );
    for (file, change) in [
        (
            "other-role.toml",
            "assume_role = { role_arn = \"arn:aws:iam::444455556666:role/EnvParityReadOnly\" }\n",
        ),
        (
            "external-id.toml",
            "assume_role = { role_arn = \"arn:aws:iam::111122223333:role/EnvParityReadOnly\", external_id = \"other\" }\n",
        ),
        ("no-role.toml", ""),
    ] {
        let changed = s.file(
            file,
            &format!("[[environment]]\nname = \"prod\"\ncredentials = {{ profile = \"org\" }}\n{change}regions = [\"us-east-1\"]\n"),
        );
        let before = DbFiles::of(s.db());
        s.run(&["import", &changed]).code(2).stderr_has(&[
            file,
            "nothing was imported",
            &format!("environment `prod`: assume_role `{role}` → "),
            "--allow-changes",
        ]);
        assert_eq!(DbFiles::of(s.db()).content, before.content, "{file}: nothing written");
    }
    // importing the same role again changes nothing that needs the flag
    s.run(&["import", &first]).ok();
    let moved = s.file(
        "moved.toml",
        "[[environment]]\nname = \"prod\"\ncredentials = { profile = \"org\" }\nassume_role = { role_arn = \"arn:aws:iam::444455556666:role/EnvParityReadOnly\" }\nregions = [\"us-east-1\"]\n",
    );
    s.run(&["import", &moved, "--allow-changes"]).ok();
    assert!(s
        .run(&["export"])
        .ok()
        .contains("arn:aws:iam::444455556666:role/EnvParityReadOnly"));
}

//! Pairing the way teams name things (docs/CONTRACTS.md "Groups: numbered replicas and Auto
//! Scaling instances", "Availability zones: spread, not names"): numbered replicas in moto form
//! one group per environment, zones left to the emulator compare by spread, an exception on the
//! group's `count` covers the replica count, and an Auto Scaling group's capacity exception
//! covers the count of the instances it launched.

use std::collections::BTreeSet;

use parity_testkit::moto::Moto;

use crate::support::{row, AwsSandbox};

const WORKSPACE: &str = r#"
[[exception]]
id = "prod-web-replicas"
resource = "ec2.instance/web"
attribute = "count"
environments = ["prod"]
expected = { prod = 6 }
justification = "Prod serves the traffic: six web replicas; staging runs two."
owner = "platform-team"
created = "2026-11-01"

[[exception]]
id = "prod-api-capacity"
resource = "autoscaling.group/api-asg"
attribute = "{min_size,max_size,desired_capacity}"
environments = ["prod"]
justification = "Prod runs three API instances; staging one."
owner = "platform-team"
created = "2026-11-01"
"#;

#[test]
fn numbered_replicas_group_and_zones_compare_by_spread() {
    let moto = Moto::start();
    let seeded = moto.seed(&["replicas"]);
    let ws = AwsSandbox::new();
    ws.add_env("staging", "staging", &moto.endpoint(), &["--alias", "stg"]);
    ws.add_env("prod", "prod", &moto.endpoint(), &["--alias", "prd"]);
    let file = ws.path("workspace.toml");
    std::fs::write(&file, WORKSPACE).expect("write the workspace file");
    ws.run(&["import", file.to_str().expect("utf-8 path")]).ok();
    ws.run(&["collect"]).ok();

    let doc = ws.diff_json(&[]);
    let unexplained: BTreeSet<(String, String)> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| {
            ["drift", "missing", "violated", "expired"].contains(&r["status"].as_str().unwrap())
        })
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["attribute"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("ec2.instance/web", "instance_type"),
        ("ec2.instance/web", "zone_spread"),
        ("ec2.vpc/main-vpc", "zone_spread"),
    ]
    .into_iter()
    .map(|(k, a)| (k.to_string(), a.to_string()))
    .collect();
    assert_eq!(unexplained, expected, "the unexplained rows: {seeded}");

    // the replica count: one row, intentional under the exception on the group's count
    let count = row(&doc, "ec2.instance/web", "count");
    assert_eq!(count["status"], "intentional");
    assert_eq!(count["raw"]["staging"], 2);
    assert_eq!(count["raw"]["prod"], 6);
    assert_eq!(count["exceptions"][0], "prod-web-replicas");
    // the odd replica's type is compared: prod's set against staging's
    let types = row(&doc, "ec2.instance/web", "instance_type");
    assert_eq!(types["raw"]["staging"], "m5.xlarge");
    assert_eq!(
        types["raw"]["prod"],
        serde_json::json!(["m5.large", "m5.xlarge"])
    );
    // zones: prod spans two, staging one, whatever the zones are called
    for key in ["ec2.instance/web", "ec2.vpc/main-vpc"] {
        let spread = row(&doc, key, "zone_spread");
        assert_eq!(spread["category"], "resilience", "{key}");
        assert_eq!(spread["raw"]["staging"], 1, "{key}");
        assert_eq!(spread["raw"]["prod"], 2, "{key}");
    }
    // Auto Scaling instances roll up under their group: the group's capacity exception covers
    // their count
    let capacity = row(&doc, "autoscaling.group/api-asg", "desired_capacity");
    assert_eq!(capacity["status"], "intentional");
    let instances = row(&doc, "ec2.instance/api-asg", "count");
    assert_eq!(instances["raw"]["staging"], 1);
    assert_eq!(instances["raw"]["prod"], 3);
    assert_eq!(instances["status"], "intentional");
    assert_eq!(instances["exceptions"][0], "prod-api-capacity");
    assert_eq!(
        row(&doc, "ec2.instance/api-asg", "autoscaling_group")["values"]["prod"],
        "autoscaling.group/api-asg"
    );
    // no per-replica key, no per-resource zone row
    for r in doc["rows"].as_array().unwrap() {
        let key = r["key"].as_str().unwrap();
        let attribute = r["attribute"].as_str().unwrap();
        assert!(
            !key.starts_with("ec2.instance/web-"),
            "a replica paired one by one: {key}"
        );
        assert!(
            !attribute.starts_with("availability_zone"),
            "a zone compared by name: {key} {attribute}"
        );
    }
}

//! Issue 6: a Terraform-sourced environment and an API-collected one in one matrix. `staging` is
//! collected from moto (seed.py's `drift` scenario); `prod` is imported from
//! tests/fixtures/tfstate/prod-like-seed.tfstate.json, a hand-written format-4 state of the same
//! shape (VPC, subnets, SGs with rules, an instance, an RDS instance and its parameter group, SSM
//! parameters, plus an internet gateway the collectors do not map) whose one deliberate
//! difference is the instance type (t3.large against staging's t3.medium).

use parity_testkit::moto::Moto;

use crate::support::{row, rows, AwsSandbox};

fn fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tfstate/prod-like-seed.tfstate.json")
}

#[test]
fn terraform_and_api_environments_pair_in_one_matrix() {
    let moto = Moto::start();
    moto.seed(&["drift"]);
    let ws = AwsSandbox::new();
    ws.add_env("staging", "staging", &moto.endpoint(), &[]);
    ws.run(&["collect"]).ok();
    let fixture = fixture();
    let import = ws.run(&["tfstate", "import", "prod", fixture.to_str().unwrap()]);
    import.ok();

    let doc = ws.diff_json(&[]);
    assert_eq!(doc["snapshots"]["staging"]["source"], "aws");
    assert_eq!(doc["snapshots"]["prod"]["source"], "terraform");

    // Mapped kinds pair: the shared resources exist on both sides.
    for key in [
        "ec2.vpc/main-vpc",
        "ec2.subnet/private-a",
        "ec2.subnet/public-a",
        "ec2.security_group/web",
        "ec2.security_group/app",
        "ec2.route_table/private-rt",
        "ec2.instance/api",
        "rds.db_instance/orders-db",
        "rds.db_parameter_group/orders-pg",
        "ssm.parameter/database/host",
        "ssm.parameter/database/password",
        "ssm.parameter/stripe/api-key",
        "ssm.parameter/app/feature-flag",
        "ssm.parameter/app/hosts",
    ] {
        let r = row(&doc, key, "exists");
        assert_eq!(r["status"], "same", "{key} does not pair: {r:#}");
        assert_eq!(r["raw"]["staging"], true, "{key}");
        assert_eq!(r["raw"]["prod"], true, "{key}");
    }
    // Values normalised alike on both sides compare equal.
    for (key, attribute) in [
        ("ec2.security_group/web", "ingress"),
        ("ec2.security_group/app", "ingress"),
        ("ec2.subnet/private-a", "cidr_block"),
        // zones compare by spread (docs/CONTRACTS.md "Availability zones"), on both sources
        ("ec2.vpc/main-vpc", "zone_spread"),
        ("rds.db_instance/orders-db", "db_instance_class"),
        ("rds.db_instance/orders-db", "engine_version"),
        ("rds.db_instance/orders-db", "multi_az"),
        ("rds.db_instance/orders-db", "backup_retention_period"),
        ("rds.db_instance/orders-db", "db_parameter_group"),
        (
            "rds.db_parameter_group/orders-pg",
            "parameters.max_connections",
        ),
        ("rds.db_parameter_group/orders-pg", "parameters.work_mem"),
        ("ssm.parameter/database/host", "value"),
        ("ssm.parameter/app/hosts", "value"),
        ("ssm.parameter/database/password", "type"),
    ] {
        let r = row(&doc, key, attribute);
        assert_eq!(r["status"], "same", "{key} {attribute}: {r:#}");
    }
    assert!(
        !rows(&doc).iter().any(|r| r["attribute"]
            .as_str()
            .unwrap()
            .starts_with("availability_zone")),
        "a zone name compared"
    );
    // The deliberate difference.
    let itype = row(&doc, "ec2.instance/api", "instance_type");
    assert_eq!(itype["status"], "drift", "{itype:#}");
    assert_eq!(itype["values"]["staging"], "t3.medium");
    assert_eq!(itype["values"]["prod"], "t3.large");

    // tf.* rows are not covered by the API snapshot: no cell for staging, never unknown.
    let tf_rows: Vec<_> = rows(&doc)
        .iter()
        .filter(|r| r["kind"].as_str().unwrap().starts_with("tf."))
        .collect();
    assert!(
        tf_rows
            .iter()
            .any(|r| r["kind"] == "tf.aws_internet_gateway"),
        "no tf.aws_internet_gateway row"
    );
    for r in &tf_rows {
        assert!(
            r["cells"].get("staging").is_none_or(|c| c.is_null()),
            "a tf row has a staging cell: {r:#}"
        );
        assert_ne!(r["status"], "unknown", "{r:#}");
        assert!(
            r["pairs"].as_array().unwrap().is_empty(),
            "a tf row was compared: {r:#}"
        );
    }

    // The state's SecureString and sensitive values are nowhere.
    for secret in ["S3cr3t", "sk_live_shared_9f8e", "not-a-real-password"] {
        ws.assert_not_in_database(secret);
        ws.assert_never_printed(secret);
    }
}

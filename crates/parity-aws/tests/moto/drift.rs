//! Three environments (dev, staging, prod) with real drift, collected concurrently through the
//! recording proxy, then compared with parity-core's matrix.

use std::sync::Mutex;

use chrono::NaiveDate;
use parity_aws::{collect_many, CollectContext, Phase, ProgressEvent, OPERATIONS};
use parity_core::{Column, Matrix, MatrixOptions, Resource, Snapshot, Source, Status};
use serde_json::{json, Value};

use crate::support::{self, moto::Moto, proxy::RecordingProxy};

fn find<'a>(snapshot: &'a Snapshot, kind: &str, native_id: &str) -> &'a Resource {
    snapshot
        .resources
        .iter()
        .find(|r| r.kind == kind && r.native_id == native_id)
        .unwrap_or_else(|| panic!("{}: no {kind} {native_id}", snapshot.environment))
}

fn by_name<'a>(snapshot: &'a Snapshot, kind: &str, native_id: &str) -> Option<&'a Resource> {
    snapshot
        .resources
        .iter()
        .find(|r| r.kind == kind && r.native_id == native_id)
}

fn row<'a>(matrix: &'a Matrix, key: &str, attribute: &str) -> &'a parity_core::Row {
    matrix
        .rows
        .iter()
        .find(|r| &*r.key == key && &*r.attribute == attribute)
        .unwrap_or_else(|| {
            let keys: Vec<String> = matrix
                .rows
                .iter()
                .map(|r| format!("{} {}", r.key, r.attribute))
                .collect();
            panic!("no row {key} {attribute}; rows: {keys:#?}")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_environments_with_drift() {
    support::init();
    let moto = Moto::start();
    let seeded = moto.seed(&["drift"]);
    let proxy = RecordingProxy::start(moto.port, &[]).await;
    let envs: Vec<_> = ["dev", "staging", "prod"]
        .iter()
        .map(|n| support::env(n, &proxy.endpoint()))
        .collect();
    let ctx = CollectContext::new("drift-test").with_fingerprint_key(vec![7; 32]);
    let events: Mutex<Vec<ProgressEvent>> = Mutex::new(Vec::new());
    let snapshots = collect_many(&envs, &ctx, &|e| events.lock().unwrap().push(e)).await;

    assert_eq!(snapshots.len(), 3);
    for (snapshot, name) in snapshots.iter().zip(["dev", "staging", "prod"]) {
        assert_eq!(snapshot.environment, name);
        assert_eq!(snapshot.source, Source::Aws);
        assert!(
            snapshot.missing.is_empty(),
            "{name}: {:?}",
            snapshot.missing
        );
    }
    let [dev, staging, prod] = [&snapshots[0], &snapshots[1], &snapshots[2]];

    // Scope: the qa instance, NAT gateway, DB and parameter belong to no environment here.
    for s in &snapshots {
        let json = serde_json::to_string(s).unwrap();
        assert!(
            !json.contains(seeded["qa_instance"].as_str().unwrap()),
            "{}",
            s.environment
        );
        assert!(
            !json.contains("qa-orders-db") && !json.contains("/qa/"),
            "{}",
            s.environment
        );
    }

    // Instance types differ.
    for (s, env, ty) in [
        (dev, "dev", "t3.micro"),
        (staging, "staging", "t3.medium"),
        (prod, "prod", "t3.large"),
    ] {
        let i = find(s, "ec2.instance", seeded[env]["instance"].as_str().unwrap());
        assert_eq!(i.attributes["instance_type"], ty);
        assert_eq!(i.region.as_deref(), Some("us-east-1"));
        assert_eq!(i.tags.get("Environment").map(String::as_str), Some(env));
        assert!(i.attributes["image_name"].is_string(), "{:?}", i.attributes);
        assert_eq!(
            i.attributes["security_groups"],
            json!([seeded[env]["app_sg"]])
        );
    }

    // An SG rule open to the world only in staging.
    for (s, env) in [(dev, "dev"), (staging, "staging"), (prod, "prod")] {
        let web = find(
            s,
            "ec2.security_group",
            seeded[env]["web_sg"].as_str().unwrap(),
        );
        let open = web.attributes["ingress"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"] == "0.0.0.0/0");
        assert_eq!(
            open,
            env == "staging",
            "{env}: {:?}",
            web.attributes["ingress"]
        );
        // The app SG allows the env's own web SG (ids differ per env).
        let app = find(
            s,
            "ec2.security_group",
            seeded[env]["app_sg"].as_str().unwrap(),
        );
        assert_eq!(
            app.attributes["ingress"],
            json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "source": seeded[env]["web_sg"]}])
        );
        // VPC membership: the untagged default SG and main route table of the env's VPC belong.
        let vpc = seeded[env]["vpc"].as_str().unwrap();
        assert!(s.resources.iter().any(|r| r.kind == "ec2.security_group"
            && r.parent.as_deref() == Some(vpc)
            && r.identity
                == parity_core::Identity::Child {
                    parent: vpc.into(),
                    role: "default".into()
                }));
        assert!(s
            .resources
            .iter()
            .any(|r| r.kind == "ec2.route_table" && r.attributes["main"] == true));
        let v = find(s, "ec2.vpc", vpc);
        assert_eq!(v.attributes["enable_dns_support"], true);
    }

    // NAT gateways only in prod.
    let nats = |s: &Snapshot| {
        s.resources
            .iter()
            .filter(|r| r.kind == "ec2.nat_gateway")
            .count()
    };
    assert_eq!((nats(dev), nats(staging), nats(prod)), (0, 0, 1));

    // RDS.
    let db =
        |s: &Snapshot, env: &str| find(s, "rds.db_instance", &format!("{env}-orders-db")).clone();
    let (d, st, p) = (db(dev, "dev"), db(staging, "staging"), db(prod, "prod"));
    assert_eq!(d.attributes["db_instance_class"], "db.t3.micro");
    assert_eq!(p.attributes["db_instance_class"], "db.r5.large");
    assert_eq!(st.attributes["engine_version"], "14.7");
    assert_eq!(p.attributes["engine_version"], "14.9");
    assert_eq!(st.attributes["multi_az"], false);
    assert_eq!(p.attributes["multi_az"], true);
    assert_eq!(st.attributes["backup_retention_period"], 1);
    assert_eq!(p.attributes["backup_retention_period"], 14);
    assert_eq!(p.attributes["db_parameter_group"], "prod-orders-pg");
    let pg = |s: &Snapshot, env: &str| {
        find(s, "rds.db_parameter_group", &format!("{env}-orders-pg")).clone()
    };
    assert_eq!(
        pg(staging, "staging").attributes["parameters.max_connections"],
        "200"
    );
    assert_eq!(
        pg(prod, "prod").attributes["parameters.max_connections"],
        "400"
    );
    assert_eq!(pg(prod, "prod").attributes["family"], "postgres14");

    // SSM: SecureString never stored; secret-looking String only as fingerprint.
    for (s, env) in [(dev, "dev"), (staging, "staging"), (prod, "prod")] {
        let json = serde_json::to_string(s).unwrap();
        assert!(
            !json.contains("plaintext") && !json.contains("S3cr3t"),
            "{env}: SecureString leaked"
        );
        assert!(
            !json.contains("sk_live") && !json.contains("sk_dev"),
            "{env}: secret-looking value leaked"
        );
        let password = find(s, "ssm.parameter", &format!("/{env}/database/password"));
        assert_eq!(password.attributes["type"], "SecureString");
        assert!(!password.attributes.contains_key("value"));
        assert!(
            password.attributes.contains_key("key_id"),
            "{:?}",
            password.attributes
        );
        let host = find(s, "ssm.parameter", &format!("/{env}/database/host"));
        assert_eq!(host.attributes["value"], format!("{env}-db.internal"));
        let list = find(s, "ssm.parameter", &format!("/{env}/app/hosts"));
        assert_eq!(list.attributes["value"], "a,b,c");
        assert_eq!(list.attributes["type"], "StringList");
    }
    // A secret-looking String is kept only as its token (docs/CONTRACTS.md "Secrets").
    let fp = |s: &Snapshot, env: &str| -> Value {
        let key = find(s, "ssm.parameter", &format!("/{env}/stripe/api-key"));
        key.attributes["value"].clone()
    };
    assert!(fp(prod, "prod")
        .as_str()
        .unwrap()
        .starts_with("<secret:hmac-sha256:"));
    assert_eq!(fp(staging, "staging"), fp(prod, "prod"));
    assert_ne!(fp(dev, "dev"), fp(prod, "prod"));
    assert!(by_name(dev, "ssm.parameter", "/dev/app/feature-flag").is_none());

    // The engine pairs and normalises what we collected.
    let columns: Vec<Column> = envs
        .iter()
        .zip(&snapshots)
        .map(|(env, snapshot)| Column {
            label: env.name.clone(),
            env,
            snapshot,
        })
        .collect();
    let matrix = Matrix::compute(
        &columns,
        MatrixOptions {
            group_numbered: &parity_core::GroupNumbered::Default,
            rules: &[],
            ignores: &[],
            exceptions: &[],
            today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        },
    )
    .unwrap();
    assert_eq!(
        row(&matrix, "ec2.instance/api", "instance_type").status,
        Status::Drift
    );
    assert_eq!(
        row(&matrix, "ec2.security_group/app", "ingress").status,
        Status::Same
    );
    let web = row(&matrix, "ec2.security_group/web", "ingress");
    assert_eq!(web.pair_status(0, 2), Some(Status::Same));
    assert_eq!(web.pair_status(1, 2), Some(Status::Drift));
    assert_eq!(
        row(&matrix, "ssm.parameter/database/host", "value").status,
        Status::Same
    );
    // Secrets compare by presence: every environment has one.
    let api_key = row(&matrix, "ssm.parameter/stripe/api-key", "value");
    assert_eq!(api_key.status, Status::Same);
    // …and staging and prod share the same one: the finding.
    let shared: Vec<(usize, usize)> = matrix
        .shared_secrets
        .iter()
        .filter(|f| matrix.rows[f.row].key.as_ref() == "ssm.parameter/stripe/api-key")
        .map(|f| (f.a, f.b))
        .collect();
    assert_eq!(shared, vec![(1, 2)]);
    assert_eq!(
        row(&matrix, "ssm.parameter/app/feature-flag", "exists").pair_status(0, 2),
        Some(Status::Missing)
    );
    assert_eq!(
        row(&matrix, "rds.db_instance/orders-db", "multi_az").pair_status(1, 2),
        Some(Status::Drift)
    );
    assert_eq!(
        row(
            &matrix,
            "rds.db_parameter_group/orders-pg",
            "parameters.max_connections"
        )
        .pair_status(1, 2),
        Some(Status::Drift)
    );
    assert_eq!(
        row(
            &matrix,
            "rds.db_parameter_group/orders-pg",
            "parameters.work_mem"
        )
        .status,
        Status::Same
    );
    let nat_rows: Vec<_> = matrix
        .rows
        .iter()
        .filter(|r| &*r.kind == "ec2.nat_gateway" && &*r.attribute == "exists")
        .collect();
    assert_eq!(nat_rows.len(), 1);
    assert_eq!(nat_rows[0].pair_status(1, 2), Some(Status::Missing));

    // Progress: every kind of every environment started and finished.
    let events = events.into_inner().unwrap();
    for env in ["dev", "staging", "prod"] {
        for kind in parity_aws::KINDS {
            let done = events.iter().any(|e| {
                e.environment == env
                    && e.kind.as_deref() == Some(kind)
                    && matches!(e.phase, Phase::Done { .. })
            });
            assert!(done, "{env} {kind} never done");
        }
    }
    let json = serde_json::to_value(&events[events.len() - 1]).unwrap();
    assert!(json.get("phase").is_some(), "{json}");

    // Read-only, provably: every operation moto received is on the published list.
    let operations = proxy.operations();
    assert!(!operations.is_empty());
    for op in &operations {
        assert!(
            OPERATIONS.contains(&op.as_str()),
            "{op} is not on parity_aws::OPERATIONS"
        );
    }
    for r in proxy.recorded() {
        assert_eq!(r.access_key_id, "AKIADEFAULTCHAIN");
    }
}

//! Fix hints and the incident view on API, Terraform and mixed snapshots.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use super::*;
use crate::document::DiffDocument;
use crate::incident::incident;
use crate::matrix::{Column, MatrixOptions};
use crate::model::Identity;
use crate::workspace::EnvironmentConfig;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn snap(env: &str, source: Source, resources: Vec<Resource>) -> Snapshot {
    Snapshot {
        id: None,
        environment: env.into(),
        taken_at: Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap(),
        source,
        missing: vec![],
        resources,
    }
}

fn db(env: &str, version: &str, sgs: &[&str], address: Option<&str>) -> Resource {
    let id = format!("orders-db-{env}");
    let mut r = Resource::new("rds.db_instance", &id, Identity::Name { name: id.clone() });
    r.attributes.insert("engine_version", json!(version));
    r.attributes
        .insert("vpc_security_groups", json!(sgs.to_vec()));
    r.attributes
        .insert("db_parameter_group", json!(format!("orders-{env}")));
    r.attributes
        .insert("endpoint", json!(format!("{env}-db.internal")));
    r.source_address = address.map(str::to_string);
    r
}

fn sg(env: &str, id: &str, ports: &[i64]) -> Resource {
    let name = format!("{env}-orders-sg");
    let mut r = Resource::new("ec2.security_group", id, Identity::Name { name });
    let rules: Vec<Value> = ports
        .iter()
        .map(|p| json!({"protocol": "tcp", "from_port": p, "to_port": p, "source": "0.0.0.0/0"}))
        .collect();
    r.attributes.insert("ingress", Value::Array(rules));
    r
}

fn pg(env: &str, max: &str) -> Resource {
    let name = format!("orders-{env}");
    let mut r = Resource::new(
        "rds.db_parameter_group",
        &name,
        Identity::Name { name: name.clone() },
    );
    r.attributes
        .insert("parameters.max_connections", json!(max));
    r
}

struct Fixture {
    envs: Vec<EnvironmentConfig>,
    snaps: Vec<Snapshot>,
    exceptions: Vec<ExceptionRule>,
}

impl Fixture {
    fn new(sources: [Source; 3]) -> Fixture {
        let names = ["dev", "staging", "prod"];
        let versions = ["15.6", "15.4", "15.6"];
        let ports: [&[i64]; 3] = [&[443], &[443, 22], &[443, 8443]];
        let snaps = names
            .iter()
            .zip(sources)
            .enumerate()
            .map(|(i, (env, source))| {
                let sg_id = format!("sg-{env}");
                let address = (source == Source::Terraform).then_some("aws_db_instance.orders");
                let mut resources = vec![
                    db(env, versions[i], &[&sg_id], address),
                    sg(env, &sg_id, ports[i]),
                    pg(env, if i == 1 { "100" } else { "200" }),
                ];
                if source == Source::Terraform {
                    resources[1].source_address = Some("aws_security_group.orders".into());
                    resources[2].source_address = Some("aws_db_parameter_group.orders".into());
                }
                snap(env, source, resources)
            })
            .collect();
        Fixture {
            envs: names.iter().map(|n| EnvironmentConfig::new(n)).collect(),
            snaps,
            exceptions: vec![],
        }
    }

    fn matrix(&self) -> Matrix {
        let columns: Vec<Column> = self
            .envs
            .iter()
            .zip(&self.snaps)
            .map(|(env, snapshot)| Column {
                label: env.name.clone(),
                env,
                snapshot,
            })
            .collect();
        Matrix::compute(
            &columns,
            MatrixOptions {
                rules: &[],
                ignores: &[],
                exceptions: &self.exceptions,
                group_numbered: &crate::GroupNumbered::Default,
                today: today(),
            },
        )
        .unwrap()
    }

    fn hints(&self, reference: Option<&str>) -> BTreeMap<String, Vec<Hint>> {
        let m = self.matrix();
        let refs: Vec<&Snapshot> = self.snaps.iter().collect();
        let ctx = HintContext::new(&m, &refs, &self.exceptions, today(), reference);
        m.rows
            .iter()
            .map(|r| (format!("{}:{}", r.key, r.attribute), ctx.row_hints(r)))
            .filter(|(_, h)| !h.is_empty())
            .collect()
    }
}

fn texts(h: &[Hint]) -> Vec<&str> {
    h.iter().map(|h| h.text.as_str()).collect()
}

#[test]
fn the_reference_is_configured_else_prod_else_production_else_last() {
    let envs = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        reference_column(&envs(&["dev", "prod", "qa"]), None),
        Some(1)
    );
    assert_eq!(
        reference_column(&envs(&["dev", "production"]), None),
        Some(1)
    );
    assert_eq!(reference_column(&envs(&["dev", "qa"]), None), Some(1));
    assert_eq!(
        reference_column(&envs(&["dev", "qa", "prod"]), Some("qa")),
        Some(1)
    );
    // a configured reference that is not compared falls back
    assert_eq!(
        reference_column(&envs(&["dev", "prod", "qa"]), Some("uat")),
        Some(1)
    );
    assert_eq!(reference_column(&[], None), None);
}

#[test]
fn api_hints_name_the_resource_and_the_api_field_and_converge_to_prod() {
    let f = Fixture::new([Source::Aws; 3]);
    let h = f.hints(None);
    let version = &h["rds.db_instance/orders-db:engine_version"];
    assert_eq!(
        texts(version),
        vec![r#"staging: orders-db-staging EngineVersion = "15.6""#]
    );
    assert_eq!(version[0].towards, "prod");
    assert_eq!(version[0].value, Some(json!("15.6")));
    // dev already matches prod: no hint for dev
    assert!(version.iter().all(|x| x.environment != "dev"));
    // set-valued: elements to add and remove, per environment
    let ingress = &h["ec2.security_group/orders-sg:ingress"];
    assert_eq!(
        texts(ingress),
        vec![
            "dev: dev-orders-sg (sg-dev) IpPermissions: add tcp 8443 from 0.0.0.0/0",
            "staging: staging-orders-sg (sg-staging) IpPermissions: add tcp 8443 from 0.0.0.0/0; remove tcp 22 from 0.0.0.0/0",
        ]
    );
    assert_eq!(ingress[1].remove, vec!["tcp 22 from 0.0.0.0/0"]);
    assert_eq!(ingress[1].value, None);
    // parameters by their API name
    assert_eq!(
        texts(&h["rds.db_parameter_group/orders:parameters.max_connections"]),
        vec![r#"staging: orders-staging Parameters[max_connections] = "200""#]
    );
}

#[test]
fn another_reference_turns_the_direction() {
    let f = Fixture::new([Source::Aws; 3]);
    let h = f.hints(Some("staging"));
    let version = &h["rds.db_instance/orders-db:engine_version"];
    assert_eq!(
        texts(version),
        vec![
            r#"dev: orders-db-dev EngineVersion = "15.4""#,
            r#"prod: orders-db-prod EngineVersion = "15.4""#,
        ]
    );
    assert!(version.iter().all(|x| x.towards == "staging"));
}

#[test]
fn terraform_hints_name_the_address_and_the_argument() {
    let f = Fixture::new([Source::Terraform; 3]);
    let h = f.hints(None);
    assert_eq!(
        texts(&h["rds.db_instance/orders-db:engine_version"]),
        vec![r#"staging: aws_db_instance.orders engine_version = "15.6""#]
    );
    assert_eq!(
        texts(&h["rds.db_parameter_group/orders:parameters.max_connections"]),
        vec![r#"staging: aws_db_parameter_group.orders parameter["max_connections"] = "200""#]
    );
    assert_eq!(
        texts(&h["ec2.security_group/orders-sg:ingress"])[0],
        "dev: aws_security_group.orders ingress: add tcp 8443 from 0.0.0.0/0"
    );
}

#[test]
fn mixed_snapshots_use_each_environments_own_source() {
    // staging from Terraform, prod from the API
    let mut f = Fixture::new([Source::Aws, Source::Terraform, Source::Aws]);
    f.snaps[1].resources[0]
        .attributes
        .insert("db_instance_class", json!("db.t3.small"));
    f.snaps[2].resources[0]
        .attributes
        .insert("db_instance_class", json!("db.r6g.large"));
    let h = f.hints(None);
    assert_eq!(
        texts(&h["rds.db_instance/orders-db:engine_version"]),
        vec![r#"staging: aws_db_instance.orders engine_version = "15.6""#]
    );
    // one row, each environment in its own source's terms (dev has no class recorded)
    assert_eq!(
        texts(&h["rds.db_instance/orders-db:db_instance_class"]),
        vec![
            r#"dev: orders-db-dev DBInstanceClass = "db.r6g.large""#,
            r#"staging: aws_db_instance.orders instance_class = "db.r6g.large""#
        ]
    );
    // with staging as the reference, the API environments get API field names
    let h = f.hints(Some("staging"));
    assert_eq!(
        texts(&h["rds.db_instance/orders-db:db_instance_class"]),
        vec![
            r#"dev: orders-db-dev DBInstanceClass = "db.t3.small""#,
            r#"prod: orders-db-prod DBInstanceClass = "db.t3.small""#
        ]
    );
}

#[test]
fn references_and_env_tokens_are_localised_for_the_changing_environment() {
    let mut f = Fixture::new([Source::Aws; 3]);
    // staging's database uses another security group than its own orders SG
    let mut other = sg("staging", "sg-other", &[443]);
    other.identity = Identity::Name {
        name: "staging-legacy".into(),
    };
    f.snaps[1].resources.push(other);
    f.snaps[1].resources[0]
        .attributes
        .insert("vpc_security_groups", json!(["sg-other"]));
    f.snaps[1].resources[0]
        .attributes
        .insert("endpoint", json!("legacy.internal"));
    let h = f.hints(None);
    let sgs = &h["rds.db_instance/orders-db:vpc_security_groups"];
    assert_eq!(
        texts(sgs),
        vec!["staging: orders-db-staging VpcSecurityGroupIds: add ec2.security_group/orders-sg; remove ec2.security_group/legacy"]
    );
    // a scalar with the environment token: the target is written for staging
    let endpoint = &h["rds.db_instance/orders-db:endpoint"];
    assert_eq!(endpoint[0].value, Some(json!("staging-db.internal")));
}

#[test]
fn an_exception_expected_value_wins_over_the_reference() {
    let mut f = Fixture::new([Source::Aws; 3]);
    f.exceptions.push(ExceptionRule {
        id: "prod-pinned".into(),
        resource: "rds.db_instance/orders-db".into(),
        attribute: "engine_version".into(),
        environments: vec!["prod".into()],
        expected: BTreeMap::from([("prod".to_string(), json!("15.7"))]),
        elements: vec![],
        justification: "pinned".into(),
        owner: "dba".into(),
        created: None,
        expires: None,
        ticket: None,
    });
    let h = f.hints(None);
    let version = &h["rds.db_instance/orders-db:engine_version"];
    let prod = version.iter().find(|x| x.environment == "prod").unwrap();
    assert_eq!(prod.towards, "expected");
    assert_eq!(prod.exception.as_deref(), Some("prod-pinned"));
    assert_eq!(prod.text, r#"prod: orders-db-prod EngineVersion = "15.7""#);
    // staging still converges to prod's observed value
    assert!(version
        .iter()
        .any(|x| x.environment == "staging" && x.towards == "prod"));
}

#[test]
fn missing_resources_and_secrets() {
    let mut f = Fixture::new([Source::Aws; 3]);
    f.snaps[1].resources.remove(2); // staging lacks the parameter group
    f.snaps[0].resources[0]
        .attributes
        .insert("password", json!("<secret>"));
    f.snaps[2].resources[0]
        .attributes
        .insert("password", json!("<secret>"));
    f.snaps[1].resources[0]
        .attributes
        .insert("password", json!("plain"));
    let h = f.hints(None);
    assert_eq!(
        texts(&h["rds.db_parameter_group/orders:exists"]),
        vec!["staging: create rds.db_parameter_group/orders like prod's orders-prod"]
    );
    let pw = &h["rds.db_instance/orders-db:password"];
    assert_eq!(
        texts(pw),
        vec!["staging: orders-db-staging Password: set to prod's secret value (not shown)"]
    );
    assert_eq!(pw[0].value, None);
}

#[test]
fn the_document_carries_hints_on_failing_rows_only() {
    let f = Fixture::new([Source::Aws; 3]);
    let m = f.matrix();
    let refs: Vec<&Snapshot> = f.snaps.iter().collect();
    let ctx = HintContext::new(&m, &refs, &f.exceptions, today(), None);
    let mut doc = DiffDocument::new(
        &m,
        &refs,
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap(),
        None,
    );
    add_hints(&mut doc, &ctx, None);
    for row in &doc.rows {
        assert_eq!(!row.hint.is_empty(), row.status.is_failure(), "{}", row.key);
    }
    let json = serde_json::to_value(&doc).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["hint"][0]["towards"] == "prod"));
    assert!(rows
        .iter()
        .filter(|r| r["status"] == "same")
        .all(|r| r.get("hint").is_none()));
}

#[test]
fn segments_match_whole_words_only() {
    assert!(has_segment("checkout-db", "checkout"));
    assert!(has_segment("api/Checkout/db-url", "checkout"));
    assert!(has_segment("checkout", "checkout"));
    assert!(!has_segment("checkouts-db", "checkout"));
    assert!(!has_segment("precheckout", "checkout"));
    assert!(!has_segment("x", ""));
}

#[test]
fn the_incident_view_follows_references_and_orders_by_category() {
    let mut f = Fixture::new([Source::Aws; 3]);
    // an unrelated resource that differs too
    for (i, s) in f.snaps.iter_mut().enumerate() {
        let mut other = Resource::new(
            "ec2.instance",
            &format!("i-{i}"),
            Identity::Name {
                name: "billing".into(),
            },
        );
        other
            .attributes
            .insert("instance_type", json!(format!("t3.{i}")));
        s.resources.push(other);
        // the database is tagged with its service
        s.resources[0].tags.insert("Service", "Orders".into());
    }
    let m = f.matrix();
    let refs: Vec<&Snapshot> = f.snaps.iter().collect();
    let inc = incident(&m, &refs, 1, 2, "orders", "Service");
    let keys: Vec<(&str, &str)> = inc
        .resources
        .iter()
        .map(|r| (r.key.as_str(), r.why.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("ec2.security_group/orders-sg", "name"),
            ("rds.db_instance/orders-db", "tag"),
            ("rds.db_parameter_group/orders", "name"),
        ]
    );
    let rows: Vec<String> = inc
        .rows
        .iter()
        .map(|&i| format!("{}:{}", m.rows[i].key, m.rows[i].attribute))
        .collect();
    assert_eq!(
        rows,
        vec![
            "ec2.security_group/orders-sg:ingress",
            "rds.db_instance/orders-db:engine_version",
            "rds.db_parameter_group/orders:parameters.max_connections",
        ]
    );
    // a service known only by tag brings its references in
    let inc = incident(&m, &refs, 1, 2, "Orders", "Service");
    assert_eq!(inc.resources.len(), 3);
    // by tag alone, under another tag name, references are followed
    for s in f.snaps.iter_mut() {
        s.resources[0].identity = Identity::Name {
            name: format!("db-{}", s.environment),
        };
        s.resources[0].native_id = format!("db-{}", s.environment);
        s.resources[0].tags.clear();
        s.resources[0].tags.insert("App", "pay".into());
    }
    let m = f.matrix();
    let refs: Vec<&Snapshot> = f.snaps.iter().collect();
    let inc = incident(&m, &refs, 1, 2, "pay", "App");
    let keys: Vec<(&str, &str, Option<&str>)> = inc
        .resources
        .iter()
        .map(|r| (r.key.as_str(), r.why.as_str(), r.from.as_deref()))
        .collect();
    assert_eq!(
        keys,
        vec![
            (
                "ec2.security_group/orders-sg",
                "reference",
                Some("rds.db_instance/db")
            ),
            ("rds.db_instance/db", "tag", None),
            (
                "rds.db_parameter_group/orders",
                "reference",
                Some("rds.db_instance/db")
            ),
        ]
    );
}

#[test]
fn api_fields_and_terraform_arguments() {
    assert_eq!(api_field("ec2.instance", "instance_type"), "InstanceType");
    assert_eq!(
        api_field("rds.db_instance", "engine_version"),
        "EngineVersion"
    );
    assert_eq!(api_field("rds.db_instance", "multi_az"), "MultiAZ");
    assert_eq!(
        api_field("rds.db_instance", "db_instance_class"),
        "DBInstanceClass"
    );
    assert_eq!(api_field("ec2.instance", "tags.Team"), "Tags[Team]");
    assert_eq!(
        api_field("dynamodb.item", "rollout_percentage"),
        "rollout_percentage"
    );
    assert_eq!(
        terraform_argument("rds.db_instance", "db_instance_class"),
        "instance_class"
    );
    assert_eq!(
        terraform_argument("ec2.instance", "tags.Team"),
        "tags[\"Team\"]"
    );
    assert_eq!(terraform_argument("tf.aws_s3_bucket", "acl"), "acl");
}

/// The seed article's example: the hint says which target group and task definition to change,
/// by their API fields (API snapshots) or Terraform arguments (states).
#[test]
fn application_layer_hints_name_the_target_group_and_the_container() {
    let app = |env: &str, path: &str, tag: &str, source: Source| {
        let name = format!("web-{env}");
        let mut tg = Resource::new(
            "elbv2.target_group",
            &format!("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/{name}/0a"),
            Identity::Name { name },
        );
        tg.attributes.insert("health_check.path", json!(path));
        tg.attributes.insert(
            "health_check.interval",
            json!(if env == "prod" { 10 } else { 30 }),
        );
        let mut td = Resource::new(
            "ecs.task_definition",
            &format!("arn:aws:ecs:eu-west-1:1:task-definition/api:{}", path.len()),
            Identity::Name { name: "api".into() },
        );
        td.attributes.insert("container.api.image_tag", json!(tag));
        if source == Source::Terraform {
            tg.source_address = Some("aws_lb_target_group.web".into());
            td.source_address = Some("aws_ecs_task_definition.api".into());
        }
        snap(env, source, vec![tg, td])
    };
    for source in [Source::Aws, Source::Terraform] {
        let f = Fixture {
            envs: ["staging", "prod"]
                .iter()
                .map(|n| EnvironmentConfig::new(n))
                .collect(),
            snaps: vec![
                app("staging", "/", "1.8.2", source),
                app("prod", "/healthz", "1.8.3", source),
            ],
            exceptions: vec![],
        };
        let h = f.hints(None);
        let texts_of = |row: &str| texts(&h[row]).join(" | ");
        if source == Source::Aws {
            assert_eq!(
                texts_of("elbv2.target_group/web:health_check.path"),
                r#"staging: web-staging (arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web-staging/0a) HealthCheckPath = "/healthz""#
            );
            assert_eq!(
                texts_of("elbv2.target_group/web:health_check.interval"),
                "staging: web-staging (arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web-staging/0a) HealthCheckIntervalSeconds = 10"
            );
            assert_eq!(
                texts_of("ecs.task_definition/api:container.api.image_tag"),
                r#"staging: api (arn:aws:ecs:eu-west-1:1:task-definition/api:1) ContainerDefinitions[api].Image (tag) = "1.8.3""#
            );
        } else {
            assert_eq!(
                texts_of("elbv2.target_group/web:health_check.path"),
                r#"staging: aws_lb_target_group.web health_check.path = "/healthz""#
            );
            assert_eq!(
                texts_of("ecs.task_definition/api:container.api.image_tag"),
                r#"staging: aws_ecs_task_definition.api container_definitions[api].image (tag) = "1.8.3""#
            );
        }
    }
    assert_eq!(
        api_field("elbv2.target_group", "health_check.healthy_threshold"),
        "HealthyThresholdCount"
    );
    assert_eq!(
        api_field("ecs.task_definition", "container.api.environment.LOG_LEVEL"),
        "ContainerDefinitions[api].Environment[LOG_LEVEL]"
    );
    assert_eq!(
        api_field("s3.bucket", "public_access_block.block_public_acls"),
        "PublicAccessBlockConfiguration.BlockPublicAcls"
    );
    assert_eq!(
        api_field("s3.bucket", "lifecycle.expire-tmp"),
        "LifecycleConfiguration.Rules[expire-tmp].Status"
    );
    assert_eq!(
        terraform_argument("eks.node_group", "desired_size"),
        "scaling_config.desired_size"
    );
    assert_eq!(
        terraform_argument("s3.bucket", "versioning"),
        "aws_s3_bucket_versioning.versioning_configuration.status"
    );
}

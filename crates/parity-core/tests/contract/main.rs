//! The engine against docs/CONTRACTS.md, rule by rule: pairing, normalisation, statuses, policy,
//! exceptions, groups, ambiguity, coverage and the change view.

use std::collections::{BTreeMap, BTreeSet};

mod groups;

use chrono::{NaiveDate, TimeZone, Utc};
use parity_core::matrix::Row;
use parity_core::{
    Category, Column, DiffDocument, EnvironmentConfig, ExceptionRule, GroupNumbered, Identity,
    IgnoreRule, Matrix, MatrixOptions, MissingKind, Resource, RewriteRule, RowFilter, Snapshot,
    Source, Status,
};
use serde_json::{json, Value};

fn env(name: &str) -> EnvironmentConfig {
    EnvironmentConfig::new(name)
}

fn snap(env: &str, resources: Vec<Resource>) -> Snapshot {
    Snapshot {
        id: None,
        environment: env.into(),
        taken_at: Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap(),
        source: Source::Aws,
        missing: vec![],
        resources,
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

struct World {
    envs: Vec<EnvironmentConfig>,
    snaps: Vec<Snapshot>,
    rules: Vec<RewriteRule>,
    ignores: Vec<IgnoreRule>,
    exceptions: Vec<ExceptionRule>,
}

impl World {
    fn new(pairs: Vec<(EnvironmentConfig, Snapshot)>) -> Self {
        let (envs, snaps) = pairs.into_iter().unzip();
        World {
            envs,
            snaps,
            rules: vec![],
            ignores: vec![],
            exceptions: vec![],
        }
    }

    fn matrix(&self) -> Matrix {
        let columns: Vec<Column> = self
            .envs
            .iter()
            .zip(&self.snaps)
            .map(|(e, s)| Column {
                label: e.name.clone(),
                env: e,
                snapshot: s,
            })
            .collect();
        Matrix::compute(
            &columns,
            MatrixOptions {
                group_numbered: &parity_core::GroupNumbered::Default,
                rules: &self.rules,
                ignores: &self.ignores,
                exceptions: &self.exceptions,
                today: today(),
            },
        )
        .unwrap()
    }
}

fn row<'a>(m: &'a Matrix, key: &str, attribute: &str) -> &'a Row {
    m.rows
        .iter()
        .find(|r| &*r.key == key && &*r.attribute == attribute)
        .unwrap_or_else(|| {
            let keys: Vec<String> = m
                .rows
                .iter()
                .map(|r| format!("{} {}", r.key, r.attribute))
                .collect();
            panic!("no row {key} {attribute}; rows: {keys:#?}")
        })
}

fn has_row(m: &Matrix, key: &str, attribute: &str) -> bool {
    m.rows
        .iter()
        .any(|r| &*r.key == key && &*r.attribute == attribute)
}

fn cells(r: &Row) -> Vec<Option<Status>> {
    r.cells.to_vec()
}

fn instance(id: &str, name: &str, ty: &str) -> Resource {
    Resource::named("ec2.instance", id, name).with_attr("instance_type", ty)
}

fn exception(id: &str, resource: &str, attribute: &str, envs: &[&str]) -> ExceptionRule {
    ExceptionRule {
        id: id.into(),
        resource: resource.into(),
        attribute: attribute.into(),
        environments: envs.iter().map(|s| s.to_string()).collect(),
        expected: BTreeMap::new(),
        elements: vec![],
        justification: "because".into(),
        owner: "platform".into(),
        created: NaiveDate::from_ymd_opt(2026, 1, 1),
        expires: None,
        ticket: None,
    }
}

// ---- pairing ----------------------------------------------------------------------------------

#[test]
fn resources_pair_by_name_with_env_tokens_and_aliases_stripped() {
    let mut staging = env("staging");
    staging.aliases = vec!["stg".into()];
    let w = World::new(vec![
        (
            env("prod"),
            snap("prod", vec![instance("i-1", "prod-api", "t3.large")]),
        ),
        (
            staging,
            snap("staging", vec![instance("i-2", "stg-api", "t3.large")]),
        ),
        (
            env("dev"),
            snap("dev", vec![instance("i-3", "api-dev", "t3.large")]),
        ),
    ]);
    let m = w.matrix();
    let r = row(&m, "ec2.instance/api", "instance_type");
    assert_eq!(r.status, Status::Same);
    assert_eq!(row(&m, "ec2.instance/api", "exists").status, Status::Same);
    let snaps: Vec<&Snapshot> = w.snaps.iter().collect();
    let pairing = m.pairings("ec2.instance/api", &snaps);
    assert_eq!(pairing.len(), 3);
    assert!(
        pairing[1].explanation.contains("stg-api"),
        "{:?}",
        pairing[1]
    );
}

#[test]
fn ssm_parameters_pair_by_path_without_the_env_prefix() {
    let p = |env: &str, v: &str| {
        Resource::new(
            "ssm.parameter",
            &format!("/{env}/database/host"),
            Identity::Path {
                path: format!("/{env}/database/host"),
            },
        )
        .with_attr("value", v)
    };
    let w = World::new(vec![
        (
            env("staging"),
            snap("staging", vec![p("staging", "staging-db.internal")]),
        ),
        (
            env("prod"),
            snap("prod", vec![p("prod", "prod-db.internal")]),
        ),
    ]);
    let m = w.matrix();
    let r = row(&m, "ssm.parameter/database/host", "value");
    // env tokens inside values become {env}: equal
    assert_eq!(r.status, Status::Same);
    assert_eq!(*r.value(0), json!("{env}-db.internal"));
    assert_eq!(r.raw[1], json!("prod-db.internal"));
}

#[test]
fn rewrite_rules_pair_blue_green_names() {
    let mut w = World::new(vec![
        (
            env("staging"),
            snap(
                "staging",
                vec![instance("i-1", "staging-api-blue", "t3.large")],
            ),
        ),
        (
            env("prod"),
            snap("prod", vec![instance("i-2", "prod-api-green", "t3.large")]),
        ),
    ]);
    w.rules = vec![RewriteRule {
        kind: "ec2.instance".into(),
        pattern: "^(.*)-(blue|green)$".into(),
        replace: "$1".into(),
    }];
    let m = w.matrix();
    assert_eq!(row(&m, "ec2.instance/api", "exists").status, Status::Same);
}

// ---- normalisation ----------------------------------------------------------------------------

fn sg_world(staging_extra: Option<Value>) -> World {
    let sg = |env: &str, vpc: &str, id: &str, extra: Option<Value>| {
        let mut ingress =
            vec![json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "source": id})];
        if let Some(e) = extra {
            ingress.push(e);
        }
        vec![
            Resource::named("ec2.vpc", vpc, &format!("{env}-main")).with_attr(
                "cidr_block",
                if env == "prod" {
                    "10.0.0.0/16"
                } else {
                    "10.1.0.0/16"
                },
            ),
            Resource::named("ec2.security_group", id, &format!("{env}-web"))
                .with_parent(vpc)
                .with_attr("ingress", Value::Array(ingress))
                .with_attr("vpc", vpc),
        ]
    };
    World::new(vec![
        (
            env("staging"),
            snap("staging", sg("staging", "vpc-s", "sg-s", staging_extra)),
        ),
        (env("prod"), snap("prod", sg("prod", "vpc-p", "sg-p", None))),
    ])
}

#[test]
fn a_rule_referencing_the_envs_own_sg_is_equal_although_ids_differ() {
    let m = sg_world(None).matrix();
    let r = row(&m, "ec2.security_group/web", "ingress");
    assert_eq!(r.status, Status::Same, "{r:?}");
    assert_eq!(
        *r.value(0),
        json!([{"from_port": 443, "protocol": "tcp", "source": "ec2.security_group/web", "to_port": 443}])
    );
    // the vpc reference too
    assert_eq!(
        row(&m, "ec2.security_group/web", "vpc").status,
        Status::Same
    );
    // VPC CIDRs differ by design: compared by prefix length
    assert_eq!(row(&m, "ec2.vpc/main", "cidr_block").status, Status::Same);
}

#[test]
fn an_sg_rule_open_to_the_world_only_in_staging_is_drift() {
    let m = sg_world(Some(
        json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"}),
    ))
    .matrix();
    let r = row(&m, "ec2.security_group/web", "ingress");
    assert_eq!(r.status, Status::Drift);
    assert_eq!(r.category, Category::Security);
}

#[test]
fn a_cidr_equal_to_the_envs_vpc_cidr_becomes_the_vpc() {
    let mk = |env: &str, cidr: &str| {
        vec![
            Resource::named("ec2.vpc", "vpc-1", &format!("{env}-main"))
                .with_attr("cidr_block", cidr),
            Resource::named("ec2.security_group", "sg-1", "db").with_attr(
                "ingress",
                json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "source": cidr}]),
            ),
        ]
    };
    let w = World::new(vec![
        (
            env("staging"),
            snap("staging", mk("staging", "10.1.0.0/16")),
        ),
        (env("prod"), snap("prod", mk("prod", "10.0.0.0/16"))),
    ]);
    let m = w.matrix();
    let r = row(&m, "ec2.security_group/db", "ingress");
    assert_eq!(r.status, Status::Same);
    assert_eq!(r.value(1)[0]["source"], json!("ec2.vpc/main"));
}

#[test]
fn equal_values_compare_equal_however_each_column_holds_them() {
    // Equal JSON printed differently (object keys in another order) is held once per column
    // but compares equal; names made on another thread (their text at other addresses) pair
    // with this thread's.
    let mk = |value: Value| {
        vec![Resource::named("ec2.instance", "i-1", "api")
            .with_attr("instance_type", "t3.large")
            .with_attr("placement", value)
            .with_tag("Team", "platform")]
    };
    let here = mk(json!({"zone": "us-east-1a", "tenancy": "default"}));
    let there = std::thread::spawn(move || mk(json!({"tenancy": "default", "zone": "us-east-1a"})))
        .join()
        .unwrap();
    let w = World::new(vec![
        (env("staging"), snap("staging", here)),
        (env("prod"), snap("prod", there)),
    ]);
    let m = w.matrix();
    let placement = row(&m, "ec2.instance/api", "placement");
    assert_eq!(placement.raw.distinct().len(), 2);
    assert_eq!(placement.status, Status::Same);
    for attribute in ["instance_type", "tags.Team"] {
        let r = row(&m, "ec2.instance/api", attribute);
        assert_eq!(r.raw.distinct().len(), 1, "{attribute}");
        assert_eq!(r.status, Status::Same, "{attribute}");
    }
    let attributes: Vec<&str> = m.rows.iter().map(|r| &*r.attribute).collect();
    assert_eq!(
        attributes,
        ["exists", "instance_type", "placement", "tags.Team"]
    );
}

#[test]
fn sets_compare_as_sets() {
    let mk = |order: [&str; 2]| {
        vec![Resource::named("ec2.instance", "i-1", "api")
            .with_attr("security_groups", json!(order))]
    };
    let w = World::new(vec![
        (env("a"), snap("a", mk(["x", "y"]))),
        (env("b"), snap("b", mk(["y", "x"]))),
    ]);
    assert_eq!(
        row(&w.matrix(), "ec2.instance/api", "security_groups").status,
        Status::Same
    );
}

#[test]
fn per_parent_counts_are_rows_of_the_parent() {
    let vpc = |env: &str, subnets: usize| {
        let mut v = vec![Resource::named("ec2.vpc", "vpc-1", &format!("{env}-main"))];
        for i in 0..subnets {
            v.push(
                Resource::named(
                    "ec2.subnet",
                    &format!("subnet-{i}"),
                    &format!("{env}-private-{i}"),
                )
                .with_parent("vpc-1"),
            );
        }
        v
    };
    let w = World::new(vec![
        (env("staging"), snap("staging", vpc("staging", 2))),
        (env("prod"), snap("prod", vpc("prod", 3))),
    ]);
    let m = w.matrix();
    let r = row(&m, "ec2.vpc/main", "children.ec2.subnet");
    assert_eq!(r.raw.to_vec(), vec![json!(2), json!(3)]);
    assert_eq!(r.status, Status::Drift);
    assert_eq!(r.category, Category::Network);
}

#[test]
fn a_vpc_with_no_nat_gateways_counts_zero() {
    let w = World::new(vec![
        (
            env("staging"),
            snap("staging", vec![Resource::named("ec2.vpc", "vpc-1", "main")]),
        ),
        (
            env("prod"),
            snap(
                "prod",
                vec![
                    Resource::named("ec2.vpc", "vpc-2", "main"),
                    Resource::new(
                        "ec2.nat_gateway",
                        "nat-1",
                        Identity::Child {
                            parent: "vpc-2".into(),
                            role: "a".into(),
                        },
                    )
                    .with_parent("vpc-2"),
                ],
            ),
        ),
    ]);
    let m = w.matrix();
    assert_eq!(
        row(&m, "ec2.vpc/main", "children.ec2.nat_gateway")
            .raw
            .to_vec(),
        vec![json!(0), json!(1)]
    );
    assert_eq!(
        row(&m, "ec2.nat_gateway/main/a", "exists").status,
        Status::Missing
    );
}

#[test]
fn ignore_rules_and_volatile_fields_make_no_rows() {
    let mk = |who: &str| {
        vec![Resource::named("ec2.instance", "i-1", "api")
            .with_tag("LastDeployedBy", who)
            .with_attr("image_id", format!("ami-{who}"))
            .with_attr("private_ip_address", "10.0.0.1")]
    };
    let mut w = World::new(vec![
        (env("a"), snap("a", mk("alice"))),
        (env("b"), snap("b", mk("bob"))),
    ]);
    let m = w.matrix();
    assert!(has_row(&m, "ec2.instance/api", "tags.LastDeployedBy"));
    assert!(!has_row(&m, "ec2.instance/api", "image_id"));
    assert!(!has_row(&m, "ec2.instance/api", "private_ip_address"));
    w.ignores = vec![IgnoreRule {
        kind: "ec2.instance".into(),
        attribute: "tags.LastDeployedBy".into(),
    }];
    assert!(!has_row(
        &w.matrix(),
        "ec2.instance/api",
        "tags.LastDeployedBy"
    ));
}

// ---- statuses ---------------------------------------------------------------------------------

fn three(dev: &str, staging: &str, prod: &str) -> World {
    let mut dev_env = env("dev");
    dev_env.may_differ_in = vec![Category::Size];
    World::new(vec![
        (dev_env, snap("dev", vec![instance("i-1", "dev-api", dev)])),
        (
            env("staging"),
            snap("staging", vec![instance("i-2", "staging-api", staging)]),
        ),
        (
            env("prod"),
            snap("prod", vec![instance("i-3", "prod-api", prod)]),
        ),
    ])
}

#[test]
fn pairs_cells_and_row_follow_the_contract_example() {
    let m = three("t3.micro", "t3.medium", "t3.large").matrix();
    let r = row(&m, "ec2.instance/api", "instance_type");
    assert_eq!(r.status, Status::Drift);
    assert_eq!(r.pair_status(0, 1), Some(Status::Allowed));
    assert_eq!(r.pair_status(0, 2), Some(Status::Allowed));
    assert_eq!(r.pair_status(1, 2), Some(Status::Drift));
    assert_eq!(
        cells(r),
        vec![
            Some(Status::Allowed),
            Some(Status::Drift),
            Some(Status::Drift)
        ]
    );
}

#[test]
fn may_differ_in_applies_only_to_its_categories() {
    let mut w = three("t3.micro", "t3.large", "t3.large");
    for s in &mut w.snaps {
        let v = if s.environment == "dev" {
            "16.1"
        } else {
            "16.4"
        };
        s.resources.push(
            Resource::named(
                "rds.db_instance",
                "db",
                &format!("{}-orders-db", s.environment),
            )
            .with_attr("engine_version", v),
        );
    }
    let m = w.matrix();
    assert_eq!(
        row(&m, "ec2.instance/api", "instance_type").status,
        Status::Allowed
    );
    assert_eq!(
        row(&m, "rds.db_instance/orders-db", "engine_version").status,
        Status::Drift
    );
}

#[test]
fn missing_when_one_environment_lacks_the_resource() {
    let w = World::new(vec![
        (env("staging"), snap("staging", vec![])),
        (
            env("prod"),
            snap("prod", vec![instance("i-1", "prod-worker", "t3.large")]),
        ),
    ]);
    let m = w.matrix();
    let r = row(&m, "ec2.instance/worker", "exists");
    assert_eq!(r.status, Status::Missing);
    assert_eq!(r.raw.to_vec(), vec![json!(false), json!(true)]);
    // absence is reported once, on the exists row: no attribute row without a compared pair
    assert!(!has_row(&m, "ec2.instance/worker", "instance_type"));
}

#[test]
fn unknown_when_a_kind_failed_to_collect_and_not_missing() {
    let mut w = World::new(vec![
        (env("staging"), snap("staging", vec![])),
        (
            env("prod"),
            snap("prod", vec![instance("i-1", "prod-worker", "t3.large")]),
        ),
    ]);
    w.snaps[0].missing = vec![MissingKind {
        kind: "ec2.instance".into(),
        reason: "AccessDenied: not authorized".into(),
    }];
    let m = w.matrix();
    let r = row(&m, "ec2.instance/worker", "exists");
    assert_eq!(r.status, Status::Unknown);
    assert_eq!(r.raw.to_vec(), vec![Value::Null, json!(true)]);
    assert_eq!(cells(r), vec![Some(Status::Unknown), Some(Status::Unknown)]);
}

#[test]
fn kinds_a_source_never_produces_are_not_covered() {
    let mut w = World::new(vec![
        (
            env("staging"),
            snap(
                "staging",
                vec![Resource::new(
                    "tf.aws_s3_bucket",
                    "b",
                    Identity::Address {
                        address: "aws_s3_bucket.logs".into(),
                    },
                )],
            ),
        ),
        (env("prod"), snap("prod", vec![])),
    ]);
    w.snaps[0].source = Source::Terraform;
    let m = w.matrix();
    // the API snapshot never produces tf.* kinds: the pair is skipped, not missing or unknown
    let r = row(&m, "tf.aws_s3_bucket/aws_s3_bucket.logs", "exists");
    assert!(r.pairs.is_empty(), "{r:?}");
    assert_eq!(r.cells.to_vec(), vec![Some(Status::Same), None]);
    assert_eq!(m.score(0, 1).unwrap().compared, 0);
}

// ---- exceptions -------------------------------------------------------------------------------

fn multi_az_world(prod_value: bool) -> World {
    let db = |env: &str, v: bool| {
        Resource::named("rds.db_instance", "db", &format!("{env}-orders-db"))
            .with_attr("multi_az", v)
    };
    World::new(vec![
        (env("staging"), snap("staging", vec![db("staging", false)])),
        (env("prod"), snap("prod", vec![db("prod", prod_value)])),
    ])
}

#[test]
fn a_valid_exception_makes_a_difference_intentional() {
    let mut w = multi_az_world(true);
    w.exceptions = vec![exception(
        "prod-multi-az",
        "rds.db_instance/orders-db*",
        "multi_az",
        &["prod"],
    )];
    let m = w.matrix();
    let r = row(&m, "rds.db_instance/orders-db", "multi_az");
    assert_eq!(r.status, Status::Intentional);
    assert_eq!(r.exceptions, vec!["prod-multi-az".to_string()]);
}

#[test]
fn an_exception_must_name_one_of_the_pair() {
    let mut w = multi_az_world(true);
    w.exceptions = vec![exception("x", "rds.db_instance/*", "multi_az", &["dev"])];
    let r = w.matrix();
    let r = row(&r, "rds.db_instance/orders-db", "multi_az");
    assert_eq!(r.status, Status::Drift);
    assert!(r.exceptions.is_empty());
}

#[test]
fn expired_and_violated_exceptions_are_drift_again() {
    let mut w = multi_az_world(true);
    let mut e = exception("old", "rds.db_instance/*", "multi_az", &["prod"]);
    e.expires = NaiveDate::from_ymd_opt(2026, 11, 25);
    w.exceptions = vec![e.clone()];
    assert_eq!(
        row(&w.matrix(), "rds.db_instance/orders-db", "multi_az").status,
        Status::Expired
    );
    // valid through the expiry day
    e.expires = Some(today());
    w.exceptions = vec![e];
    assert_eq!(
        row(&w.matrix(), "rds.db_instance/orders-db", "multi_az").status,
        Status::Intentional
    );

    let mut v = exception("expect", "rds.db_instance/*", "multi_az", &["prod"]);
    v.expected = BTreeMap::from([
        ("prod".to_string(), json!(true)),
        ("staging".to_string(), json!(true)),
    ]);
    w.exceptions = vec![v];
    assert_eq!(
        row(&w.matrix(), "rds.db_instance/orders-db", "multi_az").status,
        Status::Violated
    );
}

#[test]
fn several_exceptions_on_one_row_the_best_wins_and_all_are_listed() {
    let mut w = multi_az_world(true);
    let mut expired = exception("a-expired", "rds.db_instance/*", "multi_az", &["prod"]);
    expired.expires = NaiveDate::from_ymd_opt(2020, 1, 1);
    let mut violated = exception("b-violated", "rds.db_instance/*", "*", &["prod"]);
    violated.expected = BTreeMap::from([("prod".to_string(), json!(false))]);
    w.exceptions = vec![expired.clone(), violated.clone()];
    let m = w.matrix();
    let r = row(&m, "rds.db_instance/orders-db", "multi_az");
    assert_eq!(r.status, Status::Violated, "unexpired beats expired");
    assert_eq!(
        r.exceptions,
        vec!["a-expired".to_string(), "b-violated".to_string()]
    );
    let good = exception("c-good", "rds.db_instance/orders-db", "multi_az", &["prod"]);
    w.exceptions = vec![expired, violated, good];
    assert_eq!(
        row(&w.matrix(), "rds.db_instance/orders-db", "multi_az").status,
        Status::Intentional
    );
}

#[test]
fn an_exception_can_expect_absence_on_an_exists_row() {
    let nat = Resource::new(
        "ec2.nat_gateway",
        "nat-1",
        Identity::Child {
            parent: "vpc-1".into(),
            role: "private-a".into(),
        },
    );
    let mut w = World::new(vec![
        (env("staging"), snap("staging", vec![])),
        (env("prod"), snap("prod", vec![nat])),
    ]);
    let mut e = exception("nat-prod-only", "ec2.nat_gateway/*", "exists", &["prod"]);
    e.expected = BTreeMap::from([
        ("prod".to_string(), json!(true)),
        ("staging".to_string(), json!(false)),
    ]);
    w.exceptions = vec![e];
    let m = w.matrix();
    let key = m
        .rows
        .iter()
        .find(|r| r.kind.as_ref() == "ec2.nat_gateway")
        .unwrap()
        .key
        .clone();
    assert_eq!(row(&m, &key, "exists").status, Status::Intentional);
}

#[test]
fn policy_comes_before_exceptions() {
    let mut w = three("t3.micro", "t3.large", "t3.large");
    w.exceptions = vec![exception("x", "ec2.instance/*", "instance_type", &["dev"])];
    let m = w.matrix();
    let r = row(&m, "ec2.instance/api", "instance_type");
    assert_eq!(r.status, Status::Allowed);
}

// ---- groups and ambiguity ---------------------------------------------------------------------

#[test]
fn resources_sharing_a_key_form_a_group_with_a_count_row() {
    let asg = |id: &str, ty: &str| {
        Resource::new(
            "ec2.instance",
            id,
            Identity::Name {
                name: "web-asg".into(),
            },
        )
        .with_attr("instance_type", ty)
    };
    let w = World::new(vec![
        (
            env("staging"),
            snap("staging", vec![asg("i-1", "t3.large")]),
        ),
        (
            env("prod"),
            snap(
                "prod",
                vec![
                    asg("i-2", "t3.large"),
                    asg("i-3", "t3.large"),
                    asg("i-4", "t3.xlarge"),
                ],
            ),
        ),
    ]);
    let m = w.matrix();
    let count = row(&m, "ec2.instance/web-asg", "count");
    assert_eq!(count.raw.to_vec(), vec![json!(1), json!(3)]);
    assert_eq!(count.category, Category::Size);
    let ty = row(&m, "ec2.instance/web-asg", "instance_type");
    assert_eq!(ty.raw[1], json!(["t3.large", "t3.xlarge"]));
    assert_eq!(ty.status, Status::Drift);
    // instances are not expected to be unique: no warning
    assert!(m.ambiguous.is_empty());
}

#[test]
fn unique_kinds_with_several_resources_are_reported_ambiguous() {
    let w = World::new(vec![
        (
            env("staging"),
            snap(
                "staging",
                vec![
                    Resource::named("ec2.vpc", "vpc-1", "main"),
                    Resource::named("ec2.vpc", "vpc-2", "staging-main"),
                ],
            ),
        ),
        (
            env("prod"),
            snap("prod", vec![Resource::named("ec2.vpc", "vpc-3", "main")]),
        ),
    ]);
    let m = w.matrix();
    assert_eq!(m.ambiguous.len(), 1);
    assert_eq!(m.ambiguous[0].key, "ec2.vpc/main");
    assert_eq!(m.ambiguous[0].native_ids, vec!["vpc-1", "vpc-2"]);
    let doc = DiffDocument::new(
        &m,
        &[&w.snaps[0], &w.snaps[1]],
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap(),
        None,
    );
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["warnings"][0]["type"], "ambiguous_key");
    assert_eq!(json["warnings"][0]["environment"], "staging");
}

// ---- change view and scores -------------------------------------------------------------------

#[test]
fn two_snapshots_of_one_environment_form_a_change_view() {
    let prod = env("prod");
    let mut old = snap("prod", vec![instance("i-1", "prod-api", "t3.medium")]);
    old.id = Some(12);
    let new = snap(
        "prod",
        vec![
            instance("i-1", "prod-api", "t3.large"),
            instance("i-2", "prod-worker", "t3.large"),
        ],
    );
    let exceptions = vec![exception("x", "ec2.instance/*", "*", &["prod"])];
    let columns = vec![
        Column {
            label: "prod@12".into(),
            env: &prod,
            snapshot: &old,
        },
        Column {
            label: "prod".into(),
            env: &prod,
            snapshot: &new,
        },
    ];
    let m = Matrix::compute(
        &columns,
        MatrixOptions {
            group_numbered: &parity_core::GroupNumbered::Default,
            rules: &[],
            ignores: &[],
            exceptions: &exceptions,
            today: today(),
        },
    )
    .unwrap();
    assert!(m.change_view);
    assert_eq!(m.labels, vec!["prod@12", "prod"]);
    assert_eq!(
        row(&m, "ec2.instance/api", "instance_type").status,
        Status::Drift
    );
    assert_eq!(
        row(&m, "ec2.instance/worker", "exists").status,
        Status::Missing
    );
    assert!(m
        .rows
        .iter()
        .all(|r| matches!(r.status, Status::Same | Status::Drift | Status::Missing)));
}

/// Many keys: the row phase builds them in parallel chunks and batches, and gathers the rows,
/// the pair counts and the rows holding secrets from all of them.
#[test]
fn scores_and_shared_secrets_hold_across_a_matrix_of_many_keys() {
    let fp = parity_core::secrets::Fingerprinter::new(b"test key".to_vec());
    let names = ["dev", "staging", "prod"];
    let world = World::new(
        names
            .iter()
            .map(|&e| {
                let resources = (0..6000)
                    .map(|i| {
                        // staging and prod share the password of every 1,500th service
                        let password = if i % 1500 == 7 && e != "dev" {
                            fp.token(&format!("shared-{i}"))
                        } else {
                            fp.token(&format!("{e}-{i}"))
                        };
                        let ty = if e == "prod" && i % 100 == 0 {
                            "t3.large"
                        } else {
                            "t3.micro"
                        };
                        instance(&format!("i-{e}-{i}"), &format!("{e}-svc{i}-app"), ty)
                            .with_attr("master_password", password.as_str())
                    })
                    .collect();
                (env(e), snap(e, resources))
            })
            .collect(),
    );
    // on two threads, 6,000 keys are three batches of the row phase (as on this project's CI)
    let m = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| world.matrix());
    assert_eq!(m.rows.len(), 6000 * 3);

    let found: Vec<(String, usize, usize)> = m
        .shared_secrets
        .iter()
        .map(|s| {
            let r = &m.rows[s.row];
            assert_eq!(&*r.attribute, "master_password");
            (r.key.to_string(), s.a, s.b)
        })
        .collect();
    let mut expected: Vec<(String, usize, usize)> = [7, 1507, 3007, 4507]
        .iter()
        .map(|i| (format!("ec2.instance/svc{i}-app"), 1, 2))
        .collect();
    expected.sort(); // rows come in key order
    assert_eq!(found, expected);

    // the scores are the pairs of every row, counted one by one
    for s in &m.scores {
        let compared: Vec<&Row> = m
            .rows
            .iter()
            .filter(|r| r.pair_status(s.a, s.b).is_some())
            .collect();
        let parity = compared
            .iter()
            .filter(|r| r.pair_status(s.a, s.b).is_some_and(|p| p.is_parity()))
            .count();
        assert_eq!((s.compared, s.parity), (compared.len(), parity), "{s:?}");
    }
    // prod's 60 larger instances are the only drift besides the passwords (compared by presence)
    assert_eq!(m.score(0, 2).unwrap().parity, 18000 - 60);
}

#[test]
fn pair_scores_count_parity_over_rows_compared() {
    let m = three("t3.micro", "t3.medium", "t3.large").matrix();
    // rows: exists (same everywhere), instance_type
    let s = m.score(1, 2).unwrap();
    assert_eq!((s.compared, s.parity), (2, 1));
    assert!((s.score() - 0.5).abs() < 1e-9);
    let s = m.score(0, 1).unwrap();
    assert_eq!((s.compared, s.parity), (2, 2));
}

#[test]
fn the_diff_document_has_the_contract_shape() {
    let w = three("t3.micro", "t3.medium", "t3.large");
    let m = w.matrix();
    let snaps: Vec<&Snapshot> = w.snaps.iter().collect();
    let filter = RowFilter {
        statuses: vec![Status::Drift],
        ..Default::default()
    };
    let compiled = filter.compile().unwrap();
    let keep: Vec<usize> = (0..m.rows.len())
        .filter(|&i| compiled.matches(&m.rows[i]))
        .collect();
    let doc = DiffDocument::new(
        &m,
        &snaps,
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap(),
        Some(&keep),
    );
    let v = serde_json::to_value(&doc).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["generated_at"], "2026-11-26T12:00:00Z");
    assert_eq!(v["environments"], json!(["dev", "staging", "prod"]));
    assert_eq!(v["snapshots"]["prod"]["source"], "aws");
    assert_eq!(v["snapshots"]["prod"]["status"], "complete");
    let r = &v["rows"][0];
    assert_eq!(r["key"], "ec2.instance/api");
    assert_eq!(r["attribute"], "instance_type");
    assert_eq!(r["category"], "size");
    assert_eq!(
        r["values"],
        json!({"dev": "t3.micro", "staging": "t3.medium", "prod": "t3.large"})
    );
    assert_eq!(
        r["cells"],
        json!({"dev": "allowed", "staging": "drift", "prod": "drift"})
    );
    assert_eq!(
        r["pairs"],
        json!([
            {"a": "dev", "b": "staging", "status": "allowed"},
            {"a": "dev", "b": "prod", "status": "allowed"},
            {"a": "staging", "b": "prod", "status": "drift"}
        ])
    );
    assert_eq!(v["summary"]["rows"], 1);
    assert_eq!(v["summary"]["by_status"], json!({"drift": 1}));
    // the JSON parses back into the same document
    let back: DiffDocument = serde_json::from_value(v).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn attributes_terraform_never_records_are_not_compared_against_it() {
    let mut w = World::new(vec![
        (
            env("staging"),
            snap("staging", vec![instance("i-1", "staging-api", "t3.large")]),
        ),
        (
            env("prod"),
            snap(
                "prod",
                vec![instance("i-2", "prod-api", "t3.large").with_attr("image_name", "al2023")],
            ),
        ),
    ]);
    w.snaps[0].source = Source::Terraform;
    let m = w.matrix();
    assert_eq!(
        row(&m, "ec2.instance/api", "instance_type").status,
        Status::Same
    );
    // Terraform does not record image names: no drift against an absent value
    assert!(!has_row(&m, "ec2.instance/api", "image_name"));
    w.snaps[0].source = Source::Aws;
    assert_eq!(
        row(&w.matrix(), "ec2.instance/api", "image_name").status,
        Status::Drift
    );
}

#[test]
fn an_attribute_a_per_resource_call_could_not_read_is_unknown_not_drift() {
    let function = |name: &str, memory: i64, concurrency: Option<i64>| {
        let mut r = Resource::new(
            "lambda.function",
            name,
            Identity::Name { name: name.into() },
        );
        r.attributes.insert("memory_size", json!(memory));
        r.attributes.insert("parameters.Tier", json!("gold"));
        match concurrency {
            Some(c) => {
                r.attributes.insert("reserved_concurrency", json!(c));
            }
            None => {
                r.mark_unknown(
                    "reserved_concurrency",
                    "Throttling: Rate exceeded (lambda:GetFunctionConcurrency)",
                );
                r.mark_unknown("parameters.*", "throttled");
            }
        }
        r
    };
    let w = World::new(vec![
        (
            env("staging"),
            snap("staging", vec![function("staging-api", 512, Some(5))]),
        ),
        (
            env("prod"),
            snap("prod", vec![function("prod-api", 1024, None)]),
        ),
    ]);
    let m = w.matrix();
    // The unreadable attribute is unknown …
    let r = row(&m, "lambda.function/api", "reserved_concurrency");
    assert_eq!(r.pair_status(0, 1), Some(Status::Unknown));
    assert_eq!(cells(r)[1], Some(Status::Unknown));
    // … so is every attribute under an unknown prefix, even one the resource still carries …
    let r = row(&m, "lambda.function/api", "parameters.Tier");
    assert_eq!(r.pair_status(0, 1), Some(Status::Unknown));
    // … and the resource's other attributes compare as usual.
    let r = row(&m, "lambda.function/api", "memory_size");
    assert_eq!(r.pair_status(0, 1), Some(Status::Drift));
    let r = row(&m, "lambda.function/api", "exists");
    assert_eq!(r.pair_status(0, 1), Some(Status::Same));
    // Additive in the snapshot JSON: absent when empty.
    let plain = serde_json::to_string(&function("x", 1, Some(1))).unwrap();
    assert!(!plain.contains("unknown"), "{plain}");
}

/// A matrix of many keys (several batches of parallel work) is the same, row for row and in
/// the same order, whatever the number of threads computing it: its rows, scores, shared
/// secrets and ambiguity warnings.
#[test]
fn a_large_matrix_does_not_depend_on_the_number_of_threads() {
    let fp = parity_core::secrets::Fingerprinter::new(b"test key".to_vec());
    let snapshot = |env: &str, drift: usize| {
        let kind = |i: usize| {
            if i.is_multiple_of(3) {
                "rds.db_instance"
            } else {
                "ssm.parameter"
            }
        };
        let mut resources: Vec<Resource> = (0..6000)
            .map(|i| {
                // dev and staging share every 2,500th password
                let password = if i % 2500 == 1 && env != "prod" {
                    fp.token(&format!("shared-{i}"))
                } else {
                    fp.token(&format!("{env}-{i}"))
                };
                Resource::named(kind(i), &format!("{env}-id-{i}"), &format!("svc{i}-{env}"))
                    .with_attr("size", if i % drift == 0 { "large" } else { "small" })
                    .with_attr("version", json!(i % 5))
                    .with_attr("master_password", password.as_str())
                    .with_tag("Team", &format!("t{}", i % 9))
            })
            .filter(|r| env != "prod" || !r.native_id.ends_with('7'))
            .collect();
        if env == "staging" {
            // a second database under the names of two others: ambiguous keys
            for i in [3, 3003] {
                resources.push(Resource::named(
                    kind(i),
                    &format!("{env}-twin-{i}"),
                    &format!("svc{i}-{env}"),
                ));
            }
        }
        snap(env, resources)
    };
    let world = World::new(vec![
        (env("dev"), snapshot("dev", 1000)),
        (env("staging"), snapshot("staging", 13)),
        (env("prod"), snapshot("prod", 29)),
    ]);
    let compute = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| world.matrix())
    };
    let one = compute(1);
    let three = compute(3);
    assert!(one.rows.len() >= 6000 * 3, "{}", one.rows.len());
    assert!(one.rows.iter().any(|r| r.status == Status::Drift));
    assert!(one.rows.iter().any(|r| r.status == Status::Missing));
    assert_eq!(one.rows, three.rows);
    assert!(one.rows.windows(2).all(|w| w[0].key <= w[1].key));
    assert_eq!(one.scores, three.scores);
    assert_eq!(one.shared_secrets.len(), 3, "{:?}", one.shared_secrets);
    assert_eq!(one.shared_secrets, three.shared_secrets);
    let ambiguous: Vec<&str> = one.ambiguous.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(
        ambiguous,
        ["rds.db_instance/svc3", "rds.db_instance/svc3003"]
    );
    assert_eq!(one.ambiguous, three.ambiguous);
}

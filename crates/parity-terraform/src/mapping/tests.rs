//! Unit tests of the mapping: rule and route folding, secrets, identities and address keys.

use chrono::TimeZone;
use parity_core::identity::key_snapshot;
use parity_core::TokenSet;
use serde_json::{json, Value};

use super::*;
use crate::state::parse_state;

fn taken_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

/// A version-4 state of `resources` (each `[module, type, name, [instances]]`).
fn state(resources: Value) -> TerraformState {
    let resources: Vec<Value> = resources
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut o = json!({
                "mode": "managed",
                "type": r[1],
                "name": r[2],
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": r[3],
            });
            if let Some(m) = r[0].as_str() {
                o["module"] = json!(m);
            }
            o
        })
        .collect();
    let doc = json!({"version": 4, "terraform_version": "1.9.0", "serial": 1, "lineage": "l", "resources": resources});
    parse_state(doc.to_string().as_bytes(), "test.tfstate").unwrap()
}

fn find<'a>(snap: &'a Snapshot, native_id: &str) -> &'a Resource {
    snap.resources
        .iter()
        .find(|r| r.native_id == native_id)
        .unwrap_or_else(|| panic!("no resource {native_id}"))
}

fn network_state() -> TerraformState {
    state(json!([
        [null, "aws_vpc", "main", [{"attributes": {
            "id": "vpc-1", "arn": "arn:aws:ec2:us-east-1:1:vpc/vpc-1", "cidr_block": "10.0.0.0/16",
            "ipv6_cidr_block": "", "enable_dns_support": true, "enable_dns_hostnames": true,
            "instance_tenancy": "default", "tags": {"Name": "prod-main"}, "tags_all": {"Name": "prod-main", "Team": "core"}}}]],
        [null, "aws_subnet", "private", [
            {"index_key": 0, "attributes": {"id": "subnet-a", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a", "map_public_ip_on_launch": false, "tags": {}}},
            {"index_key": 1, "attributes": {"id": "subnet-b", "vpc_id": "vpc-1", "cidr_block": "10.0.2.0/24", "availability_zone": "us-east-1b", "map_public_ip_on_launch": false, "tags": null}}]],
        [null, "aws_security_group", "web", [{"attributes": {
            "id": "sg-web", "arn": "arn:aws:ec2:us-east-1:1:security-group/sg-web", "name": "prod-web", "description": "web", "vpc_id": "vpc-1",
            "ingress": [
                {"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "protocol": "tcp", "from_port": 443, "to_port": 443, "description": ""},
                {"cidr_blocks": [], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": ["sg-lb"], "self": true, "protocol": "6", "from_port": 8080, "to_port": 8080, "description": ""}],
            "egress": [{"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": ["::/0"], "prefix_list_ids": [], "security_groups": [], "self": false, "protocol": "-1", "from_port": 0, "to_port": 0, "description": ""}],
            "tags": {}}}]],
        [null, "aws_security_group_rule", "https_again", [{"attributes": {
            "id": "sgrule-1", "type": "ingress", "security_group_id": "sg-web", "protocol": "tcp", "from_port": 443, "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"], "self": false, "source_security_group_id": null}}]],
        [null, "aws_security_group_rule", "from_db", [{"attributes": {
            "id": "sgrule-2", "type": "ingress", "security_group_id": "sg-web", "protocol": "udp", "from_port": 53, "to_port": 53,
            "cidr_blocks": null, "self": false, "source_security_group_id": "sg-db"}}]],
        [null, "aws_security_group_rule", "elsewhere", [{"attributes": {
            "id": "sgrule-3", "type": "ingress", "security_group_id": "sg-not-in-state", "protocol": "tcp", "from_port": 22, "to_port": 22,
            "cidr_blocks": ["10.0.0.0/8"], "self": false}}]],
        [null, "aws_vpc_security_group_egress_rule", "dns", [{"attributes": {
            "id": "sgr-9", "security_group_id": "sg-web", "ip_protocol": "udp", "from_port": 53, "to_port": 53, "cidr_ipv4": "10.0.0.2/32"}}]],
        [null, "aws_route_table", "private", [{"attributes": {
            "id": "rtb-1", "vpc_id": "vpc-1", "tags": {},
            "route": [{"cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "destination_prefix_list_id": "", "gateway_id": "", "nat_gateway_id": "nat-1", "instance_id": "", "network_interface_id": ""}]}}]],
        [null, "aws_route", "peer", [{"attributes": {
            "id": "r-rtb-1", "route_table_id": "rtb-1", "destination_cidr_block": "172.16.0.0/12", "vpc_peering_connection_id": "pcx-1", "gateway_id": ""}}]],
        [null, "aws_route_table_association", "private", [
            {"index_key": 0, "attributes": {"id": "rtbassoc-a", "route_table_id": "rtb-1", "subnet_id": "subnet-a", "gateway_id": ""}},
            {"index_key": 1, "attributes": {"id": "rtbassoc-b", "route_table_id": "rtb-1", "subnet_id": "subnet-b", "gateway_id": ""}}]],
        [null, "aws_nat_gateway", "this", [{"attributes": {"id": "nat-1", "subnet_id": "subnet-a", "connectivity_type": "public", "tags": {}}}]]
    ]))
}

#[test]
fn security_group_rules_fold_into_rule_sets() {
    let import = import_state(&network_state(), "prod", taken_at());
    let sg = find(&import.snapshot, "sg-web");
    assert_eq!(sg.kind, "ec2.security_group");
    assert_eq!(
        sg.identity,
        Identity::Name {
            name: "prod-web".into()
        }
    );
    assert_eq!(sg.parent.as_deref(), Some("vpc-1"));
    assert_eq!(
        sg.attributes["ingress"],
        json!([
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"},
            {"protocol": "tcp", "from_port": 8080, "to_port": 8080, "source": "sg-lb"},
            {"protocol": "tcp", "from_port": 8080, "to_port": 8080, "source": "sg-web"},
            {"protocol": "udp", "from_port": 53, "to_port": 53, "source": "sg-db"},
        ])
    );
    assert_eq!(
        sg.attributes["egress"],
        json!([
            {"protocol": "all", "from_port": null, "to_port": null, "source": "0.0.0.0/0"},
            {"protocol": "all", "from_port": null, "to_port": null, "source": "::/0"},
            {"protocol": "udp", "from_port": 53, "to_port": 53, "source": "10.0.0.2/32"},
        ])
    );
    // A rule for a group that is not in the state stays a generic resource.
    let orphan = find(&import.snapshot, "aws_security_group_rule.elsewhere");
    assert_eq!(orphan.kind, "tf.aws_security_group_rule");
    assert_eq!(
        orphan.attributes["security_group_id"],
        json!("sg-not-in-state")
    );
    assert!(orphan.aliases.contains(&"sgrule-3".to_string()));
}

#[test]
fn routes_and_associations_fold_into_route_tables() {
    let import = import_state(&network_state(), "prod", taken_at());
    let rtb = find(&import.snapshot, "rtb-1");
    assert_eq!(rtb.kind, "ec2.route_table");
    assert_eq!(
        rtb.identity,
        Identity::Child {
            parent: "vpc-1".into(),
            role: "subnet-a".into()
        }
    );
    assert_eq!(
        rtb.attributes["routes"],
        json!([
            {"destination": "0.0.0.0/0", "target": "nat-1"},
            {"destination": "10.0.0.0/16", "target": "local"},
            {"destination": "172.16.0.0/12", "target": "pcx-1"},
        ])
    );
    assert_eq!(
        rtb.attributes["associations"],
        json!(["subnet-a", "subnet-b"])
    );
    assert_eq!(rtb.attributes["main"], json!(false));

    let s = &import.summary;
    assert_eq!(s.managed_instances, 13);
    // 2 SG rules + 1 egress rule + 1 route + 2 associations; the orphan rule is not folded
    assert_eq!(s.folded, 6);
    assert_eq!(
        import.snapshot.resources.len() + s.folded,
        s.managed_instances
    );
    assert_eq!(import.snapshot.source, Source::Terraform);
    assert!(import.snapshot.missing.is_empty());

    let vpc = find(&import.snapshot, "vpc-1");
    assert_eq!(
        vpc.identity,
        Identity::Name {
            name: "prod-main".into()
        }
    );
    assert_eq!(vpc.attributes["is_default"], json!(false));
    assert_eq!(vpc.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        vpc.aliases,
        vec!["arn:aws:ec2:us-east-1:1:vpc/vpc-1".to_string()]
    );
    // tags_all wins; `Name` is the identity, not a tag
    assert_eq!(vpc.tags.get("Team").map(String::as_str), Some("core"));
    assert!(!vpc.tags.contains_key("Name"));

    let subnet = find(&import.snapshot, "subnet-b");
    assert_eq!(
        subnet.identity,
        Identity::Child {
            parent: "vpc-1".into(),
            role: "us-east-1b".into()
        }
    );
    assert_eq!(subnet.attributes["vpc"], json!("vpc-1"));
    assert_eq!(subnet.region.as_deref(), Some("us-east-1"));

    let nat = find(&import.snapshot, "nat-1");
    assert_eq!(
        nat.identity,
        Identity::Child {
            parent: "vpc-1".into(),
            role: "subnet-a".into()
        }
    );
    assert_eq!(nat.parent.as_deref(), Some("vpc-1"));

    // keys through the engine: children keyed by their parent's logical name and role
    let keyed = key_snapshot(&import.snapshot, &TokenSet::new(["prod"]), "/prod/", &[]);
    let key = |id: &str| keyed.key_of_id(id).unwrap().to_string();
    assert_eq!(key("vpc-1"), "ec2.vpc/main");
    assert_eq!(key("subnet-a"), "ec2.subnet/main/us-east-1a");
    assert_eq!(key("rtb-1"), "ec2.route_table/main/main/us-east-1a");
    assert_eq!(key("sg-web"), "ec2.security_group/web");
}

#[test]
fn sensitive_attributes_never_reach_the_snapshot() {
    let st = state(json!([
        [null, "aws_db_instance", "db", [{
            "attributes": {"id": "db-ABC", "identifier": "prod-orders", "arn": "arn:aws:rds:eu-west-1:1:db:prod-orders",
                "instance_class": "db.t3.micro", "engine": "postgres", "engine_version": "16", "engine_version_actual": "16.3",
                "password": "hunter2", "username": "admin", "iops": 0, "storage_throughput": 0, "allocated_storage": 20,
                "multi_az": false, "parameter_group_name": "prod-orders-pg", "vpc_security_group_ids": ["sg-2", "sg-1"]},
            "sensitive_attributes": [[{"type": "get_attr", "value": "password"}], [{"type": "get_attr", "value": "username"}]]}]],
        [null, "aws_db_parameter_group", "pg", [{"attributes": {"id": "prod-orders-pg", "name": "prod-orders-pg", "family": "postgres16",
            "arn": "arn:aws:rds:eu-west-1:1:pg:prod-orders-pg", "description": "d",
            "parameter": [{"name": "log_min_duration_statement", "value": "500", "apply_method": "immediate"}]}}]],
        ["module.app", "random_password", "db", [{"attributes": {"id": "none", "result": "p@ss-in-clear", "length": 24}}]],
        ["module.app", "aws_lambda_function", "fn", [{
            "attributes": {"id": "fn", "arn": "arn:aws:lambda:eu-west-1:1:function:fn", "runtime": "python3.12",
                "environment": [{"variables": {"DB_HOST": "db.internal", "DB_PASSWORD": "pw", "CUSTOM": "marked"}}], "tags": {"Name": "fn"}},
            "sensitive_attributes": [[{"type": "get_attr", "value": "environment"}, {"type": "index", "value": {"value": 0, "type": "number"}},
                {"type": "get_attr", "value": "variables"}, {"type": "index", "value": {"value": "CUSTOM", "type": "string"}}]]}]]
    ]));
    let import = import_state(&st, "prod", taken_at());
    let text = serde_json::to_string(&import.snapshot).unwrap();
    for secret in ["hunter2", "admin", "p@ss-in-clear", "\"pw\"", "marked"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(import.summary.redacted_values >= 5, "{:?}", import.summary);

    let db = find(&import.snapshot, "db-ABC");
    assert_eq!(
        db.identity,
        Identity::Name {
            name: "prod-orders".into()
        }
    );
    assert_eq!(
        db.aliases,
        vec![
            "prod-orders".to_string(),
            "arn:aws:rds:eu-west-1:1:db:prod-orders".to_string()
        ]
    );
    assert_eq!(db.attributes["engine_version"], json!("16.3"));
    assert_eq!(db.attributes["db_instance_class"], json!("db.t3.micro"));
    assert!(!db.attributes.contains_key("iops"), "0 iops means none");
    assert_eq!(db.attributes["db_parameter_group"], json!("prod-orders-pg"));
    assert_eq!(
        db.attributes["vpc_security_groups"],
        json!(["sg-1", "sg-2"])
    );
    assert_eq!(db.region.as_deref(), Some("eu-west-1"));

    let pg = find(&import.snapshot, "prod-orders-pg");
    assert_eq!(pg.kind, "rds.db_parameter_group");
    assert_eq!(
        pg.attributes["parameters.log_min_duration_statement"],
        json!("500")
    );

    let lambda = find(&import.snapshot, "module.app.aws_lambda_function.fn");
    assert_eq!(lambda.kind, "tf.aws_lambda_function");
    assert_eq!(
        lambda.attributes["environment"],
        json!([{"variables": {"DB_HOST": "db.internal", "DB_PASSWORD": "<secret>"}}])
    );
    assert_eq!(lambda.tags.get("Name").map(String::as_str), Some("fn"));
    assert!(!lambda.attributes.contains_key("tags"));

    // the DB's reference to its parameter group resolves through the engine
    let keyed = key_snapshot(&import.snapshot, &TokenSet::new(["prod"]), "/prod/", &[]);
    assert_eq!(
        keyed.key_of_id("prod-orders-pg"),
        Some("rds.db_parameter_group/orders-pg")
    );
    assert_eq!(
        keyed.key_of_id("prod-orders"),
        Some("rds.db_instance/orders")
    );
}

#[test]
fn secure_string_values_are_never_stored() {
    // Terraform < 0.15 kept SecureString values in clear and had no `sensitive_attributes`.
    let st = state(json!([
        [null, "aws_ssm_parameter", "p", [
            {"index_key": "db_url", "attributes": {"id": "/prod/db/url", "name": "/prod/db/url", "arn": "arn:aws:ssm:us-east-1:1:parameter/prod/db/url",
                "type": "SecureString", "value": "postgres://u:clear@h/db", "key_id": "alias/aws/ssm", "tier": "Standard", "version": 3}},
            {"index_key": "jwt", "attributes": {"id": "/prod/app/jwt_secret", "name": "/prod/app/jwt_secret", "type": "String", "value": "jwt-in-clear", "tier": "Standard"}},
            {"index_key": "host", "attributes": {"id": "/prod/db/host", "name": "/prod/db/host", "type": "String", "value": "prod-db.internal", "key_id": "", "tier": "Standard"}},
            {"index_key": "list", "attributes": {"id": "/prod/hosts", "name": "/prod/hosts", "type": "StringList", "insecure_value": "a,b", "value": null}}
        ]]
    ]));
    let snap = to_snapshot(&st, "prod", taken_at());
    let text = serde_json::to_string(&snap).unwrap();
    assert!(!text.contains("clear"), "{text}");

    let secure = find(&snap, "/prod/db/url");
    assert_eq!(secure.kind, "ssm.parameter");
    assert_eq!(
        secure.identity,
        Identity::Path {
            path: "/prod/db/url".into()
        }
    );
    assert_eq!(secure.attributes["type"], json!("SecureString"));
    assert_eq!(secure.attributes["key_id"], json!("alias/aws/ssm"));
    assert!(!secure.attributes.contains_key("value"));
    assert!(!secure.attributes.contains_key("value_fingerprint"));

    // a secret-looking String name keeps only presence (docs/CONTRACTS.md "Secrets")
    let jwt = find(&snap, "/prod/app/jwt_secret");
    assert_eq!(jwt.attributes["value"], json!("<secret>"));
    assert!(!jwt.attributes.contains_key("value_fingerprint"));
    assert_eq!(jwt.attributes["type"], json!("String"));

    let host = find(&snap, "/prod/db/host");
    assert_eq!(host.attributes["value"], json!("prod-db.internal"));
    assert!(!host.attributes.contains_key("key_id"));
    assert_eq!(find(&snap, "/prod/hosts").attributes["value"], json!("a,b"));

    let keyed = key_snapshot(&snap, &TokenSet::new(["prod"]), "/prod/", &[]);
    assert_eq!(
        keyed.key_of_id("/prod/db/host"),
        Some("ssm.parameter/db/host")
    );
}

#[test]
fn addresses_pair_across_environments_with_tokens_stripped() {
    let env_state = |env: &str| {
        state(json!([
            [format!("module.app_{env}"), "aws_s3_bucket", "logs", [
                {"index_key": env, "attributes": {"id": format!("{env}-logs"), "arn": format!("arn:aws:s3:::{env}-logs"), "tags": {"Env": env}}},
                {"index_key": "shared", "attributes": {"id": format!("{env}-shared")}}]],
            ["module.queues", "aws_sqs_queue", "jobs", [{"index_key": 0, "attributes": {"id": "q", "visibility_timeout_seconds": 30}}]],
            ["module.queues", "aws_sqs_queue", "jobs_dlq", [{"index_key": 0, "attributes": {"id": "q2", "redrive_policy": null}}]]
        ]))
    };
    let mut keys = Vec::new();
    for env in ["staging", "prod"] {
        let snap = to_snapshot(&env_state(env), env, taken_at());
        let bucket = find(
            &snap,
            &format!("module.app_{env}.aws_s3_bucket.logs[\"{env}\"]"),
        );
        assert_eq!(bucket.kind, "tf.aws_s3_bucket");
        assert_eq!(
            bucket.identity,
            Identity::Address {
                address: format!("module.app_{env}.aws_s3_bucket.logs[\"{env}\"]")
            }
        );
        assert_eq!(
            bucket.aliases,
            vec![format!("{env}-logs"), format!("arn:aws:s3:::{env}-logs")]
        );
        assert!(!find(&snap, "module.queues.aws_sqs_queue.jobs_dlq[0]")
            .attributes
            .contains_key("redrive_policy"));
        let keyed = key_snapshot(&snap, &TokenSet::new([env]), &format!("/{env}/"), &[]);
        let mut k = keyed.keys.clone();
        k.sort();
        keys.push(k);
    }
    assert_eq!(keys[0], keys[1]);
    assert!(
        keys[0].contains(&"tf.aws_s3_bucket/module.app.aws_s3_bucket.logs[\"shared\"]".to_string()),
        "{:?}",
        keys[0]
    );
    assert!(
        keys[0].contains(&"tf.aws_sqs_queue/module.queues.aws_sqs_queue.jobs[0]".to_string()),
        "{:?}",
        keys[0]
    );
}

#[test]
fn instances_map_with_their_references() {
    let st = state(json!([
        [null, "aws_subnet", "a", [{"attributes": {"id": "subnet-a", "vpc_id": "vpc-9", "availability_zone": "eu-west-1a", "tags": {"Name": "stg-app-a"}}}]],
        [null, "aws_iam_instance_profile", "app", [{"attributes": {"id": "app-profile", "name": "app-profile", "arn": "arn:aws:iam::1:instance-profile/app-profile"}}]],
        [null, "aws_instance", "app", [
            {"index_key": 0, "attributes": {"id": "i-1", "arn": "arn:aws:ec2:eu-west-1:1:instance/i-1", "instance_type": "t3.small", "ami": "ami-1",
                "instance_state": "running", "subnet_id": "subnet-a", "availability_zone": "eu-west-1a", "vpc_security_group_ids": ["sg-1"],
                "monitoring": false, "ebs_optimized": false, "private_ip": "10.0.0.5", "iam_instance_profile": "app-profile",
                "metadata_options": [{"http_tokens": "required", "http_endpoint": "enabled"}],
                "tags": {"Name": "stg-app", "aws:cloudformation:stack-name": "x", "Team": "web"}}},
            {"index_key": 1, "attributes": {"id": "i-2", "instance_type": "t3.small", "tags": {"aws:autoscaling:groupName": "stg-workers"}}}]]
    ]));
    let snap = to_snapshot(&st, "staging", taken_at());
    let i1 = find(&snap, "i-1");
    assert_eq!(i1.kind, "ec2.instance");
    assert_eq!(
        i1.identity,
        Identity::Name {
            name: "stg-app".into()
        }
    );
    assert_eq!(i1.attributes["vpc"], json!("vpc-9"));
    assert_eq!(i1.attributes["subnet"], json!("subnet-a"));
    assert_eq!(i1.attributes["image_id"], json!("ami-1"));
    assert_eq!(i1.attributes["state"], json!("running"));
    assert_eq!(i1.attributes["detailed_monitoring"], json!(false));
    assert_eq!(i1.attributes["metadata_http_tokens"], json!("required"));
    assert_eq!(
        i1.attributes["iam_instance_profile"],
        json!("arn:aws:iam::1:instance-profile/app-profile")
    );
    assert_eq!(i1.attributes["private_ip_address"], json!("10.0.0.5"));
    assert_eq!(i1.attributes["security_groups"], json!(["sg-1"]));
    assert_eq!(i1.tags.keys().collect::<Vec<_>>(), vec!["Team"]);
    assert_eq!(
        find(&snap, "i-2").identity,
        Identity::Name {
            name: "stg-workers".into()
        }
    );
    // the group that launched it, as a reference (docs/CONTRACTS.md "Groups")
    assert_eq!(
        find(&snap, "i-2").attributes["autoscaling_group"],
        json!("stg-workers")
    );
    assert!(!i1.attributes.contains_key("autoscaling_group"));

    let keyed = key_snapshot(&snap, &TokenSet::new(["staging", "stg"]), "/staging/", &[]);
    assert_eq!(keyed.key_of_id("i-1"), Some("ec2.instance/app"));
    assert_eq!(keyed.key_of_id("i-2"), Some("ec2.instance/workers"));
    assert_eq!(keyed.key_of_id("subnet-a"), Some("ec2.subnet/app-a"));
    // the profile is generic, resolvable by name and ARN
    assert_eq!(
        keyed.key_of_id("arn:aws:iam::1:instance-profile/app-profile"),
        Some("tf.aws_iam_instance_profile/aws_iam_instance_profile.app")
    );
}

#[test]
fn numbered_instances_of_one_address_form_the_group_the_api_side_forms() {
    // `count` instances named `web-1`, `web-2` (the way `"web-${count.index}"` names them) group
    // under `ec2.instance/web` as the API's `prd-web-01`, `prd-web-02` do; an unnamed subnet is
    // keyed by its zone ID, not its zone name (docs/CONTRACTS.md "Availability zones")
    let st = state(json!([
        [null, "aws_subnet", "a", [{"attributes": {"id": "subnet-a", "vpc_id": "vpc-9",
            "availability_zone": "eu-west-1c", "availability_zone_id": "euw1-az2"}}]],
        [null, "aws_vpc", "main", [{"attributes": {"id": "vpc-9", "cidr_block": "10.0.0.0/16", "tags": {"Name": "prd-main"}}}]],
        [null, "aws_instance", "web", [
            {"index_key": 0, "attributes": {"id": "i-1", "instance_type": "t3.small", "tags": {"Name": "prd-web-1"}}},
            {"index_key": 1, "attributes": {"id": "i-2", "instance_type": "t3.small", "tags": {"Name": "prd-web-2"}}}]]
    ]));
    let snap = to_snapshot(&st, "prod", taken_at());
    let keyed = key_snapshot(&snap, &TokenSet::new(["prod", "prd"]), "/prod/", &[]);
    assert_eq!(keyed.key_of_id("i-1"), Some("ec2.instance/web"));
    assert_eq!(keyed.key_of_id("i-2"), Some("ec2.instance/web"));
    assert_eq!(
        keyed.key_of_id("subnet-a"),
        Some("ec2.subnet/main/euw1-az2")
    );
    assert_eq!(
        find(&snap, "subnet-a").attributes["availability_zone_id"],
        json!("euw1-az2")
    );
}

#[test]
fn data_sources_are_skipped() {
    let doc = json!({"version": 4, "terraform_version": "1.9.0", "resources": [
        {"mode": "data", "type": "aws_ami", "name": "ubuntu", "instances": [{"attributes": {"id": "ami-1"}}]},
        {"mode": "managed", "type": "aws_eip", "name": "nat", "instances": [{"attributes": {"id": "eipalloc-1", "domain": "vpc", "tags": null}}]}
    ]});
    let st = parse_state(doc.to_string().as_bytes(), "d.tfstate").unwrap();
    let import = import_state(&st, "dev", taken_at());
    assert_eq!(import.snapshot.resources.len(), 1);
    assert_eq!(import.summary.data_sources_skipped, 1);
    assert_eq!(import.summary.generic, 1);
    assert_eq!(import.snapshot.resources[0].kind, "tf.aws_eip");
    assert!(import.snapshot.resources[0].tags.is_empty());
}

#[test]
fn security_group_rules_equal_the_api_collectors_form() {
    // The same HTTPS rule written three ways, and DNS over the VPC rule resource with a
    // protocol number: each equals parity-core's canonical rule built from the EC2 API's form
    // (`IpProtocol` "6"/"17", i32 ports), which is what parity-aws stores.
    let st = state(json!([
        [null, "aws_security_group", "web", [{"attributes": {
            "id": "sg-web", "name": "web", "vpc_id": "vpc-1",
            "ingress": [
                {"cidr_blocks": ["10.0.0.0/8"], "protocol": "6", "from_port": 443, "to_port": 443},
                {"cidr_blocks": ["10.1.0.0/16"], "protocol": 6, "from_port": 443, "to_port": 443}],
            "egress": [{"cidr_blocks": ["0.0.0.0/0"], "protocol": "-1", "from_port": 0, "to_port": 0}]}}]],
        [null, "aws_security_group_rule", "https", [{"attributes": {
            "type": "ingress", "security_group_id": "sg-web", "protocol": "TCP", "from_port": 443, "to_port": 443,
            "cidr_blocks": ["10.2.0.0/16"]}}]],
        [null, "aws_vpc_security_group_ingress_rule", "dns", [{"attributes": {
            "security_group_id": "sg-web", "ip_protocol": "17", "from_port": 53, "to_port": 53, "cidr_ipv4": "10.3.0.0/16"}}]]
    ]));
    let snap = to_snapshot(&st, "prod", taken_at());
    let sg = find(&snap, "sg-web");
    let api = |protocol: &str, port: i32, source: &str| {
        parity_core::sg_rule::SecurityGroupRule::new(
            parity_core::sg_rule::Protocol::parse(protocol),
            Some(i64::from(port)),
            Some(i64::from(port)),
        )
        .to_value(source)
    };
    assert_eq!(
        sg.attributes["ingress"],
        json!([
            api("6", 443, "10.0.0.0/8"),
            api("6", 443, "10.1.0.0/16"),
            api("6", 443, "10.2.0.0/16"),
            api("17", 53, "10.3.0.0/16"),
        ])
    );
    assert_eq!(sg.attributes["ingress"][0]["protocol"], json!("tcp"));
    assert_eq!(sg.attributes["ingress"][3]["protocol"], json!("udp"));
    let all = parity_core::sg_rule::SecurityGroupRule::new(
        parity_core::sg_rule::Protocol::parse("-1"),
        None,
        None,
    );
    assert_eq!(sg.attributes["egress"], json!([all.to_value("0.0.0.0/0")]));
}

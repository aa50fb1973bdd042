//! The built-in demo workspace: three environments modelled on the seed article's tables
//! (instance types; DB class, Multi-AZ, storage, backup retention, parameter-group values;
//! subnets, NAT gateways, a security group open wider in staging; PostgreSQL, Redis and runtime
//! versions; SSM paths per environment; scaling policies, alarms, a feature flag in DynamoDB and a
//! CloudFormation stack; a load balancer whose target group checks `/` in staging and `/healthz`
//! in prod, and the orders API on ECS with a newer image tag in prod than in staging) with dev
//! allowed to differ in size and the article's intentional
//! differences recorded as exceptions — one expired, one violated — so the matrix shows every
//! status. Attribute names are exactly those parity-aws's collectors produce (KINDS.md).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use parity_core::{
    Category, EnvironmentConfig, ExceptionRule, Identity, IgnoreRule, Resource, Snapshot, Source,
};
use serde_json::json;

use crate::workspace_file::WorkspaceFile;

pub const DEMO_NAME: &str = "shop-demo";

struct EnvShape {
    name: &'static str,
    index: u8,
    instance_api: &'static str,
    instance_worker: &'static str,
    db_class: &'static str,
    multi_az: bool,
    storage: i64,
    backup: i64,
    pg_version: &'static str,
    pg_family: &'static str,
    max_connections: &'static str,
    slow_query_ms: &'static str,
    subnets: &'static [&'static str],
    nat: bool,
    web_open_to_world: bool,
    redis: &'static str,
    cache_node: &'static str,
    node_runtime: &'static str,
    python_runtime: &'static str,
    asg: (i64, i64, i64),
    health_check_path: &'static str,
    image_tag: &'static str,
    api_tasks: i64,
    cpu_alarm: bool,
    log_level: &'static str,
    new_checkout_flag: bool,
    age: Duration,
}

fn shapes() -> [EnvShape; 3] {
    [
        EnvShape {
            name: "dev",
            index: 1,
            instance_api: "t3.micro",
            instance_worker: "t3.micro",
            db_class: "db.t3.small",
            multi_az: false,
            storage: 20,
            backup: 7,
            pg_version: "13.14",
            pg_family: "postgres13",
            max_connections: "200",
            slow_query_ms: "500",
            subnets: &["private-a"],
            nat: false,
            web_open_to_world: false,
            redis: "6.2",
            cache_node: "cache.t3.micro",
            node_runtime: "nodejs18.x",
            python_runtime: "python3.9",
            asg: (1, 2, 1),
            health_check_path: "/",
            image_tag: "1.9.0",
            api_tasks: 1,
            cpu_alarm: false,
            log_level: "debug",
            new_checkout_flag: false,
            age: Duration::hours(26),
        },
        EnvShape {
            name: "staging",
            index: 2,
            instance_api: "t3.large",
            instance_worker: "t3.small",
            db_class: "db.t3.medium",
            multi_az: false,
            storage: 50,
            backup: 7,
            pg_version: "14.11",
            pg_family: "postgres14",
            max_connections: "200",
            slow_query_ms: "500",
            subnets: &["private-a", "private-b"],
            nat: false,
            web_open_to_world: true,
            redis: "7.1",
            cache_node: "cache.m6g.large",
            node_runtime: "nodejs20.x",
            python_runtime: "python3.10",
            asg: (1, 2, 1),
            // the article's example: staging's health check is the bare `/`, prod's `/healthz`,
            // and prod already runs a newer build than staging
            health_check_path: "/",
            image_tag: "1.8.2",
            api_tasks: 2,
            cpu_alarm: false,
            log_level: "info",
            new_checkout_flag: true,
            age: Duration::minutes(12),
        },
        EnvShape {
            name: "prod",
            index: 3,
            instance_api: "t3.large",
            instance_worker: "t3.large",
            db_class: "db.t3.large",
            multi_az: true,
            storage: 500,
            backup: 30,
            pg_version: "15.6",
            pg_family: "postgres15",
            max_connections: "400",
            slow_query_ms: "1000",
            subnets: &["private-a", "private-b", "private-c"],
            nat: true,
            web_open_to_world: false,
            redis: "7.1",
            cache_node: "cache.m6g.large",
            node_runtime: "nodejs20.x",
            python_runtime: "python3.11",
            asg: (3, 10, 4),
            health_check_path: "/healthz",
            image_tag: "1.8.3",
            api_tasks: 2,
            cpu_alarm: true,
            log_level: "warn",
            new_checkout_flag: false,
            age: Duration::minutes(9),
        },
    ]
}

fn id(prefix: &str, env: u8, n: u32) -> String {
    format!("{prefix}-{env:02x}{n:015x}")
}

/// A stand-in for a keyed fingerprint (`hmac-sha256:<hex>`) of a value: 32 bytes of a simple
/// deterministic mix (the demo has no key and needs no real MAC).
fn fingerprint(value: &str) -> String {
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for b in value.bytes() {
        state = (state ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut hex = String::with_capacity(64);
    for _ in 0..4 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        hex.push_str(&format!("{state:016x}"));
    }
    format!("hmac-sha256:{hex}")
}

fn tagged(r: Resource, env: &str) -> Resource {
    r.with_tag("Environment", env)
        .with_tag("Team", "platform")
        .with_tag("Service", "shop")
}

fn snapshot(s: &EnvShape, now: DateTime<Utc>) -> Snapshot {
    let e = s.name;
    let i = s.index;
    let region = "us-east-1";
    let mut out: Vec<Resource> = Vec::new();
    let vpc = id("vpc", i, 1);
    let vpc_cidr = format!("10.{i}.0.0/16");
    out.push(tagged(
        Resource::named("ec2.vpc", &vpc, &format!("{e}-main-vpc"))
            .with_region(region)
            .with_attr("cidr_block", vpc_cidr.clone())
            .with_attr("enable_dns_support", true)
            .with_attr("enable_dns_hostnames", true)
            .with_attr("instance_tenancy", "default"),
        e,
    ));
    let mut subnet_ids = Vec::new();
    for (n, name) in s.subnets.iter().enumerate() {
        let sid = id("subnet", i, n as u32 + 1);
        let az = format!("us-east-1{}", name.chars().last().unwrap_or('a'));
        out.push(tagged(
            Resource::named("ec2.subnet", &sid, &format!("{e}-{name}"))
                .with_region(region)
                .with_parent(&vpc)
                .with_attr("cidr_block", format!("10.{i}.{}.0/24", n + 1))
                .with_attr("availability_zone", az)
                .with_attr("map_public_ip_on_launch", false)
                .with_attr("vpc", vpc.clone()),
            e,
        ));
        subnet_ids.push(sid);
    }
    let mut nat_ids = Vec::new();
    if s.nat {
        for (n, sid) in subnet_ids.iter().enumerate() {
            let nid = id("nat", i, n as u32 + 1);
            out.push(
                Resource::new(
                    "ec2.nat_gateway",
                    &nid,
                    Identity::Child {
                        parent: vpc.clone(),
                        role: sid.clone(),
                    },
                )
                .with_region(region)
                .with_parent(&vpc)
                .with_attr("subnet", sid.clone())
                .with_attr("connectivity_type", "public")
                .with_attr("state", "available"),
            );
            nat_ids.push(nid);
        }
    }
    let mut main_routes = vec![json!({"destination": vpc_cidr, "target": "local"})];
    if let Some(nat) = nat_ids.first() {
        main_routes.push(json!({"destination": "0.0.0.0/0", "target": nat}));
    }
    out.push(
        Resource::new(
            "ec2.route_table",
            &id("rtb", i, 1),
            Identity::Child {
                parent: vpc.clone(),
                role: "main".into(),
            },
        )
        .with_region(region)
        .with_parent(&vpc)
        .with_attr("routes", json!(main_routes))
        .with_attr("associations", json!(subnet_ids))
        .with_attr("main", true),
    );
    let web_sg = id("sg", i, 1);
    let db_sg = id("sg", i, 2);
    let alb_sg = id("sg", i, 3);
    let mut web_ingress = vec![
        json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "source": alb_sg}),
        json!({"protocol": "tcp", "from_port": 8080, "to_port": 8080, "source": web_sg}),
    ];
    if s.web_open_to_world {
        web_ingress.push(
            json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"}),
        );
    }
    let egress =
        json!([{"protocol": "all", "from_port": null, "to_port": null, "source": "0.0.0.0/0"}]);
    for (sid, name, ingress) in [
        (&web_sg, "web", json!(web_ingress)),
        (
            &db_sg,
            "db",
            json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "source": web_sg}]),
        ),
        (
            &alb_sg,
            "alb",
            json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"}]),
        ),
    ] {
        out.push(tagged(
            Resource::named("ec2.security_group", sid, &format!("{e}-{name}"))
                .with_region(region)
                .with_parent(&vpc)
                .with_attr("description", format!("{name} tier"))
                .with_attr("ingress", ingress)
                .with_attr("egress", egress.clone())
                .with_attr("vpc", vpc.clone()),
            e,
        ));
    }
    out.push(
        Resource::new(
            "ec2.security_group",
            &id("sg", i, 9),
            Identity::Child {
                parent: vpc.clone(),
                role: "default".into(),
            },
        )
        .with_region(region)
        .with_parent(&vpc)
        .with_attr("description", "default VPC security group")
        .with_attr(
            "ingress",
            json!([{"protocol": "all", "from_port": null, "to_port": null, "source": id("sg", i, 9)}]),
        )
        .with_attr("egress", egress.clone())
        .with_attr("vpc", vpc.clone()),
    );
    for (n, (name, ty)) in [("api", s.instance_api), ("worker", s.instance_worker)]
        .into_iter()
        .enumerate()
    {
        out.push(
            tagged(
                Resource::named(
                    "ec2.instance",
                    &id("i", i, n as u32 + 1),
                    &format!("{e}-{name}"),
                )
                .with_region(region)
                .with_attr("instance_type", ty)
                .with_attr("image_id", format!("ami-0{i}{n}c0ffee"))
                .with_attr(
                    "image_name",
                    "al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64",
                )
                .with_attr("architecture", "x86_64")
                .with_attr("platform", "linux")
                .with_attr("state", "running")
                .with_attr("vpc", vpc.clone())
                .with_attr("subnet", subnet_ids[0].clone())
                .with_attr("availability_zone", "us-east-1a")
                .with_attr("security_groups", json!([web_sg]))
                .with_attr("ebs_optimized", true)
                .with_attr("detailed_monitoring", s.cpu_alarm)
                .with_attr("metadata_http_tokens", "required")
                .with_attr("private_ip_address", format!("10.{i}.1.{}", 10 + n)),
                e,
            )
            .with_tag(
                "LastDeployedBy",
                if e == "prod" { "ci-bot" } else { "alice" },
            )
            // the incident view's demo: `incident staging prod --service checkout`
            .with_tag("Service", if name == "api" { "checkout" } else { "shop" }),
        );
    }
    out.push(tagged(
        Resource::named(
            "rds.db_instance",
            &format!("{e}-orders-db"),
            &format!("{e}-orders-db"),
        )
        .with_region(region)
        .with_attr("db_instance_class", s.db_class)
        .with_attr("engine", "postgres")
        .with_attr("engine_version", s.pg_version)
        .with_attr("multi_az", s.multi_az)
        .with_attr("storage_type", "gp3")
        .with_attr("allocated_storage", s.storage)
        .with_attr("backup_retention_period", s.backup)
        .with_attr("db_parameter_group", format!("{e}-orders-pg"))
        .with_attr("deletion_protection", true)
        .with_attr("auto_minor_version_upgrade", true)
        .with_attr("publicly_accessible", false)
        .with_attr("storage_encrypted", true)
        .with_attr("performance_insights_enabled", e == "prod")
        .with_attr("vpc_security_groups", json!([db_sg]))
        .with_attr("port", 5432)
        .with_attr(
            "endpoint_address",
            format!("{e}-orders-db.c9akciq32.us-east-1.rds.amazonaws.com"),
        ),
        e,
    ));
    if let Some(db) = out.last_mut() {
        db.tags.insert("Service", "checkout".into());
    }
    out.push(
        Resource::named(
            "rds.db_parameter_group",
            &format!("{e}-orders-pg"),
            &format!("{e}-orders-pg"),
        )
        .with_region(region)
        .with_attr("family", s.pg_family)
        .with_attr("description", "orders database parameters")
        .with_attr("parameters.max_connections", s.max_connections)
        .with_attr("parameters.log_min_duration_statement", s.slow_query_ms)
        .with_attr("parameters.work_mem", "4MB"),
    );
    // Prod runs Redis as a replication group with a replica and failover; the others a node.
    let replicated = e == "prod";
    let redis_family = if s.redis.starts_with('6') {
        "default.redis6.x"
    } else {
        "default.redis7"
    };
    let mut cache = Resource::named(
        "elasticache.cluster",
        &format!("{e}-sessions"),
        &format!("{e}-sessions"),
    )
    .with_region(region)
    .with_attr("replication_group", replicated)
    .with_attr("engine", "redis")
    .with_attr("engine_version", s.redis)
    .with_attr("cache_node_type", s.cache_node)
    .with_attr("num_cache_nodes", if replicated { 2 } else { 1 })
    .with_attr("shards", 1)
    .with_attr("cache_parameter_group", redis_family)
    .with_attr("security_groups", json!([web_sg]))
    .with_attr("automatic_failover", replicated)
    .with_attr("multi_az", replicated)
    .with_attr("at_rest_encryption_enabled", true)
    .with_attr("transit_encryption_enabled", true)
    .with_attr("snapshot_retention_limit", if replicated { 7 } else { 1 });
    if replicated {
        cache.aliases = vec![format!("{e}-sessions-001"), format!("{e}-sessions-002")];
    }
    out.push(cache);
    for (name, runtime, memory, concurrency) in [
        (
            "checkout-handler",
            s.node_runtime,
            512,
            (e == "prod").then_some(100),
        ),
        ("report-generator", s.python_runtime, 1024, None),
    ] {
        let mut f = Resource::named(
            "lambda.function",
            &format!("{e}-{name}"),
            &format!("{e}-{name}"),
        )
        .with_region(region)
        .with_attr("runtime", runtime)
        .with_attr("architecture", "arm64")
        .with_attr("memory_size", memory)
        .with_attr("timeout", 30)
        .with_attr("handler", "index.handler")
        .with_attr("package_type", "Zip")
        .with_attr("layers", json!(["shop-common:4", "otel-collector:2"]))
        .with_attr("vpc", vpc.clone())
        .with_attr("subnets", json!([subnet_ids[0]]))
        .with_attr("security_groups", json!([web_sg]))
        // the fingerprint of `{e}-orders-db.internal`: equal everywhere once the env token is
        // `{env}`
        .with_attr(
            "environment.DB_HOST",
            fingerprint("{env}-orders-db.internal"),
        );
        if name == "checkout-handler" {
            // dev has its own test key; staging uses prod's live one: the shared-secret finding
            f = f.with_attr(
                "environment.PAYMENT_API_KEY",
                fingerprint(if e == "dev" { "sk_test" } else { "sk_live" }),
            );
        }
        if let Some(n) = concurrency {
            f = f.with_attr("reserved_concurrency", n);
        }
        out.push(f);
    }
    let (min, max, desired) = s.asg;
    let mut asg = Resource::named(
        "autoscaling.group",
        &format!("{e}-web-asg"),
        &format!("{e}-web-asg"),
    )
    .with_region(region)
    .with_attr("min_size", min)
    .with_attr("max_size", max)
    .with_attr("desired_capacity", desired)
    .with_attr("health_check_type", "ELB")
    .with_attr("health_check_grace_period", 300)
    .with_attr("launch_template", format!("{e}-web-lt"))
    .with_attr("launch_template_version", "$Latest")
    .with_attr("availability_zones", json!(["us-east-1a", "us-east-1b"]));
    if s.cpu_alarm {
        // Prod auto-scales on CPU.
        asg = asg.with_attr(
            "policy.cpu-target",
            json!({"policy_type": "TargetTrackingScaling", "enabled": true,
                   "target_metric": "ASGAverageCPUUtilization", "target_value": 50.0}),
        );
    }
    out.push(tagged(asg, e));
    // The group's instances, numbered replicas the way teams name them (`prod-web-01` …): one
    // `ec2.instance/web` group whose count is the group's capacity (docs/CONTRACTS.md "Groups").
    for n in 1..=desired {
        let zone = if n % 2 == 0 {
            "us-east-1b"
        } else {
            "us-east-1a"
        };
        let subnet = &subnet_ids[(n as usize - 1) % subnet_ids.len().min(2)];
        out.push(tagged(
            Resource::named(
                "ec2.instance",
                &id("i", i, 16 + n as u32),
                &format!("{e}-web-{n:02}"),
            )
            .with_region(region)
            .with_attr(
                "instance_type",
                if e == "dev" { "t3.small" } else { "t3.medium" },
            )
            .with_attr("image_id", format!("ami-0{i}{n}c0ffee"))
            .with_attr(
                "image_name",
                "al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64",
            )
            .with_attr("architecture", "x86_64")
            .with_attr("platform", "linux")
            .with_attr("state", "running")
            .with_attr("autoscaling_group", format!("{e}-web-asg"))
            .with_attr("vpc", vpc.clone())
            .with_attr("subnet", subnet.clone())
            .with_attr("availability_zone", zone)
            .with_attr("security_groups", json!([web_sg]))
            .with_attr("metadata_http_tokens", "required")
            .with_attr("private_ip_address", format!("10.{i}.2.{}", 10 + n)),
            e,
        ));
    }
    if s.cpu_alarm {
        // Keyed by what it watches: the api instance's logical name and the metric.
        out.push(
            Resource::new(
                "cloudwatch.alarm",
                &format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{e}-api-high-cpu"),
                Identity::Child {
                    parent: id("i", i, 1),
                    role: "AWS/EC2/CPUUtilization".into(),
                },
            )
            .with_region(region)
            .with_attr("alarm_name", format!("{e}-api-high-cpu"))
            .with_attr("threshold", 80.0)
            .with_attr("comparison_operator", "GreaterThanThreshold")
            .with_attr("evaluation_periods", 3)
            .with_attr("period", 60)
            .with_attr("statistic", "Average")
            .with_attr("actions_enabled", true)
            .with_attr("treat_missing_data", "missing")
            .with_attr(
                "alarm_actions",
                json!([format!("arn:aws:sns:us-east-1:123456789012:{e}-oncall")]),
            ),
        );
    }
    // Feature flags (the article's `environment` / `feature_name` table): new-checkout is on
    // in staging only.
    for (flag, enabled, rollout) in [
        (
            "new-checkout",
            s.new_checkout_flag,
            if s.new_checkout_flag { 25 } else { 0 },
        ),
        ("dark-mode", true, 100),
    ] {
        out.push(
            Resource::named("dynamodb.item", flag, flag)
                .with_region(region)
                .with_attr("enabled", enabled)
                .with_attr("rollout_percentage", rollout)
                .with_attr("owner", "checkout-team"),
        );
    }
    out.push(tagged(
        Resource::named(
            "cloudformation.stack",
            &format!("{e}-shop-app"),
            &format!("{e}-shop-app"),
        )
        .with_region(region)
        .with_attr("description", "shop application stack")
        .with_attr(
            "template_hash",
            "sha256:5be0a6c1f8e2d4b7a9c3e1f0d2b4a6c8e0f1a3b5c7d9e2f4a6b8c0d1e3f5a7b9",
        )
        .with_attr("parameters.Environment", e)
        .with_attr(
            "parameters.LogRetentionDays",
            match e {
                "dev" => "7",
                "staging" => "14",
                _ => "30",
            },
        )
        .with_attr("parameters.DbPassword", "(NoEcho)")
        .with_attr("outputs.ApiUrl", format!("https://api.{e}.shop.example"))
        .with_attr("termination_protection", true)
        .with_attr(
            "drift_status",
            if e == "staging" { "DRIFTED" } else { "IN_SYNC" },
        ),
        e,
    ));
    let param = |path: &str, ty: &str, value: Option<&str>| {
        let name = format!("/{e}/{path}");
        let mut r = Resource::new(
            "ssm.parameter",
            &name,
            Identity::Path { path: name.clone() },
        )
        .with_region(region)
        .with_attr("type", ty)
        .with_attr("tier", "Standard")
        .with_attr("version", 3);
        match value {
            Some(v) => r = r.with_attr("value", v),
            None => r = r.with_attr("key_id", "alias/aws/ssm"),
        }
        r
    };
    out.push(param(
        "database/host",
        "String",
        Some(&format!("{e}-orders-db.internal")),
    ));
    out.push(param("database/port", "String", Some("5432")));
    out.push(param("database/password", "SecureString", None));
    out.push(param(
        "cache/host",
        "String",
        Some(&format!("{e}-sessions.cache.internal")),
    ));
    out.push(param("api/log_level", "String", Some(s.log_level)));
    out.extend(web_tier(s, &vpc, &subnet_ids, &web_sg));
    if s.new_checkout_flag {
        out.push(param("features/new_checkout", "String", Some("true")));
    }
    Snapshot {
        id: None,
        environment: e.to_string(),
        taken_at: now - s.age,
        source: Source::Demo,
        missing: Vec::new(),
        resources: out,
    }
}

/// The web tier in front of the instances and the orders API on ECS (KINDS.md's `elbv2.*` and
/// `ecs.*`): a load balancer, its HTTPS listener, the target group with its health check, a
/// cluster, the API's service and its active task definition.
fn web_tier(s: &EnvShape, vpc: &str, subnet_ids: &[String], web_sg: &str) -> Vec<Resource> {
    let e = s.name;
    let region = "us-east-1";
    let account = "123456789012";
    let elb = |what: &str, n: u32| {
        format!(
            "arn:aws:elasticloadbalancing:{region}:{account}:{what}/{e}-web/{:016x}",
            u64::from(s.index) << 32 | u64::from(n)
        )
    };
    let lb_arn = elb("loadbalancer/app", 1);
    let tg_arn = elb("targetgroup", 2);
    let (_, _, desired) = s.asg;
    let load_balancer = Resource::named("elbv2.load_balancer", &lb_arn, &format!("{e}-web"))
        .with_region(region)
        .with_parent(vpc)
        .with_attr("type", "application")
        .with_attr("scheme", "internet-facing")
        .with_attr("ip_address_type", "ipv4")
        .with_attr("vpc", vpc)
        .with_attr("security_groups", json!([web_sg]))
        .with_attr("subnets", json!(subnet_ids))
        .with_attr("idle_timeout", 60)
        .with_attr("deletion_protection", e == "prod")
        .with_attr("access_logs_enabled", e == "prod")
        .with_attr("http2_enabled", true)
        .with_attr("drop_invalid_header_fields", true)
        .with_attr(
            "dns_name",
            format!(
                "{e}-web-{}.{region}.elb.amazonaws.com",
                1000 + u32::from(s.index)
            ),
        )
        .with_attr("canonical_hosted_zone_id", "Z35SXDOTRQ7X7K");
    let listener = Resource::new(
        "elbv2.listener",
        &elb("listener/app", 3),
        Identity::Child {
            parent: lb_arn.clone(),
            role: "443".into(),
        },
    )
    .with_region(region)
    .with_attr("port", 443)
    .with_attr("protocol", "HTTPS")
    .with_attr("ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    .with_attr(
        "certificate",
        format!("arn:aws:acm:{region}:{account}:certificate/{e}-0000-1111"),
    )
    .with_attr(
        "default_actions",
        json!([{"type": "forward", "target_groups": [tg_arn]}]),
    );
    let target_group = Resource::named("elbv2.target_group", &tg_arn, &format!("{e}-web"))
        .with_region(region)
        .with_parent(vpc)
        .with_attr("protocol", "HTTP")
        .with_attr("port", 8080)
        .with_attr("target_type", "instance")
        .with_attr("vpc", vpc)
        .with_attr("health_check.enabled", true)
        .with_attr("health_check.protocol", "HTTP")
        .with_attr("health_check.path", s.health_check_path)
        .with_attr("health_check.port", "traffic-port")
        .with_attr("health_check.interval", 15)
        .with_attr("health_check.timeout", 5)
        .with_attr("health_check.healthy_threshold", 2)
        .with_attr("health_check.unhealthy_threshold", 3)
        .with_attr("health_check.matcher", "200")
        .with_attr("deregistration_delay", 30)
        .with_attr("stickiness.enabled", false)
        .with_attr("registered_targets", desired);
    let cluster_arn = format!("arn:aws:ecs:{region}:{account}:cluster/shop-{e}");
    let revision = 40 + i64::from(s.index) * 7;
    let td_arn =
        format!("arn:aws:ecs:{region}:{account}:task-definition/{e}-orders-api:{revision}");
    let cluster = Resource::named("ecs.cluster", &cluster_arn, &format!("shop-{e}"))
        .with_region(region)
        .with_attr(
            "container_insights",
            if e == "dev" { "disabled" } else { "enabled" },
        )
        .with_attr("capacity_providers", json!(["FARGATE", "FARGATE_SPOT"]));
    let service = Resource::named(
        "ecs.service",
        &format!("arn:aws:ecs:{region}:{account}:service/shop-{e}/{e}-orders-api"),
        &format!("{e}-orders-api"),
    )
    .with_region(region)
    .with_attr("cluster", cluster_arn.clone())
    .with_attr("launch_type", "FARGATE")
    .with_attr("platform_version", "1.4.0")
    .with_attr("desired_count", s.api_tasks)
    .with_attr("task_definition", td_arn.clone())
    .with_attr("deployment_minimum_healthy_percent", 100)
    .with_attr("deployment_maximum_percent", 200)
    .with_attr("circuit_breaker.enable", true)
    .with_attr("circuit_breaker.rollback", true)
    .with_attr("subnets", json!(subnet_ids))
    .with_attr("security_groups", json!([web_sg]))
    .with_attr("assign_public_ip", "DISABLED")
    .with_attr("load_balancers", json!([]));
    let task_definition =
        Resource::named("ecs.task_definition", &td_arn, &format!("{e}-orders-api"))
            .with_region(region)
            .with_attr("revision", revision)
            .with_attr("cpu", 512)
            .with_attr("memory", 1024)
            .with_attr("network_mode", "awsvpc")
            .with_attr("requires_compatibilities", json!(["FARGATE"]))
            .with_attr("runtime_platform.cpu_architecture", "ARM64")
            .with_attr("container.api.image_repository", "ecr/shop-orders-api")
            .with_attr("container.api.image_tag", s.image_tag)
            .with_attr("container.api.memory", 1024)
            .with_attr("container.api.ports", json!(["8080/tcp"]))
            .with_attr("container.api.essential", true)
            .with_attr("container.api.log_driver", "awslogs")
            .with_attr(
                "container.api.environment.DB_HOST",
                fingerprint("{env}-orders-db.internal"),
            );
    vec![
        tagged(load_balancer, e),
        listener,
        tagged(target_group, e),
        tagged(cluster, e),
        tagged(service, e),
        tagged(task_definition, e),
    ]
}

fn exception(
    id: &str,
    resource: &str,
    attribute: &str,
    justification: &str,
    owner: &str,
    created: NaiveDate,
    expires: NaiveDate,
) -> ExceptionRule {
    ExceptionRule {
        id: id.into(),
        resource: resource.into(),
        attribute: attribute.into(),
        environments: vec!["prod".into()],
        expected: Default::default(),
        elements: vec![],
        justification: justification.into(),
        owner: owner.into(),
        created: Some(created),
        expires: Some(expires),
        ticket: None,
    }
}

/// The demo's workspace file (environments, an ignore rule, exceptions), dated relative to `now`.
pub fn demo_file(now: DateTime<Utc>) -> WorkspaceFile {
    let today = now.date_naive();
    let created = today - Duration::days(60);
    let in_half_a_year = today + Duration::days(180);
    let environments = shapes()
        .iter()
        .map(|s| {
            let mut env = EnvironmentConfig::new(s.name);
            env.regions = vec!["us-east-1".into()];
            env.tags.insert("Environment".into(), s.name.into());
            if s.name == "staging" {
                env.aliases = vec!["stg".into()];
            }
            if s.name == "dev" {
                env.may_differ_in = vec![Category::Size];
            }
            env
        })
        .collect();
    let mut multi_az = exception(
        "prod-multi-az",
        "rds.db_instance/orders-db",
        "multi_az",
        "Replication: prod needs redundancy; lower environments run single-AZ to save cost.",
        "platform-team",
        created,
        in_half_a_year,
    );
    multi_az.expected.insert("prod".into(), json!(true));
    multi_az.ticket = Some("https://tracker.example/OPS-42".into());
    let mut backups = exception(
        "prod-backup-retention",
        "rds.db_instance/orders-db",
        "backup_retention_period",
        "Compliance: prod keeps 30 days of backups.",
        "dba-team",
        created,
        today - Duration::days(10),
    );
    backups.expected.insert("prod".into(), json!(30));
    let mut connections = exception(
        "prod-max-connections",
        "rds.db_parameter_group/orders-pg",
        "parameters.max_connections",
        "Prod handles more traffic and needs a larger connection pool.",
        "dba-team",
        created,
        in_half_a_year,
    );
    connections.expected.insert("prod".into(), json!("500"));
    WorkspaceFile {
        name: Some(DEMO_NAME.into()),
        group_numbered: None,
        environments,
        rules: Vec::new(),
        ignores: vec![IgnoreRule {
            kind: "*".into(),
            attribute: "tags.LastDeployedBy".into(),
        }],
        exceptions: vec![
            exception(
                "prod-instance-size",
                "rds.db_instance/orders-db",
                "{db_instance_class,allocated_storage}",
                "Instance size: prod is larger for production load; staging is smaller to save cost.",
                "platform-team",
                created,
                in_half_a_year,
            ),
            multi_az,
            backups,
            connections,
            exception(
                "prod-autoscaling",
                "autoscaling.group/web-asg",
                "{min_size,max_size,desired_capacity,policy.*}",
                "Scaling policies: prod auto-scales to handle more traffic.",
                "platform-team",
                created,
                in_half_a_year,
            ),
            exception(
                "prod-web-zones",
                "ec2.instance/web",
                "{zone_spread,subnet}",
                "Resilience: prod's web replicas spread over two subnets in two availability zones; lower environments run one replica.",
                "platform-team",
                created,
                in_half_a_year,
            ),
            exception(
                "prod-cache-replication",
                "elasticache.cluster/sessions",
                "{replication_group,num_cache_nodes,automatic_failover,multi_az,snapshot_retention_limit}",
                "Resilience: prod's session store runs a replica with automatic failover.",
                "platform-team",
                created,
                in_half_a_year,
            ),
            exception(
                "prod-monitoring",
                "cloudwatch.alarm/*",
                "exists",
                "Monitoring: prod has more detailed alerting.",
                "sre-team",
                created,
                in_half_a_year,
            ),
            {
                let mut e = exception(
                    "prod-detailed-monitoring",
                    "ec2.instance/*",
                    "detailed_monitoring",
                    "Monitoring: prod instances use detailed (1-minute) CloudWatch metrics.",
                    "sre-team",
                    created,
                    in_half_a_year,
                );
                e.expected.insert("prod".into(), json!(true));
                e
            },
        ],
        ..WorkspaceFile::default()
    }
}

/// The demo's snapshots, taken relative to `now`.
pub fn demo_snapshots(now: DateTime<Utc>) -> Vec<Snapshot> {
    shapes().iter().map(|s| snapshot(s, now)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use parity_core::{Column, Matrix, MatrixOptions, Status};

    /// The seed article's example, as the demo shows it: staging's target group checks `/` and
    /// prod's `/healthz`; prod runs a newer image tag than staging. Both are unexplained drift.
    #[test]
    fn the_demo_shows_the_articles_health_check_and_image_tag() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let file = demo_file(now);
        let snapshots = demo_snapshots(now);
        let columns: Vec<Column> = file
            .environments
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
                rules: &file.rules,
                ignores: &file.ignores,
                exceptions: &file.exceptions,
                today: now.date_naive(),
            },
        )
        .unwrap();
        let row = |key: &str, attribute: &str| {
            matrix
                .rows
                .iter()
                .find(|r| &*r.key == key && &*r.attribute == attribute)
                .unwrap_or_else(|| panic!("no row {key} {attribute}"))
        };
        // columns: dev, staging, prod
        let path = row("elbv2.target_group/web", "health_check.path");
        assert_eq!(path.raw[1], json!("/"));
        assert_eq!(path.raw[2], json!("/healthz"));
        assert_eq!(path.pair_status(1, 2), Some(Status::Drift));
        assert_eq!(path.category, Category::Resilience);
        let tag = row("ecs.task_definition/orders-api", "container.api.image_tag");
        assert_eq!(tag.raw[1], json!("1.8.2"));
        assert_eq!(tag.raw[2], json!("1.8.3"));
        assert_eq!(tag.pair_status(1, 2), Some(Status::Drift));
        assert_eq!(tag.category, Category::Version);
        // what only differs by environment pairs: references, the fingerprinted DB host
        for (key, attribute) in [
            ("elbv2.listener/web/443", "default_actions"),
            ("elbv2.listener/web/443", "certificate"),
            ("elbv2.load_balancer/web", "security_groups"),
            ("ecs.service/orders-api", "task_definition"),
            (
                "ecs.task_definition/orders-api",
                "container.api.environment.DB_HOST",
            ),
        ] {
            assert_eq!(
                row(key, attribute).pair_status(1, 2),
                Some(Status::Same),
                "{key} {attribute}"
            );
        }
    }
}

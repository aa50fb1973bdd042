//! parity-aws's application-layer collectors (Elastic Load Balancing v2, ECS, EKS, S3) against a
//! real moto server: staging and prod seeded with the seed article's drift by `seed.py` beside
//! this file (health-check path `/` vs `/healthz`, image tag 1.8.2 vs 1.8.3, EKS 1.29 vs 1.30,
//! bucket versioning), compared through parity-core's matrix; qa's resources belong to neither;
//! secrets in container environments are never stored; every operation moto received is on
//! OPERATIONS.

#[path = "../common/mod.rs"]
mod common;

use common::{count, find, matrix, row, seed};

use std::sync::Once;

use parity_aws::{collect_many, CollectContext, OPERATIONS};
use parity_core::{Category, EnvironmentConfig, Matrix, Status};
use parity_testkit::moto::Moto;
use parity_testkit::proxy::RecordingProxy;
use serde_json::json;

const REGION: &str = "us-east-1";

static INIT: Once = Once::new();

/// Static test credentials through the default chain; nothing from the user's AWS setup.
fn init() {
    INIT.call_once(|| {
        parity_testkit::isolated_default_chain("kinds", "AKIAKINDSTEST", "kinds-secret")
    });
}

/// An environment scoped by `Environment=<name>`.
fn env(name: &str, endpoint: &str) -> EnvironmentConfig {
    let mut env = EnvironmentConfig::new(name);
    env.regions = vec![REGION.to_string()];
    env.tags.insert("Environment".to_string(), name.to_string());
    env.endpoint_url = Some(endpoint.to_string());
    env
}

fn status(matrix: &Matrix, key: &str, attribute: &str) -> Option<Status> {
    row(matrix, key, attribute).pair_status(0, 1)
}

const SAME: Option<Status> = Some(Status::Same);
const DRIFT: Option<Status> = Some(Status::Drift);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_layer_kinds_with_the_articles_drift() {
    init();
    let moto = Moto::start();
    let seeded = seed(&moto, "kinds");
    let proxy = RecordingProxy::start(moto.port, &[]).await;
    let envs: Vec<EnvironmentConfig> = ["staging", "prod"]
        .iter()
        .map(|n| env(n, &proxy.endpoint()))
        .collect();
    let ctx = CollectContext::new("kinds-test").with_fingerprint_key(vec![7; 32]);
    let snapshots = collect_many(&envs, &ctx, &|_| {}).await;
    for s in &snapshots {
        assert!(s.missing.is_empty(), "{}: {:?}", s.environment, s.missing);
        // qa's resources belong to no environment here; environment values and the token
        // never stored in clear.
        let text = serde_json::to_string(s).unwrap();
        for leak in ["-qa", "plaintext-token", "db.internal"] {
            assert!(
                !text.contains(leak),
                "{}: `{leak}` in {text}",
                s.environment
            );
        }
    }
    let [staging, prod] = [&snapshots[0], &snapshots[1]];
    let ids = |env: &str, what: &str| seeded[env][what].as_str().unwrap().to_string();

    // ELBv2: one balancer, listener and target group per environment.
    for s in [staging, prod] {
        assert_eq!(count(s, "elbv2.load_balancer"), 1, "{}", s.environment);
        assert_eq!(count(s, "elbv2.listener"), 1, "{}", s.environment);
        assert_eq!(count(s, "elbv2.target_group"), 1, "{}", s.environment);
    }
    let tg = find(prod, "elbv2.target_group", &ids("prod", "tg"));
    assert_eq!(tg.attributes["health_check.path"], "/healthz");
    assert_eq!(tg.attributes["health_check.protocol"], "HTTP");
    assert_eq!(tg.attributes["health_check.port"], "traffic-port");
    assert_eq!(tg.attributes["health_check.interval"], 15);
    assert_eq!(tg.attributes["health_check.timeout"], 5);
    assert_eq!(tg.attributes["health_check.healthy_threshold"], 2);
    assert_eq!(tg.attributes["health_check.unhealthy_threshold"], 3);
    assert_eq!(tg.attributes["health_check.matcher"], "200");
    assert_eq!(tg.attributes["deregistration_delay"], 300);
    assert_eq!(tg.attributes["stickiness.enabled"], false);
    assert_eq!(tg.attributes["registered_targets"], 3);
    assert_eq!(tg.attributes["target_type"], "ip");
    assert_eq!(tg.tags.get("Environment").map(String::as_str), Some("prod"));
    assert_eq!(
        find(staging, "elbv2.target_group", &ids("staging", "tg")).attributes["health_check.path"],
        "/"
    );
    let lb = find(prod, "elbv2.load_balancer", &ids("prod", "lb"));
    assert_eq!(lb.attributes["type"], "application");
    assert_eq!(lb.attributes["scheme"], "internet-facing");
    assert_eq!(lb.attributes["idle_timeout"], 120);
    assert_eq!(lb.attributes["deletion_protection"], true);
    assert_eq!(lb.attributes["security_groups"], json!([ids("prod", "sg")]));
    assert!(lb.attributes["dns_name"].as_str().unwrap().contains("elb"));
    let listener = find(prod, "elbv2.listener", &ids("prod", "listener"));
    assert_eq!(listener.attributes["port"], 80);
    assert_eq!(listener.attributes["protocol"], "HTTP");
    assert_eq!(
        listener.attributes["default_actions"],
        json!([{"type": "forward", "target_groups": [ids("prod", "tg")]}])
    );

    // ECS: the active revision of each family, its image tag the application's version.
    for s in [staging, prod] {
        assert_eq!(count(s, "ecs.cluster"), 1, "{}", s.environment);
        assert_eq!(count(s, "ecs.service"), 1, "{}", s.environment);
        assert_eq!(count(s, "ecs.task_definition"), 1, "{}", s.environment);
    }
    let td = find(prod, "ecs.task_definition", &ids("prod", "task_definition"));
    assert_eq!(td.attributes["revision"], seeded["prod"]["revision"]);
    assert_eq!(td.attributes["container.api.image_tag"], "1.8.3");
    assert_eq!(
        td.attributes["container.api.image_repository"],
        "ecr/shop-api"
    );
    assert_eq!(td.attributes["container.api.ports"], json!(["8080/tcp"]));
    assert_eq!(td.attributes["container.api.essential"], true);
    assert_eq!(td.attributes["container.api.log_driver"], "awslogs");
    assert_eq!(td.attributes["cpu"], 256);
    assert_eq!(td.attributes["memory"], 1024);
    assert_eq!(td.attributes["network_mode"], "awsvpc");
    let host = td.attributes["container.api.environment.DB_HOST"]
        .as_str()
        .unwrap();
    assert!(host.starts_with("hmac-sha256:"), "{host}");
    let token = td.attributes["container.api.environment.API_TOKEN"]
        .as_str()
        .unwrap();
    assert!(token.starts_with("<secret:hmac-sha256:"), "{token}");
    // a secret by reference name only (and under a secret-looking name, as a token)
    let secret = td.attributes["container.api.secrets.DB_PASSWORD"]
        .as_str()
        .unwrap();
    assert!(secret.starts_with("<secret"), "{secret}");
    assert_eq!(
        find(
            staging,
            "ecs.task_definition",
            &ids("staging", "task_definition")
        )
        .attributes["container.api.image_tag"],
        "1.8.2"
    );
    let service = find(prod, "ecs.service", &ids("prod", "service"));
    assert_eq!(service.attributes["desired_count"], 3);
    assert_eq!(service.attributes["launch_type"], "FARGATE");
    assert_eq!(service.attributes["assign_public_ip"], "DISABLED");
    assert_eq!(
        service.attributes["load_balancers"],
        json!([{"target_group": ids("prod", "tg"), "container_name": "api", "container_port": 8080}])
    );
    let cluster = find(prod, "ecs.cluster", &ids("prod", "cluster"));
    assert_eq!(cluster.attributes["container_insights"], "enabled");

    // EKS: versions and node groups.
    let eks = find(prod, "eks.cluster", &ids("prod", "eks"));
    assert_eq!(eks.attributes["version"], "1.30");
    assert_eq!(eks.attributes["endpoint_public_access"], false);
    assert_eq!(count(prod, "eks.node_group"), 1);
    let ng = prod
        .resources
        .iter()
        .find(|r| r.kind == "eks.node_group")
        .unwrap();
    assert_eq!(ng.attributes["instance_types"], json!(["m6i.large"]));
    assert_eq!(ng.attributes["desired_size"], 3);
    assert_eq!(ng.attributes["cluster"], ids("prod", "eks"));

    // S3: each environment's buckets — the tagged assets bucket, and the untagged logs bucket by
    // the environment token in its name (qa's are in neither).
    for s in [staging, prod] {
        assert_eq!(count(s, "s3.bucket"), 2, "{}", s.environment);
    }
    let bucket = find(prod, "s3.bucket", "shop-assets-prod");
    assert!(bucket.unknown.is_empty(), "{:?}", bucket.unknown);
    assert_eq!(bucket.attributes["versioning"], "Enabled");
    assert_eq!(bucket.attributes["encryption_algorithm"], "AES256");
    assert_eq!(
        bucket.attributes["public_access_block.restrict_public_buckets"],
        true
    );
    assert_eq!(bucket.attributes["object_ownership"], "ObjectWriter");
    assert_eq!(bucket.attributes["logging_enabled"], false);
    assert_eq!(bucket.attributes["lifecycle.expire-tmp"], "Enabled");
    assert_eq!(
        find(staging, "s3.bucket", "shop-assets-staging").attributes["versioning"],
        "Disabled"
    );

    // The matrix: the article's example, and references that pair although ids differ.
    let m = matrix(&envs, &snapshots);
    assert_eq!(
        status(&m, "elbv2.target_group/web", "health_check.path"),
        DRIFT
    );
    assert_eq!(
        row(&m, "elbv2.target_group/web", "health_check.path").category,
        Category::Resilience
    );
    assert_eq!(
        status(&m, "elbv2.target_group/web", "health_check.interval"),
        SAME
    );
    assert_eq!(
        status(&m, "elbv2.target_group/web", "registered_targets"),
        DRIFT
    );
    assert_eq!(status(&m, "elbv2.target_group/web", "vpc"), SAME);
    assert_eq!(status(&m, "elbv2.load_balancer/web", "idle_timeout"), DRIFT);
    assert_eq!(
        status(&m, "elbv2.load_balancer/web", "security_groups"),
        SAME
    );
    assert_eq!(status(&m, "elbv2.load_balancer/web", "subnets"), SAME);
    assert_eq!(status(&m, "elbv2.listener/web/80", "default_actions"), SAME);
    let image = row(&m, "ecs.task_definition/api", "container.api.image_tag");
    assert_eq!(image.pair_status(0, 1), DRIFT);
    assert_eq!(image.category, Category::Version);
    for (attribute, expected) in [
        ("container.api.image_repository", SAME),
        ("container.api.environment.DB_HOST", SAME),
        ("container.api.environment.LOG_LEVEL", DRIFT),
        ("container.api.environment.API_TOKEN", SAME),
        ("container.api.secrets.DB_PASSWORD", SAME),
        ("memory", DRIFT),
        ("cpu", SAME),
    ] {
        assert_eq!(
            status(&m, "ecs.task_definition/api", attribute),
            expected,
            "{attribute}"
        );
    }
    // revisions are volatile: no row
    assert!(!m
        .rows
        .iter()
        .any(|r| &*r.key == "ecs.task_definition/api" && &*r.attribute == "revision"));
    assert_eq!(status(&m, "ecs.service/api", "desired_count"), DRIFT);
    assert_eq!(status(&m, "ecs.service/api", "load_balancers"), SAME);
    assert_eq!(status(&m, "ecs.service/api", "task_definition"), SAME);
    assert_eq!(status(&m, "ecs.service/api", "cluster"), SAME);
    assert_eq!(status(&m, "ecs.cluster/shop", "container_insights"), DRIFT);
    let version = row(&m, "eks.cluster/platform", "version");
    assert_eq!(version.pair_status(0, 1), DRIFT);
    assert_eq!(version.category, Category::Version);
    assert_eq!(
        status(&m, "eks.cluster/platform", "endpoint_public_access"),
        DRIFT
    );
    assert_eq!(
        status(&m, "eks.node_group/platform/workers", "instance_types"),
        DRIFT
    );
    assert_eq!(
        status(&m, "eks.node_group/platform/workers", "ami_type"),
        SAME
    );
    assert_eq!(status(&m, "s3.bucket/shop-assets", "versioning"), DRIFT);
    assert_eq!(
        row(
            &m,
            "s3.bucket/shop-assets",
            "public_access_block.restrict_public_buckets"
        )
        .category,
        Category::Security
    );
    assert_eq!(
        status(
            &m,
            "s3.bucket/shop-assets",
            "public_access_block.block_public_acls"
        ),
        SAME
    );
    assert_eq!(
        status(&m, "s3.bucket/shop-assets", "lifecycle.expire-tmp"),
        SAME
    );

    // Every call is a read call on the published list.
    let unknown: Vec<String> = proxy
        .operations()
        .into_iter()
        .filter(|o| !OPERATIONS.contains(&o.as_str()))
        .collect();
    assert!(unknown.is_empty(), "not on OPERATIONS: {unknown:?}");
    for op in [
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "ecs:DescribeTaskDefinition",
        "eks:DescribeNodegroup",
        "s3:ListAllMyBuckets",
        "s3:GetBucketTagging",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetLifecycleConfiguration",
    ] {
        assert!(
            proxy.operations().iter().any(|o| o == op),
            "{op} was not called"
        );
    }
}

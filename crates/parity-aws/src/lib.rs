//! EnvParity's AWS inventory: resolves an environment's credentials (profiles through aws-config,
//! static keys only from the OS keyring, a role assumed on top), collects EC2, RDS, SSM,
//! ElastiCache, Lambda, Auto Scaling, CloudWatch, CloudFormation, Elastic Load Balancing v2, ECS,
//! EKS, S3 (and, opted in, DynamoDB feature flag) resources concurrently into a
//! `parity_core::Snapshot` (partial, with reasons, when calls fail), publishes the exact list of
//! AWS operations it calls as a least-privilege IAM policy, and lists an Organization's accounts
//! (`org discover`). The only crate that knows the SDK.

mod assume;
mod autoscaling;
mod cloudformation;
mod cloudwatch;
pub mod collect;
pub mod credentials;
mod dynamodb;
mod ec2;
mod ecs;
mod eks;
mod elasticache;
mod elbv2;
mod failure;
mod http;
pub mod iam;
mod lambda;
pub mod limits;
pub mod organizations;
pub mod progress;
mod rds;
mod s3;
mod scope;
pub mod secrets;
mod ssm;

pub use collect::{
    collect, collect_many, test_connection, CollectContext, ConnectionError, ConnectionInfo,
};
pub use credentials::{
    database_password, fingerprint_key, set_database_password, CredentialError, CredentialSource,
    KeyringError, KeyringStore, StaticKeys,
};
pub use iam::{policy_json, source_policy_json, trust_policy_json, OPERATIONS};
pub use limits::{CallTimeouts, DEFAULT_COLLECT_TIMEOUT, DEFAULT_RATE_SHARE};
pub use organizations::{discover, DiscoverOptions, OrgAccount, ORGANIZATIONS_OPERATIONS};
pub use progress::{Phase, ProgressEvent};
pub use secrets::{looks_secret, ValueFingerprinter};

/// The kinds the AWS collectors produce for every environment, in the order they are reported.
/// [`FEATURE_FLAG_KIND`] comes on top for environments that opt in ([`kinds_for`]).
pub const KINDS: &[&str] = &[
    "ec2.vpc",
    "ec2.subnet",
    "ec2.nat_gateway",
    "ec2.route_table",
    "ec2.security_group",
    "ec2.instance",
    "rds.db_instance",
    "rds.db_parameter_group",
    "ssm.parameter",
    "elasticache.cluster",
    "lambda.function",
    "autoscaling.group",
    "cloudwatch.alarm",
    "cloudformation.stack",
    "elbv2.load_balancer",
    "elbv2.listener",
    "elbv2.target_group",
    "ecs.cluster",
    "ecs.service",
    "ecs.task_definition",
    "eks.cluster",
    "eks.node_group",
    "s3.bucket",
];

/// Feature flags from DynamoDB: collected only for environments with `feature_flags` configured
/// (an environment without it makes no call, so the kind can neither succeed nor fail there).
pub const FEATURE_FLAG_KIND: &str = "dynamodb.item";

/// The kinds collected for `env`: [`KINDS`], plus [`FEATURE_FLAG_KIND`] when it opts in.
pub fn kinds_for(env: &parity_core::EnvironmentConfig) -> Vec<&'static str> {
    let mut kinds = KINDS.to_vec();
    if env.feature_flags.is_some() {
        kinds.push(FEATURE_FLAG_KIND);
    }
    kinds
}

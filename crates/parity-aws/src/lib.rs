//! EnvParity's AWS inventory: resolves an environment's credentials (profiles through aws-config,
//! static keys only from the OS keyring), collects EC2, RDS and SSM resources concurrently into a
//! `parity_core::Snapshot` (partial, with reasons, when calls fail) and publishes the exact list
//! of AWS operations it calls as a least-privilege IAM policy. The only crate that knows the SDK.

pub mod collect;
pub mod credentials;
mod ec2;
mod failure;
mod http;
pub mod iam;
pub mod progress;
mod rds;
pub mod secrets;
mod ssm;

pub use collect::{
    collect, collect_many, test_connection, CollectContext, ConnectionError, ConnectionInfo,
};
pub use credentials::{
    fingerprint_key, CredentialError, CredentialSource, KeyringError, KeyringStore, StaticKeys,
};
pub use iam::{policy_json, OPERATIONS};
pub use progress::{Phase, ProgressEvent};
pub use secrets::{looks_secret, ValueFingerprinter};

/// The kinds the AWS collectors produce, in the order they are reported.
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
];

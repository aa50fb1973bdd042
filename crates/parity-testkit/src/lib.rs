//! Dev-only test support shared by EnvParity's tests and the benchmarks:
//! - [`bench`]: several timed runs of a phase (best, median, CPU time) and the load average;
//! - [`golden::assert_golden`] (parity-report's reports, the CLI's diff JSON): output compared with
//!   a committed file; `UPDATE_GOLDEN=1` rewrites it, a missing golden fails;
//!
//! and for the AWS side (parity-aws's moto tests, the end-to-end tests of the `envparity` binary
//! in tests/aws, the benchmark):
//! - [`moto::Moto`]: a real moto server on a free 127.0.0.1 port, killed on drop, seeded through
//!   boto3 (`seed.py` beside this crate's manifest, [`moto::seed_script`]);
//! - [`proxy::RecordingProxy`]: an HTTP/1.1 proxy in front of it that records every request's
//!   operation, access key id and timing, can drop chosen services' connections, and can add a
//!   fixed delay per request, and can put moto's answers on a [`proxy::Tape`] and later answer
//!   from the tape alone, moto stopped (the collect benchmark); [`proxy::BackgroundProxy`] runs
//!   one on its own thread for tests that are not async. It also bridges what moto cannot serve: Smithy RPC v2 CBOR requests
//!   (CloudWatch in the Rust SDK) go to moto as AWS JSON 1.0 and come back as CBOR ([`rpcv2`]);
//! - [`faults`]: what the proxy injects on a seeded, reproducible schedule (throttling in each
//!   protocol's own error format, 5xx, connection resets, stalls, slow answers, truncated
//!   bodies).
//!
//! and for team workspaces, [`pg::fresh_database`]: an empty database of its own per test on the
//! private PostgreSQL cluster `scripts/pg.sh` starts (`ENVPARITY_TEST_PG`).

pub mod bench;
pub mod faults;
pub mod golden;
pub mod moto;
pub mod pg;
pub mod proxy;
pub mod rpcv2;

/// Variables a developer's shell may carry that would change which credentials, endpoint or
/// proxy an in-process SDK client uses.
pub const SHELL_AWS_VARS: &[&str] = &[
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// [`default_chain_only`] with empty AWS config and credentials files of this process's own
/// (`tag` names the temporary folder): nothing from the user's AWS setup reaches the SDK.
pub fn isolated_default_chain(tag: &str, key_id: &str, secret: &str) {
    let dir = std::env::temp_dir().join(format!("envparity-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("config"), "").expect("write AWS config");
    std::fs::write(dir.join("credentials"), "").expect("write AWS credentials");
    std::env::set_var("AWS_CONFIG_FILE", dir.join("config"));
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));
    default_chain_only(key_id, secret);
}

/// Makes this process's default credential chain exactly `key_id`/`secret`: no instance metadata,
/// and none of [`SHELL_AWS_VARS`]. Callers point `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE` at what their tests need.
pub fn default_chain_only(key_id: &str, secret: &str) {
    std::env::set_var("AWS_ACCESS_KEY_ID", key_id);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", secret);
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    for var in SHELL_AWS_VARS {
        std::env::remove_var(var);
    }
}

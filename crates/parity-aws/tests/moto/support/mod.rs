//! Test support: a real moto server per test and a recording TCP proxy in front of it (both from
//! parity-testkit, shared with the end-to-end tests), and the process-wide AWS settings the tests
//! share.

pub use parity_testkit::{moto, proxy};

use std::path::PathBuf;
use std::sync::Once;

use parity_core::EnvironmentConfig;

/// The profile written to the test AWS config (static keys, for `credentials = { profile }`).
pub const TEST_PROFILE: &str = "envparity-moto";
pub const REGION: &str = "us-east-1";

static INIT: Once = Once::new();

/// Points the SDK's default chain at test-only settings. Every test calls this first, so the
/// environment is written once, before any test thread reads it.
pub fn init() {
    INIT.call_once(|| {
        let dir: PathBuf = std::env::temp_dir().join(format!("envparity-aws-tests-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = dir.join("config");
        let creds = dir.join("credentials");
        std::fs::write(
            &config,
            format!("[profile {TEST_PROFILE}]\nregion = {REGION}\n"),
        )
        .expect("write AWS config");
        std::fs::write(
            &creds,
            format!("[{TEST_PROFILE}]\naws_access_key_id = AKIAPROFILETEST\naws_secret_access_key = profile-secret\n"),
        )
        .expect("write AWS credentials");
        std::env::set_var("AWS_CONFIG_FILE", &config);
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &creds);
        parity_testkit::default_chain_only("AKIADEFAULTCHAIN", "default-chain-secret");
    });
}

/// An environment scoped by `Environment=<name>` in `us-east-1`, talking to `endpoint`.
pub fn env(name: &str, endpoint: &str) -> EnvironmentConfig {
    let mut env = EnvironmentConfig::new(name);
    env.regions = vec![REGION.to_string()];
    env.tags.insert("Environment".to_string(), name.to_string());
    env.endpoint_url = Some(endpoint.to_string());
    env
}

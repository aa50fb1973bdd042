//! Failing calls make a snapshot partial, with the reason per kind, and the run goes on.

use parity_aws::{collect, test_connection, CollectContext};
use parity_core::Source;

use crate::support::{
    self,
    moto::{free_port, Moto},
    proxy::RecordingProxy,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_service_failing_leaves_the_others_collected() {
    support::init();
    let moto = Moto::start();
    moto.seed(&["drift"]);
    // The proxy drops every RDS connection without an answer; EC2 and SSM go through.
    let proxy = RecordingProxy::start(moto.port, &["rds"]).await;
    let env = support::env("prod", &proxy.endpoint());
    let ctx = CollectContext::new("partial-test").with_fingerprint_key(vec![1; 32]);
    let snapshot = collect(&env, &ctx, &|_| {}).await;
    assert_eq!(snapshot.source, Source::Aws);
    let missing: Vec<&str> = snapshot.missing.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        missing,
        ["rds.db_instance", "rds.db_parameter_group"],
        "{:?}",
        snapshot.missing
    );
    for m in &snapshot.missing {
        assert!(m.reason.contains("rds:DescribeDBInstances"), "{}", m.reason);
        eprintln!("reason: {}", m.reason);
    }
    assert!(snapshot.failed("rds.db_instance"));
    assert!(snapshot.resources.iter().any(|r| r.kind == "ec2.instance"));
    assert!(snapshot.resources.iter().any(|r| r.kind == "ssm.parameter"));
    // The SDK retried: more than one attempt reached the proxy.
    let attempts = proxy
        .operations()
        .iter()
        .filter(|o| *o == "rds:DescribeDBInstances")
        .count();
    assert!(attempts >= 2, "{attempts} attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_refusing_connections_makes_every_kind_missing() {
    support::init();
    let closed = free_port(); // nothing listens there
    let env = support::env("prod", &format!("http://127.0.0.1:{closed}"));
    let ctx = CollectContext::new("partial-test").with_fingerprint_key(vec![1; 32]);
    let snapshot = collect(&env, &ctx, &|_| {}).await;
    assert!(snapshot.resources.is_empty());
    assert_eq!(
        snapshot.missing.len(),
        parity_aws::KINDS.len(),
        "{:?}",
        snapshot.missing
    );
    for m in &snapshot.missing {
        assert!(
            m.reason.starts_with("endpoint unreachable: "),
            "{}: {}",
            m.kind,
            m.reason
        );
    }
    let err = test_connection(&env, &ctx).await.unwrap_err().to_string();
    assert!(err.contains("endpoint unreachable"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_credentials_and_test_connection() {
    support::init();
    let moto = Moto::start();
    let proxy = RecordingProxy::start(moto.port, &[]).await;
    let mut env = support::env("prod", &proxy.endpoint());
    env.credentials = Some(parity_core::Credentials::Profile {
        profile: support::TEST_PROFILE.into(),
    });
    env.regions.clear(); // the profile's region applies
    let ctx = CollectContext::new("profile-test").with_fingerprint_key(vec![1; 32]);
    let info = test_connection(&env, &ctx).await.unwrap();
    assert_eq!(info.region, "us-east-1");
    assert!(info.account.is_some(), "{info:?}");
    assert!(proxy
        .recorded()
        .iter()
        .all(|r| r.access_key_id == "AKIAPROFILETEST"));
    assert!(proxy
        .operations()
        .iter()
        .all(|o| parity_aws::OPERATIONS.contains(&o.as_str())));

    env.credentials = Some(parity_core::Credentials::Profile {
        profile: "no-such-profile".into(),
    });
    env.regions = vec![support::REGION.to_string()];
    let snapshot = collect(&env, &ctx, &|_| {}).await;
    assert_eq!(snapshot.missing.len(), parity_aws::KINDS.len());
    let reason = &snapshot.missing[0].reason;
    assert!(reason.contains("profile `no-such-profile`"), "{reason}");
}

//! Pagination at scale: ≥1,200 instances (one per RunInstances call, so DescribeInstances pages
//! by reservation) in a /16 subnet and ≥1,200 SSM parameters in one environment.

use std::time::{Duration, Instant};

use parity_aws::{collect, CallTimeouts, CollectContext};

use crate::support::{self, moto::Moto, proxy::RecordingProxy};

const N: usize = 1_200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_hundred_instances_and_parameters() {
    support::init();
    let moto = Moto::start();
    let started = Instant::now();
    moto.seed(&["scale", &N.to_string()]);
    eprintln!(
        "seeded {N} instances + {N} parameters in {:?}",
        started.elapsed()
    );
    let proxy = RecordingProxy::start(moto.port, &[]).await;
    let env = support::env("scale", &proxy.endpoint());
    let mut ctx = CollectContext::new("scale-test").with_fingerprint_key(vec![3; 32]);
    // This test is about pagination, not timeouts (tests/faults covers those): moto answers a
    // 1,000-instance DescribeInstances page in seconds on an idle machine but took over the
    // default 45 s per operation on a 2-core box at load 12, so the emulator gets more room.
    ctx.call_timeouts = CallTimeouts::short(Duration::from_secs(120));
    ctx.timeout = None;
    let started = Instant::now();
    let snapshot = collect(&env, &ctx, &|_| {}).await;
    eprintln!("collected in {:?}", started.elapsed());
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    let count = |kind: &str| snapshot.resources.iter().filter(|r| r.kind == kind).count();
    assert_eq!(count("ec2.instance"), N);
    assert_eq!(count("ssm.parameter"), N);
    let ops = proxy.operations();
    let calls = |op: &str| ops.iter().filter(|o| *o == op).count();
    eprintln!(
        "calls: DescribeInstances {}, DescribeParameters {}, GetParameters {}, total {}",
        calls("ec2:DescribeInstances"),
        calls("ssm:DescribeParameters"),
        calls("ssm:GetParameters"),
        ops.len()
    );
    // 1,200 instances at 1,000 a page, by tag and by VPC: two pages per query.
    assert!(calls("ec2:DescribeInstances") >= 2);
    // AWS pages DescribeParameters at 50; moto 5.2 caps pages at 10 whatever MaxResults says.
    let describes = calls("ssm:DescribeParameters");
    assert!(
        (N.div_ceil(50)..=N.div_ceil(10) + 1).contains(&describes),
        "{describes}"
    );
    assert_eq!(calls("ssm:GetParameters"), N.div_ceil(10));
}

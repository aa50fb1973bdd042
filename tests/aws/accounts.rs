//! Many accounts through the real binary against moto: environments that assume a role collect in
//! the role's account (moto takes the account from the role ARN; resources are seeded per account
//! with its `x-moto-account-id` header) and send the external id (the recording proxy); a refused
//! AssumeRole and a refused Describe read differently; `org discover` proposes one environment
//! per account of an Organization, which imports and collects as it is; twenty accounts collect
//! side by side.

use std::time::Duration;

use parity_testkit::moto::Moto;
use parity_testkit::proxy::{BackgroundProxy, ProxyOptions, Recorded};

use crate::support::{row, AwsSandbox, CHAIN_KEY_ID, REGION};

const ROLE: &str = "EnvParityReadOnly";

fn role_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/{ROLE}")
}

/// `env add NAME` in `account` through `endpoint`, assuming the role there (default chain
/// underneath).
fn add_role_env(ws: &AwsSandbox, name: &str, account: &str, endpoint: &str, extra: &[&str]) {
    let arn = role_arn(account);
    let mut args = vec![
        "env",
        "add",
        name,
        "--region",
        REGION,
        "--endpoint-url",
        endpoint,
        "--ssm-prefix",
        "/app/",
        "--assume-role",
        &arn,
    ];
    args.extend_from_slice(extra);
    ws.run(&args).ok();
}

/// The raw CIDR of the VPC `main-vpc` per environment: which account answered (the seed gives
/// the n-th account 10.n.0.0/16).
fn vpc_cidr(doc: &serde_json::Value, env: &str) -> String {
    row(doc, "ec2.vpc/main-vpc", "cidr_block")["raw"][env]
        .as_str()
        .unwrap_or_else(|| panic!("no main-vpc CIDR for {env}"))
        .to_string()
}

fn assume_calls(recorded: &[Recorded]) -> Vec<Recorded> {
    recorded
        .iter()
        .filter(|r| r.operation == "sts:AssumeRole")
        .cloned()
        .collect()
}

#[test]
fn assumed_roles_collect_in_their_accounts_and_send_the_external_id() {
    let moto = Moto::start();
    // Two accounts with their own resources; the default chain's own account has none of them.
    moto.seed(&["accounts", "111111111111,222222222222"]);
    let proxy = BackgroundProxy::start(moto.port, ProxyOptions::default());
    let ws = AwsSandbox::new();
    add_role_env(
        &ws,
        "prod",
        "111111111111",
        &proxy.endpoint(),
        &["--external-id", "shop-ext-1", "--session-name", "parity-ci"],
    );
    add_role_env(&ws, "staging", "222222222222", &proxy.endpoint(), &[]);
    ws.run(&["env", "list"]).stdout_has(&[&format!(
        "default chain → role {}",
        role_arn("111111111111")
    )]);
    let export = ws.run(&["export"]).ok().to_string();
    assert!(
        export.contains(&format!(
            "assume_role = {{ role_arn = \"{}\", external_id = \"shop-ext-1\", session_name = \"parity-ci\" }}",
            role_arn("111111111111")
        )),
        "{export}"
    );
    ws.run(&["collect"]).ok();

    // Every call landed in the role's account.
    let doc = ws.diff_json(&[]);
    assert_eq!(vpc_cidr(&doc, "prod"), "10.1.0.0/16");
    assert_eq!(vpc_cidr(&doc, "staging"), "10.2.0.0/16");
    let account = row(&doc, "ssm.parameter/account", "value");
    assert_eq!(account["raw"]["prod"], "111111111111");
    assert_eq!(account["raw"]["staging"], "222222222222");

    // AssumeRole was called with the default chain's keys, the role, the session name and, for
    // prod only, the external id; everything else was signed with the assumed keys.
    let recorded = proxy.recorded();
    let assumes = assume_calls(&recorded);
    let prod: Vec<&Recorded> = assumes
        .iter()
        .filter(|r| r.body.contains("111111111111"))
        .collect();
    let staging: Vec<&Recorded> = assumes
        .iter()
        .filter(|r| r.body.contains("222222222222"))
        .collect();
    assert!(!prod.is_empty() && !staging.is_empty(), "{assumes:#?}");
    assert_eq!(prod.len() + staging.len(), assumes.len());
    for r in &prod {
        assert!(r.body.contains("ExternalId=shop-ext-1"), "{}", r.body);
        assert!(r.body.contains("RoleSessionName=parity-ci"), "{}", r.body);
    }
    for r in &staging {
        assert!(!r.body.contains("ExternalId"), "{}", r.body);
        assert!(r.body.contains("RoleSessionName=envparity"), "{}", r.body);
    }
    assert!(assumes.iter().all(|r| r.access_key_id == CHAIN_KEY_ID));
    // Credentials are reused until they near expiry: one AssumeRole per environment.
    assert_eq!((prod.len(), staging.len()), (1, 1), "{assumes:#?}");
    let others: Vec<&Recorded> = recorded
        .iter()
        .filter(|r| r.operation != "sts:AssumeRole")
        .collect();
    assert!(!others.is_empty());
    let unsigned: Vec<&str> = others
        .iter()
        .filter(|r| r.access_key_id == CHAIN_KEY_ID)
        .map(|r| r.operation.as_str())
        .collect();
    assert!(
        unsigned.is_empty(),
        "made with the source keys: {unsigned:?}"
    );
    // Every call is in the published policies: the permissions, and sts:AssumeRole in the
    // source's.
    let permissions = ws.run(&["iam-policy", "--permissions"]).json();
    let source = ws.run(&["iam-policy", "--source"]).json();
    assert_eq!(source["Statement"][0]["Action"], "sts:AssumeRole");
    for r in &others {
        assert!(
            permissions["Statement"][0]["Action"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == r.operation.as_str()),
            "{} is not in `iam-policy --permissions`",
            r.operation
        );
    }
}

#[test]
fn access_denied_on_assume_role_reads_differently_from_access_denied_on_a_describe() {
    let moto = Moto::start();
    moto.seed(&["accounts", "111111111111,222222222222"]);
    let no_assume = BackgroundProxy::start(moto.port, ProxyOptions::deny(&["sts:AssumeRole"]));
    let no_ssm = BackgroundProxy::start(moto.port, ProxyOptions::deny(&["ssm:DescribeParameters"]));
    let ws = AwsSandbox::new();
    add_role_env(
        &ws,
        "prod",
        "111111111111",
        &no_assume.endpoint(),
        &["--external-id", "shop-ext-1"],
    );
    add_role_env(&ws, "staging", "222222222222", &no_ssm.endpoint(), &[]);
    let run = ws.run(&["collect"]);
    // prod: the role could not be assumed, nothing collected, named as such
    run.code(2).stderr_has(&[&format!(
        "`prod`: cannot assume role `{}` with the default credential chain: AccessDenied",
        role_arn("111111111111")
    )]);
    run.stderr_has(&[
        "trust policy",
        "with this external id",
        "iam-policy --trust",
    ]);
    assert!(
        no_assume
            .operations()
            .iter()
            .all(|op| op == "sts:AssumeRole"),
        "no Describe call without the role: {:?}",
        no_assume.operations()
    );
    // staging: assumed, then refused one Describe: partial, the role's permissions named
    let expected = format!(
        "ssm.parameter not collected: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform this action (denied by the test proxy) (ssm:DescribeParameters) — the call was made as role `{}`, whose permissions policy does not allow it",
        role_arn("222222222222")
    );
    run.stdout_has(&["staging: snapshot #", "PARTIAL", &expected]);
    assert!(!run.stdout.contains("trust policy"), "{}", run.stdout);
    // only staging has a snapshot
    let snapshots = ws.run(&["snapshots"]).ok().to_string();
    assert!(
        snapshots.contains("staging") && !snapshots.contains("prod"),
        "{snapshots}"
    );
}

#[test]
fn org_discover_proposes_an_environment_per_account_that_imports_and_collects_as_it_is() {
    let moto = Moto::start();
    let org = moto.seed(&["organization"]);
    let id = |name: &str| {
        org["accounts"][name]
            .as_str()
            .expect("account id")
            .to_string()
    };
    let (prod, staging, sandbox1, sandbox2) = (
        id("Shop Production"),
        id("Shop Staging"),
        id("Sandbox One"),
        id("Sandbox Two"),
    );
    // The n-th account of this list gets 10.n.0.0/16.
    let order = [&prod, &staging, &sandbox1, &sandbox2];
    let list: Vec<&str> = order.iter().map(|s| s.as_str()).collect();
    moto.seed(&["accounts", &list.join(",")]);
    let proxy = BackgroundProxy::start(moto.port, ProxyOptions::default());
    let ws = AwsSandbox::new();

    // stdout by default; the file with -o
    let shown = ws.run(&[
        "org",
        "discover",
        "--endpoint-url",
        &proxy.endpoint(),
        "--region",
        REGION,
    ]);
    shown.ok();
    let file = ws.path("org.toml");
    let file = file.to_str().unwrap();
    ws.run(&[
        "org",
        "discover",
        "--endpoint-url",
        &proxy.endpoint(),
        "--region",
        REGION,
        "-o",
        file,
    ])
    .ok();
    let text = std::fs::read_to_string(file).expect("the proposal");
    assert_eq!(text, shown.stdout, "the same proposal either way");
    // Named from the Environment tag, else the OU (the two sandboxes share it: ids appended),
    // else the account name (the management account, under the root).
    for line in [
        format!("# {prod} Shop Production (OU Workloads/Prod) → environment `prod` (named from the tag Environment)"),
        format!("# {sandbox1} Sandbox One (OU Sandbox) → environment `sandbox-{sandbox1}` (named from the OU Sandbox)"),
        "# 123456789012 master (OU root) → environment `master` (named from the account name)".to_string(),
        format!("[[environment]]\nname = \"prod\"\nassume_role = {{ role_arn = \"{}\" }}\nregions = [\"{REGION}\"]\nendpoint_url = \"{}\"\n", role_arn(&prod), proxy.endpoint()),
    ] {
        assert!(text.contains(&line), "no `{line}` in:\n{text}");
    }
    // The Organizations calls are exactly those `iam-policy --source` allows.
    let source = ws.run(&["iam-policy", "--source"]).json();
    let allowed: Vec<String> = source["Statement"][1]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let mut called: Vec<String> = proxy.operations();
    called.sort();
    called.dedup();
    assert_eq!(called, allowed);

    // The review step is the user's; the file imports and collects as it is.
    ws.run(&["import", file]).ok();
    proxy.clear();
    ws.run(&["collect"]).ok();
    let doc = ws.diff_json(&[]);
    for (n, (env, account)) in [
        ("prod".to_string(), &prod),
        ("staging".to_string(), &staging),
        (format!("sandbox-{sandbox1}"), &sandbox1),
        (format!("sandbox-{sandbox2}"), &sandbox2),
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            vpc_cidr(&doc, env),
            format!("10.{}.0.0/16", n + 1),
            "{env} collected in {account}"
        );
    }
    // Bad input: named, exit 2, nothing written
    ws.run(&[
        "org",
        "discover",
        "--role",
        &role_arn(&prod),
        "--region",
        REGION,
    ])
    .code(2)
    .stderr_has(&["--role", "is not an IAM role name"]);
    ws.run(&["org", "discover", "--endpoint-url", &proxy.endpoint()])
        .code(2)
        .stderr_has(&["--region"]);
}

#[test]
fn twenty_accounts_collect_side_by_side() {
    const N: usize = 20;
    let moto = Moto::start();
    let accounts: Vec<String> = (1..=N)
        .map(|i| format!("{:012}", 100_000_000_000 + i))
        .collect();
    moto.seed(&["accounts", &accounts.join(",")]);
    // A fixed delay per request, as AWS's latency: what concurrency buys shows in the overlap.
    let proxy = BackgroundProxy::start(moto.port, ProxyOptions::delay(Duration::from_millis(100)));
    let ws = AwsSandbox::new();
    for (i, account) in accounts.iter().enumerate() {
        add_role_env(&ws, &format!("acct{i:02}"), account, &proxy.endpoint(), &[]);
    }
    ws.run(&["collect"]).ok();
    let doc = ws.diff_json(&[]);
    for (i, account) in accounts.iter().enumerate() {
        let env = format!("acct{i:02}");
        assert_eq!(
            row(&doc, "ssm.parameter/account", "value")["raw"][&env],
            account.as_str()
        );
        assert_eq!(vpc_cidr(&doc, &env), format!("10.{}.0.0/16", i + 1));
    }
    // How many environments (each its own assumed keys) had a request in flight at once: more
    // than one account's bound of 3, so accounts really ran side by side.
    let recorded = proxy.recorded();
    let calls: Vec<&Recorded> = recorded
        .iter()
        .filter(|r| r.operation != "sts:AssumeRole")
        .collect();
    let most_at_once = calls
        .iter()
        .map(|at| {
            let mut keys: Vec<&str> = calls
                .iter()
                .filter(|r| r.started <= at.started && at.started < r.finished)
                .map(|r| r.access_key_id.as_str())
                .collect();
            keys.sort();
            keys.dedup();
            keys.len()
        })
        .max()
        .unwrap_or(0);
    assert!(
        most_at_once > 3,
        "at most {most_at_once} environments had calls in flight at once"
    );
}

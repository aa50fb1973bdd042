//! Collecting environments: credentials and SDK configuration per environment, then regions and
//! services concurrently (bounded), into a `Snapshot` that is partial — with the reason per kind —
//! when calls fail, and never a panic or a silent gap.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::{Credentials as SdkCredentials, ProvideCredentials, Region};
use aws_sdk_ec2::error::DisplayErrorContext;
use chrono::Utc;
use futures::{FutureExt, StreamExt};
use parity_core::{EnvironmentConfig, MissingKind, Resource, Snapshot, Source};
use tokio::time::Instant;

use aws_config::identity::IdentityCache;
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::assume::{denied_as_role, RoleCredentials};
use crate::credentials::{fingerprint_key, CredentialError, CredentialSource, KeyringError};
use crate::failure::CallFailure;
use crate::limits::{self, Budgeted, CallTimeouts, RateBudgets};
use crate::progress::{Phase, ProgressEvent, Reporter};
use crate::scope::Scope;
use crate::secrets::ValueFingerprinter;
use crate::{
    autoscaling, cloudformation, cloudwatch, dynamodb, ec2, ecs, eks, elasticache, elbv2, lambda,
    rds, s3, ssm, FEATURE_FLAG_KIND,
};

/// The kinds of the application-layer collectors, each collected in one pass per service.
const ELBV2_KINDS: &[&str] = &[
    "elbv2.load_balancer",
    "elbv2.listener",
    "elbv2.target_group",
];
const ECS_KINDS: &[&str] = &["ecs.cluster", "ecs.service", "ecs.task_definition"];
const EKS_KINDS: &[&str] = &["eks.cluster", "eks.node_group"];

const EC2_KINDS: &[&str] = &[
    "ec2.vpc",
    "ec2.subnet",
    "ec2.nat_gateway",
    "ec2.route_table",
    "ec2.security_group",
    "ec2.instance",
];

/// What a collection needs besides the environment: the workspace (keyring entries are keyed by
/// its UUID), the fingerprint key and the concurrency bounds.
#[derive(Clone)]
pub struct CollectContext {
    pub workspace_uuid: String,
    /// Key for fingerprints of secret-looking SSM values. `None`: read (or create) the
    /// workspace's key in the OS keyring; without a keyring such values are not kept at all.
    pub fingerprint_key: Option<Vec<u8>>,
    /// Environments of one account collected at once by `collect_many` (they share its rate
    /// budget).
    pub max_environments: usize,
    /// Accounts collected at once by `collect_many`: environments in different accounts (each
    /// with its own budget) run side by side, up to `max_environments` per account.
    pub max_accounts: usize,
    /// Regions of one environment collected at once.
    pub max_regions: usize,
    /// Fan-out calls in flight per region and step (SSM GetParameters batches, VPC attributes,
    /// parameter groups).
    pub max_requests: usize,
    /// The deadline of the whole collection (`collect_many`, or one `collect`), counted from its
    /// start; kinds still running then are missing with "timed out after N s". `None`: no
    /// deadline beyond the per-call timeouts.
    pub timeout: Option<Duration>,
    /// Connect, read, per-attempt and per-operation timeouts of every call.
    pub call_timeouts: CallTimeouts,
    /// The share of each account's API rate budget this collection may use (0.01–1).
    pub rate_share: f64,
    /// The first retry's backoff (doubling, with jitter, up to 20 s).
    pub initial_backoff: Duration,
    /// Set by `collect_many` so that every environment shares one deadline and one budget.
    deadline: Option<Instant>,
    budgets: Option<Arc<RateBudgets>>,
}

impl std::fmt::Debug for CollectContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectContext")
            .field("workspace_uuid", &self.workspace_uuid)
            .field(
                "fingerprint_key",
                &self.fingerprint_key.as_ref().map(|_| "<redacted>"),
            )
            .field("max_environments", &self.max_environments)
            .field("max_accounts", &self.max_accounts)
            .field("max_regions", &self.max_regions)
            .field("max_requests", &self.max_requests)
            .field("timeout", &self.timeout)
            .field("call_timeouts", &self.call_timeouts)
            .field("rate_share", &self.rate_share)
            .field("initial_backoff", &self.initial_backoff)
            .finish()
    }
}

impl CollectContext {
    pub fn new(workspace_uuid: &str) -> Self {
        CollectContext {
            workspace_uuid: workspace_uuid.to_string(),
            fingerprint_key: None,
            max_environments: 3,
            max_accounts: 32,
            max_regions: 4,
            max_requests: 8,
            timeout: Some(limits::DEFAULT_COLLECT_TIMEOUT),
            call_timeouts: CallTimeouts::default(),
            rate_share: limits::DEFAULT_RATE_SHARE,
            initial_backoff: Duration::from_secs(1),
            deadline: None,
            budgets: None,
        }
    }

    /// Fixes the deadline and the rate budget of a run starting now (kept when already set).
    fn started(&self) -> CollectContext {
        let mut ctx = self.clone();
        if ctx.deadline.is_none() {
            ctx.deadline = ctx.timeout.map(|t| Instant::now() + t);
        }
        if ctx.budgets.is_none() {
            ctx.budgets = Some(Arc::new(RateBudgets::new(ctx.rate_share)));
        }
        ctx
    }

    fn budgets(&self) -> Arc<RateBudgets> {
        self.budgets
            .clone()
            .unwrap_or_else(|| Arc::new(RateBudgets::new(self.rate_share)))
    }

    /// "timed out after N s" for the collection's deadline.
    fn timed_out(&self) -> CallFailure {
        let secs = self.timeout.map(|t| t.as_secs()).unwrap_or_default();
        CallFailure::new(format!(
            "timed out after {secs} s (the collection's deadline: --timeout / collect_timeout)"
        ))
    }

    pub fn with_fingerprint_key(mut self, key: Vec<u8>) -> Self {
        self.fingerprint_key = Some(key);
        self
    }
}

/// An environment's SDK configuration with verified credentials and its regions.
struct Prepared {
    sdk: SdkConfig,
    regions: Vec<String>,
    /// Whose rate budget the calls spend: the credentials' identity and the endpoint.
    account: String,
    http: aws_sdk_ec2::config::SharedHttpClient,
    budgets: Arc<RateBudgets>,
}

impl Prepared {
    /// The HTTP client of one service in one region: the shared client behind that budget.
    fn http_for(&self, region: &str, service: &str) -> Budgeted {
        Budgeted {
            inner: self.http.clone(),
            bucket: self.budgets.bucket(&self.account, region, service),
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, KeyringError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(KeyringError::Other {
            user: "-".to_string(),
            detail: format!("keyring call did not complete: {e}"),
        })
    })
}

/// The SDK configuration of a credential source: the call timeouts and retries of `ctx`, `http`,
/// the region and the endpoint.
pub(crate) async fn source_config(
    source: &CredentialSource,
    region: Option<&str>,
    endpoint_url: Option<&str>,
    ctx: &CollectContext,
    http: aws_sdk_ec2::config::SharedHttpClient,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .timeout_config(ctx.call_timeouts.sdk())
        .retry_config(limits::retry_config(ctx.initial_backoff));
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    match source {
        CredentialSource::Profile { profile } => {
            // The named profile alone: environment variables such as AWS_ACCESS_KEY_ID must not
            // win over a profile the user chose for this environment (the default chain puts
            // them first). The profile provider still does SSO, assume-role, credential_process.
            let provider_config = ProviderConfig::without_region()
                .with_http_client(http)
                .with_region(region.map(|r| Region::new(r.to_string())));
            let provider = ProfileFileCredentialsProvider::builder()
                .configure(&provider_config)
                .profile_name(profile)
                .build();
            loader = loader.profile_name(profile).credentials_provider(provider);
        }
        CredentialSource::StaticKeys(keys) => {
            loader = loader.credentials_provider(SdkCredentials::new(
                keys.access_key_id.clone(),
                keys.secret_access_key.clone(),
                keys.session_token.clone(),
                None,
                "envparity-keyring",
            ))
        }
        CredentialSource::DefaultChain => {}
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

async fn prepare(
    env: &EnvironmentConfig,
    ctx: &CollectContext,
) -> Result<Prepared, CredentialError> {
    let source = {
        let env = env.clone();
        let uuid = ctx.workspace_uuid.clone();
        tokio::task::spawn_blocking(move || CredentialSource::resolve(&env, &uuid))
            .await
            .unwrap_or_else(|e| {
                Err(CredentialError::Keyring(KeyringError::Other {
                    user: "-".to_string(),
                    detail: format!("keyring call did not complete: {e}"),
                }))
            })?
    };
    let http = crate::http::proxy_aware_client();
    let http_for_clients = http.clone();
    let sdk = source_config(
        &source,
        env.regions.first().map(String::as_str),
        env.endpoint_url.as_deref(),
        ctx,
        http,
    )
    .await;
    let regions = if env.regions.is_empty() {
        match sdk.region() {
            Some(r) => vec![r.to_string()],
            None => {
                return Err(CredentialError::NoRegion {
                    environment: env.name.clone(),
                })
            }
        }
    } else {
        env.regions.clone()
    };
    let provider = sdk
        .credentials_provider()
        .ok_or_else(|| CredentialError::Provider {
            profile: source.profile().map(str::to_string),
            detail: "no credentials provider configured".to_string(),
        })?;
    let credentials = provider.provide_credentials().await.map_err(|e| {
        CredentialError::from_provider(source.profile(), DisplayErrorContext(&e).to_string())
    })?;
    let endpoint = env.endpoint_url.as_deref().unwrap_or("aws");
    // The account is not known without a call; the credentials stand for it (one access key
    // or profile is one account).
    let mut account = format!("{}|{endpoint}", credentials.access_key_id());
    let budgets = ctx.budgets();
    let mut sdk = sdk;
    if let Some(role) = &env.assume_role {
        // STS in the environment's first region, with the source's credentials, and the same
        // timeouts, retries and rate budget as every client.
        let region = regions[0].as_str();
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&sdk)
                .region(aws_sdk_sts::config::Region::new(region.to_string()))
                .http_client(Budgeted {
                    inner: http_for_clients.clone(),
                    bucket: budgets.bucket(&account, region, "sts"),
                })
                .interceptor(crate::limits::RetryCap)
                .retry_partition(crate::limits::retry_partition("sts"))
                .build(),
        );
        let provider = RoleCredentials::new(sts, role.clone(), source.describe(&env.name));
        // Assumed now, so a refused role fails the environment before any Describe call.
        provider
            .credentials()
            .await
            .map_err(CredentialError::AssumeRole)?;
        // The role's own cache renews the credentials before they expire; the SDK's cache
        // would hold them past that margin.
        sdk = sdk
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .identity_cache(IdentityCache::no_cache())
            .build();
        // Calls are made in the role's account: its budget is the account's.
        account = format!(
            "account:{}|{endpoint}",
            role.account_id().unwrap_or(&role.role_arn)
        );
    }
    Ok(Prepared {
        sdk,
        regions,
        account,
        http: http_for_clients,
        budgets,
    })
}

async fn fingerprinter(ctx: &CollectContext) -> Option<ValueFingerprinter> {
    if let Some(key) = &ctx.fingerprint_key {
        return Some(ValueFingerprinter::new(key.clone()));
    }
    let uuid = ctx.workspace_uuid.clone();
    blocking(move || fingerprint_key(&uuid))
        .await
        .ok()
        .map(ValueFingerprinter::new)
}

type KindResult = (&'static str, Result<Vec<Resource>, CallFailure>);

/// The kinds of one region as they finish: what is here when the deadline strikes is kept.
#[derive(Default)]
struct Results(Mutex<Vec<KindResult>>);

impl Results {
    fn push(&self, result: KindResult) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(result);
    }

    fn take(&self) -> Vec<KindResult> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Runs one kind's collector, reporting started / done / failed, and records its result.
async fn run_kind(
    reporter: Reporter<'_>,
    out: &Results,
    kind: &'static str,
    fut: impl Future<Output = Result<Vec<Resource>, CallFailure>>,
) {
    reporter.emit(Some(kind), Phase::Started);
    let result = fut.await;
    match &result {
        Ok(resources) => reporter.emit(
            Some(kind),
            Phase::Done {
                count: resources.len(),
            },
        ),
        Err(f) => reporter.emit(
            Some(kind),
            Phase::Failed {
                reason: f.reason.clone(),
            },
        ),
    }
    out.push((kind, result));
}

/// Runs a collector that produces several kinds in one pass (a service's resources that refer to
/// each other), reporting and recording each kind; a failure fails all of them.
async fn run_kinds(
    reporter: Reporter<'_>,
    out: &Results,
    kinds: &[&'static str],
    fut: impl Future<Output = Result<Vec<Resource>, CallFailure>>,
) {
    for kind in kinds {
        reporter.emit(Some(kind), Phase::Started);
    }
    match fut.await {
        Ok(resources) => {
            let mut by_kind: BTreeMap<&str, Vec<Resource>> =
                kinds.iter().map(|k| (*k, Vec::new())).collect();
            for r in resources {
                if let Some(list) = by_kind.get_mut(r.kind.as_str()) {
                    list.push(r);
                }
            }
            for kind in kinds {
                let list = by_kind.remove(kind).unwrap_or_default();
                reporter.emit(Some(kind), Phase::Done { count: list.len() });
                out.push((kind, Ok(list)));
            }
        }
        Err(failure) => failed(reporter, out, kinds, &failure),
    }
}

fn failed(reporter: Reporter<'_>, out: &Results, kinds: &[&'static str], failure: &CallFailure) {
    for kind in kinds {
        reporter.emit(
            Some(kind),
            Phase::Failed {
                reason: failure.reason.clone(),
            },
        );
        out.push((kind, Err(failure.clone())));
    }
}

/// An SDK client of any service for `region`, from the environment's shared configuration.
/// Its HTTP client spends the (account, region, service) rate budget. Service-specific builder
/// settings follow the service name (`force_path_style(…)`).
macro_rules! client {
    ($sdk_crate:ident, $prepared:expr, $region:expr, $service:expr $(, $setting:ident($value:expr))*) => {
        $sdk_crate::Client::from_conf(
            $sdk_crate::config::Builder::from(&$prepared.sdk)
                .region($sdk_crate::config::Region::new($region.to_string()))
                .http_client($prepared.http_for($region, $service))
                .interceptor(crate::limits::RetryCap)
                .retry_partition(crate::limits::retry_partition($service))
                $(.$setting($value))*
                .build(),
        )
    };
}

/// The breadth collectors (ElastiCache, Lambda, Auto Scaling, CloudFormation, DynamoDB feature
/// flags; CloudWatch alarms unscoped — [`collect_region`] scopes them once the rest is known).
#[allow(clippy::too_many_arguments)] // the region's context, as `collect_region` has it
async fn collect_breadth(
    env: &EnvironmentConfig,
    prepared: &Prepared,
    region: &str,
    first_region: bool,
    ctx: &CollectContext,
    fingerprinter: Option<&ValueFingerprinter>,
    reporter: Reporter<'_>,
    out: &Results,
    vpc_scope: impl Future<Output = Result<ec2::VpcScope, CallFailure>>,
) -> Result<Vec<Resource>, CallFailure> {
    let cache_client = client!(aws_sdk_elasticache, prepared, region, "elasticache");
    let lambda_client = client!(aws_sdk_lambda, prepared, region, "lambda");
    let asg_client = client!(aws_sdk_autoscaling, prepared, region, "autoscaling");
    let cw_client = client!(aws_sdk_cloudwatch, prepared, region, "cloudwatch");
    let cfn_client = client!(aws_sdk_cloudformation, prepared, region, "cloudformation");
    let elb_client = client!(
        aws_sdk_elasticloadbalancingv2,
        prepared,
        region,
        "elasticloadbalancing"
    );
    let ecs_client = client!(aws_sdk_ecs, prepared, region, "ecs");
    let eks_client = client!(aws_sdk_eks, prepared, region, "eks");
    // Path-style addressing against a custom endpoint (an emulator has no per-bucket host names).
    let s3_client = client!(
        aws_sdk_s3,
        prepared,
        region,
        "s3",
        force_path_style(env.endpoint_url.is_some())
    );
    let scope = Scope::new(env, Default::default());
    let scope = &scope;
    // Functions, balancers, target groups and clusters attached to an in-scope VPC belong too;
    // without the VPCs, tags and names still decide.
    let vpc_scope = vpc_scope.shared();
    let vpc_scoped = || {
        let vpc_scope = vpc_scope.clone();
        async move {
            let vpc_ids = vpc_scope.await.map(|s| s.vpc_ids()).unwrap_or_default();
            Scope::new(env, vpc_ids)
        }
    };
    let elbv2_part = async {
        let scope = vpc_scoped().await;
        run_kinds(
            reporter,
            out,
            ELBV2_KINDS,
            elbv2::collect(&elb_client, &scope, region, ctx.max_requests),
        )
        .await
    };
    let eks_part = async {
        let scope = vpc_scoped().await;
        run_kinds(
            reporter,
            out,
            EKS_KINDS,
            eks::collect(&eks_client, &scope, region, ctx.max_requests),
        )
        .await
    };
    let s3_part = run_kind(
        reporter,
        out,
        "s3.bucket",
        s3::buckets(&s3_client, scope, region, ctx.max_requests),
    );
    let ecs_part = run_kinds(
        reporter,
        out,
        ECS_KINDS,
        ecs::collect(&ecs_client, scope, region, fingerprinter, ctx.max_requests),
    );
    let lambda_part = async {
        let scope = vpc_scoped().await;
        lambda::functions(
            &lambda_client,
            &scope,
            region,
            fingerprinter,
            ctx.max_requests,
        )
        .await
    };
    let flags_part = async {
        if let (Some(flags), true) = (&env.feature_flags, first_region) {
            let client = client!(aws_sdk_dynamodb, prepared, region, "dynamodb");
            let tokens: Vec<String> = std::iter::once(env.name.clone())
                .chain(env.aliases.iter().cloned())
                .collect();
            run_kind(
                reporter,
                out,
                FEATURE_FLAG_KIND,
                dynamodb::items(&client, flags, &tokens, region, fingerprinter),
            )
            .await
        }
    };
    reporter.emit(Some(cloudwatch::KIND), Phase::Started);
    let ((), (), (), (), (), (), (), (), (), alarms) = futures::join!(
        run_kind(
            reporter,
            out,
            "elasticache.cluster",
            elasticache::clusters(&cache_client, scope, region, ctx.max_requests)
        ),
        run_kind(reporter, out, "lambda.function", lambda_part),
        run_kind(
            reporter,
            out,
            "autoscaling.group",
            autoscaling::groups(&asg_client, scope, region)
        ),
        run_kind(
            reporter,
            out,
            "cloudformation.stack",
            cloudformation::stacks(&cfn_client, scope, region, fingerprinter, ctx.max_requests)
        ),
        flags_part,
        elbv2_part,
        ecs_part,
        eks_part,
        s3_part,
        cloudwatch::alarms(&cw_client, region),
    );
    alarms
}

#[allow(clippy::too_many_arguments)] // the region's context and where its kinds go
async fn collect_region(
    env: &EnvironmentConfig,
    prepared: &Prepared,
    region: &str,
    first_region: bool,
    ctx: &CollectContext,
    fingerprinter: Option<&ValueFingerprinter>,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
    out: &Results,
) {
    let ec2_client = client!(aws_sdk_ec2, prepared, region, "ec2");
    let rds_client = client!(aws_sdk_rds, prepared, region, "rds");
    let ssm_client = client!(aws_sdk_ssm, prepared, region, "ssm");
    let reporter = Reporter {
        sink: progress,
        environment: &env.name,
        region: Some(region),
    };
    let unscoped = env.tags.is_empty() && env.vpcs.is_empty();
    let scope = ec2::vpc_scope(&ec2_client, env).shared();

    let ec2_part = async {
        match scope.clone().await {
            Err(failure) => failed(reporter, out, EC2_KINDS, &failure),
            Ok(scope) => {
                let instance_progress = |count| {
                    reporter.emit(Some("ec2.instance"), Phase::Progress { count });
                };
                futures::join!(
                    run_kind(
                        reporter,
                        out,
                        "ec2.vpc",
                        ec2::vpcs(&ec2_client, &scope, region, ctx.max_requests)
                    ),
                    run_kind(
                        reporter,
                        out,
                        "ec2.subnet",
                        ec2::subnets(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        out,
                        "ec2.nat_gateway",
                        ec2::nat_gateways(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        out,
                        "ec2.route_table",
                        ec2::route_tables(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        out,
                        "ec2.security_group",
                        ec2::security_groups(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        out,
                        "ec2.instance",
                        ec2::instances(&ec2_client, &scope, region, &instance_progress)
                    ),
                );
            }
        }
    };

    let rds_part = async {
        reporter.emit(Some("rds.db_instance"), Phase::Started);
        let db_progress = |count| {
            reporter.emit(Some("rds.db_instance"), Phase::Progress { count });
        };
        let (dbs, scope) = futures::join!(
            rds::describe_instances(&rds_client, &db_progress),
            scope.clone()
        );
        let kinds = &["rds.db_instance", "rds.db_parameter_group"];
        let dbs = match (dbs, scope) {
            (Err(failure), _) => return failed(reporter, out, kinds, &failure),
            (Ok(_), Err(failure)) if !unscoped => {
                let failure = CallFailure::new(format!(
                    "the environment's VPCs are unknown: {}",
                    failure.reason
                ));
                return failed(reporter, out, kinds, &failure);
            }
            (Ok(dbs), scope) => {
                let vpc_ids = scope.map(|s| s.vpc_ids()).unwrap_or_default();
                dbs.into_iter()
                    .filter(|db| rds::in_scope(db, env, unscoped, &vpc_ids))
                    .collect::<Vec<_>>()
            }
        };
        let instances = rds::instance_resources(&dbs, region);
        reporter.emit(
            Some("rds.db_instance"),
            Phase::Done {
                count: instances.len(),
            },
        );
        out.push(("rds.db_instance", Ok(instances)));
        run_kind(
            reporter,
            out,
            "rds.db_parameter_group",
            rds::parameter_groups(&rds_client, &dbs, region, ctx.max_requests),
        )
        .await;
    };

    let ssm_part = async {
        let prefix = env.effective_ssm_prefix();
        let ssm_progress = |count| {
            reporter.emit(Some("ssm.parameter"), Phase::Progress { count });
        };
        run_kind(
            reporter,
            out,
            "ssm.parameter",
            ssm::parameters(
                &ssm_client,
                &prefix,
                region,
                fingerprinter,
                ctx.max_requests,
                &ssm_progress,
            ),
        )
        .await;
    };

    // On the heap: with the application-layer kinds the joined future is large enough to
    // overflow a test thread's stack in debug builds (the fault matrix aborted).
    let breadth_part = Box::pin(collect_breadth(
        env,
        prepared,
        region,
        first_region,
        ctx,
        fingerprinter,
        reporter,
        out,
        scope.clone(),
    ));

    let ((), (), (), alarms) = futures::join!(ec2_part, rds_part, ssm_part, breadth_part);
    // Alarms belong to the environment whose resources they watch: scoped now that those are
    // known.
    let alarms = alarms.map(|alarms| {
        let results = out.0.lock().unwrap_or_else(|e| e.into_inner());
        let known: HashSet<&str> = results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .flatten()
            .flat_map(|r| {
                std::iter::once(r.native_id.as_str()).chain(r.aliases.iter().map(String::as_str))
            })
            .collect();
        cloudwatch::scope_alarms(alarms, &known, &Scope::new(env, Default::default()))
    });
    match &alarms {
        Ok(found) => reporter.emit(Some(cloudwatch::KIND), Phase::Done { count: found.len() }),
        Err(f) => reporter.emit(
            Some(cloudwatch::KIND),
            Phase::Failed {
                reason: f.reason.clone(),
            },
        ),
    }
    out.push((cloudwatch::KIND, alarms));
}

/// `fut`, or `None` once `deadline` has passed.
async fn until<T>(deadline: Option<Instant>, fut: impl Future<Output = T>) -> Option<T> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d, fut).await.ok(),
        None => Some(fut.await),
    }
}

/// Collects one environment: every kind in every region. Never fails: what could not be
/// collected is listed in `Snapshot.missing` with the reason (credentials failing make every
/// kind missing; kinds still running at the deadline are "timed out after N s").
pub async fn collect(
    env: &EnvironmentConfig,
    ctx: &CollectContext,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
) -> Snapshot {
    let ctx = &ctx.started();
    let mut snapshot = Snapshot {
        id: None,
        environment: env.name.clone(),
        taken_at: Utc::now(),
        source: Source::Aws,
        missing: Vec::new(),
        resources: Vec::new(),
    };
    let reporter = Reporter {
        sink: progress,
        environment: &env.name,
        region: None,
    };
    reporter.emit(None, Phase::Started);
    let prepared = match until(ctx.deadline, prepare(env, ctx)).await {
        Some(Ok(p)) => p,
        outcome => {
            let reason = match outcome {
                Some(Err(e)) => e.to_string(),
                _ => ctx.timed_out().reason,
            };
            reporter.emit(
                None,
                Phase::Failed {
                    reason: reason.clone(),
                },
            );
            snapshot.missing = crate::kinds_for(env)
                .iter()
                .map(|kind| MissingKind {
                    kind: kind.to_string(),
                    reason: reason.clone(),
                })
                .collect();
            return snapshot;
        }
    };
    reporter.emit(None, Phase::Done { count: 0 });
    let fingerprinter = until(ctx.deadline, fingerprinter(ctx)).await.flatten();
    let several_regions = prepared.regions.len() > 1;

    let results: Vec<(String, Vec<KindResult>)> =
        futures::stream::iter(prepared.regions.iter().enumerate())
            .map(|(i, region)| {
                let prepared = &prepared;
                let fp = fingerprinter.as_ref();
                async move {
                    let out = Results::default();
                    let finished = until(
                        ctx.deadline,
                        Box::pin(collect_region(
                            env,
                            prepared,
                            region,
                            i == 0,
                            ctx,
                            fp,
                            progress,
                            &out,
                        )),
                    )
                    .await
                    .is_some();
                    let mut kinds = out.take();
                    if !finished {
                        // The deadline struck: what finished is kept, the rest timed out.
                        let reporter = Reporter {
                            region: Some(region),
                            ..reporter
                        };
                        let done: HashSet<&str> = kinds.iter().map(|(k, _)| *k).collect();
                        let late: Vec<&'static str> = crate::kinds_for(env)
                            .into_iter()
                            .filter(|k| !done.contains(k))
                            .filter(|k| *k != FEATURE_FLAG_KIND || i == 0)
                            .collect();
                        let out = Results::default();
                        failed(reporter, &out, &late, &ctx.timed_out());
                        kinds.extend(out.take());
                    }
                    (region.clone(), kinds)
                }
            })
            .buffer_unordered(ctx.max_regions.max(1))
            .collect()
            .await;

    let mut reasons: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (region, kinds) in results {
        for (kind, result) in kinds {
            match result {
                Ok(resources) => snapshot.resources.extend(resources),
                Err(failure) => {
                    let reason = match &env.assume_role {
                        Some(role) => denied_as_role(role, &failure.reason),
                        None => failure.reason,
                    };
                    reasons.entry(kind).or_default().push(if several_regions {
                        format!("{region}: {reason}")
                    } else {
                        reason
                    })
                }
            }
        }
    }
    snapshot.missing = crate::kinds_for(env)
        .iter()
        .filter_map(|kind| {
            reasons.get(kind).map(|r| MissingKind {
                kind: kind.to_string(),
                reason: r.join("; "),
            })
        })
        .collect();
    snapshot.resources.sort_by(|a, b| {
        (&a.kind, &a.region, &a.native_id).cmp(&(&b.kind, &b.region, &b.native_id))
    });
    // The one detector over everything collected (tags, outputs, parameters, nested values):
    // nothing secret leaves parity-aws.
    parity_core::secrets::scrub_snapshot(&mut snapshot, fingerprinter.as_ref());
    snapshot
}

/// Which account an environment's calls go to, as far as is known before any call: the role's
/// account, else its credential source, and the endpoint. Environments with one key share a
/// concurrency bound (`max_environments`); the rate budget is keyed by what `prepare` learns.
fn account_key(env: &EnvironmentConfig) -> String {
    let endpoint = env.endpoint_url.as_deref().unwrap_or("aws");
    match (&env.assume_role, &env.credentials) {
        (Some(role), _) => format!(
            "account:{}|{endpoint}",
            role.account_id().unwrap_or(&role.role_arn)
        ),
        (None, Some(parity_core::Credentials::Profile { profile })) => {
            format!("profile:{profile}|{endpoint}")
        }
        (None, Some(parity_core::Credentials::Keyring { .. })) => {
            format!("keyring:{}|{endpoint}", env.name)
        }
        (None, None) => format!("default|{endpoint}"),
    }
}

/// Collects several environments concurrently, in the order given: environments of different
/// accounts side by side (at most `ctx.max_accounts` accounts at once), at most
/// `ctx.max_environments` of one account at once. Each spends its own account's rate budget.
pub async fn collect_many(
    envs: &[EnvironmentConfig],
    ctx: &CollectContext,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
) -> Vec<Snapshot> {
    // One fingerprint key for the whole run, read (or created) once: environments resolving it
    // concurrently would race to create it, each keeping its own key, and equal values would
    // fingerprint differently.
    // One deadline and one rate budget for the whole run.
    let mut ctx = ctx.started();
    if ctx.fingerprint_key.is_none() && envs.len() > 1 {
        let uuid = ctx.workspace_uuid.clone();
        ctx.fingerprint_key = until(ctx.deadline, blocking(move || fingerprint_key(&uuid)))
            .await
            .and_then(Result::ok);
    }
    let ctx = &ctx;
    let per_account = ctx.max_environments.max(1);
    let mut bounds: std::collections::HashMap<String, Arc<tokio::sync::Semaphore>> =
        std::collections::HashMap::new();
    let jobs: Vec<(&EnvironmentConfig, Arc<tokio::sync::Semaphore>)> = envs
        .iter()
        .map(|env| {
            let bound = bounds
                .entry(account_key(env))
                .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(per_account)))
                .clone();
            (env, bound)
        })
        .collect();
    futures::stream::iter(jobs)
        .map(|(env, bound)| async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = bound.acquire().await.ok();
            collect(env, ctx, progress).await
        })
        .buffered(per_account * ctx.max_accounts.max(1))
        .collect()
        .await
}

/// What `test_connection` learned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionInfo {
    pub region: String,
    /// The account id, when the call revealed it.
    pub account: Option<String>,
}

/// Errors of `test_connection`.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error("{region}: {reason}")]
    Call { region: String, reason: String },
}

/// Makes one cheap read call (ec2:DescribeSecurityGroups, 5 results) with the environment's
/// credentials in its first region, and reports the region and, from the group's owner, the
/// account.
pub async fn test_connection(
    env: &EnvironmentConfig,
    ctx: &CollectContext,
) -> Result<ConnectionInfo, ConnectionError> {
    let prepared = prepare(env, ctx).await?;
    let region = prepared.regions.first().cloned().unwrap_or_default();
    let client = client!(aws_sdk_ec2, prepared, region.as_str(), "ec2");
    match ec2::caller_account(&client).await {
        Ok(account) => Ok(ConnectionInfo { region, account }),
        Err(f) => Err(ConnectionError::Call {
            region,
            reason: f.reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_core::{AssumeRole, Credentials};

    fn env(name: &str, profile: Option<&str>, role_account: Option<&str>) -> EnvironmentConfig {
        let mut env = EnvironmentConfig::new(name);
        env.credentials = profile.map(|p| Credentials::Profile {
            profile: p.to_string(),
        });
        env.assume_role = role_account
            .map(|a| AssumeRole::new(&format!("arn:aws:iam::{a}:role/EnvParityReadOnly")));
        env
    }

    #[test]
    fn environments_share_a_concurrency_bound_only_within_one_account() {
        // Roles: the role's account decides, whatever the source.
        assert_eq!(
            account_key(&env("a", Some("org"), Some("111122223333"))),
            account_key(&env("b", None, Some("111122223333")))
        );
        assert_ne!(
            account_key(&env("a", Some("org"), Some("111122223333"))),
            account_key(&env("b", Some("org"), Some("444455556666")))
        );
        // Without a role: the profile (the account it stands for), or the default chain.
        assert_eq!(
            account_key(&env("a", Some("prod"), None)),
            account_key(&env("b", Some("prod"), None))
        );
        assert_ne!(
            account_key(&env("a", Some("prod"), None)),
            account_key(&env("b", Some("staging"), None))
        );
        assert_eq!(
            account_key(&env("a", None, None)),
            account_key(&env("b", None, None))
        );
        // The endpoint is part of it: moto is not AWS.
        let mut local = env("a", None, Some("111122223333"));
        local.endpoint_url = Some("http://127.0.0.1:5000".into());
        assert_ne!(
            account_key(&local),
            account_key(&env("a", None, Some("111122223333")))
        );
    }
}

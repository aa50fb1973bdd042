//! Collecting environments: credentials and SDK configuration per environment, then regions and
//! services concurrently (bounded), into a `Snapshot` that is partial — with the reason per kind —
//! when calls fail, and never a panic or a silent gap.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::{Credentials as SdkCredentials, ProvideCredentials, Region};
use aws_sdk_ec2::error::DisplayErrorContext;
use chrono::Utc;
use futures::{FutureExt, StreamExt};
use parity_core::{EnvironmentConfig, MissingKind, Resource, Snapshot, Source};

use crate::credentials::{fingerprint_key, CredentialError, CredentialSource, KeyringError};
use crate::failure::CallFailure;
use crate::progress::{Phase, ProgressEvent, Reporter};
use crate::scope::Scope;
use crate::secrets::ValueFingerprinter;
use crate::{
    autoscaling, cloudformation, cloudwatch, dynamodb, ec2, elasticache, lambda, rds, ssm,
    FEATURE_FLAG_KIND,
};

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
    /// Environments collected at once by `collect_many`.
    pub max_environments: usize,
    /// Regions of one environment collected at once.
    pub max_regions: usize,
    /// Fan-out calls in flight per region and step (SSM GetParameters batches, VPC attributes,
    /// parameter groups).
    pub max_requests: usize,
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
            .field("max_regions", &self.max_regions)
            .field("max_requests", &self.max_requests)
            .finish()
    }
}

impl CollectContext {
    pub fn new(workspace_uuid: &str) -> Self {
        CollectContext {
            workspace_uuid: workspace_uuid.to_string(),
            fingerprint_key: None,
            max_environments: 3,
            max_regions: 4,
            max_requests: 8,
        }
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
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .retry_config(RetryConfig::standard());
    if let Some(first) = env.regions.first() {
        loader = loader.region(Region::new(first.clone()));
    }
    match &source {
        CredentialSource::Profile { profile } => {
            // The named profile alone: environment variables such as AWS_ACCESS_KEY_ID must not
            // win over a profile the user chose for this environment (the default chain puts
            // them first). The profile provider still does SSO, assume-role, credential_process.
            let provider_config = ProviderConfig::without_region()
                .with_http_client(http)
                .with_region(env.regions.first().map(|r| Region::new(r.clone())));
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
    if let Some(url) = &env.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;
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
    provider.provide_credentials().await.map_err(|e| {
        CredentialError::from_provider(source.profile(), DisplayErrorContext(&e).to_string())
    })?;
    Ok(Prepared { sdk, regions })
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

/// Runs one kind's collector, reporting started / done / failed.
async fn run_kind(
    reporter: Reporter<'_>,
    kind: &'static str,
    fut: impl Future<Output = Result<Vec<Resource>, CallFailure>>,
) -> KindResult {
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
    (kind, result)
}

fn failed(
    reporter: Reporter<'_>,
    kinds: &[&'static str],
    failure: &CallFailure,
) -> Vec<KindResult> {
    kinds
        .iter()
        .map(|kind| {
            reporter.emit(
                Some(kind),
                Phase::Failed {
                    reason: failure.reason.clone(),
                },
            );
            (*kind, Err(failure.clone()))
        })
        .collect()
}

/// An SDK client of any service for `region`, from the environment's shared configuration.
macro_rules! client {
    ($sdk_crate:ident, $sdk:expr, $region:expr) => {
        $sdk_crate::Client::from_conf(
            $sdk_crate::config::Builder::from($sdk)
                .region($sdk_crate::config::Region::new($region.to_string()))
                .build(),
        )
    };
}

/// The breadth collectors (ElastiCache, Lambda, Auto Scaling, CloudFormation, DynamoDB feature
/// flags; CloudWatch alarms unscoped — [`collect_region`] scopes them once the rest is known).
#[allow(clippy::too_many_arguments)] // the region's context, as `collect_region` has it
async fn collect_breadth(
    env: &EnvironmentConfig,
    sdk: &SdkConfig,
    region: &str,
    first_region: bool,
    ctx: &CollectContext,
    fingerprinter: Option<&ValueFingerprinter>,
    reporter: Reporter<'_>,
    vpc_scope: impl Future<Output = Result<ec2::VpcScope, CallFailure>>,
) -> (Vec<KindResult>, Result<Vec<Resource>, CallFailure>) {
    let cache_client = client!(aws_sdk_elasticache, sdk, region);
    let lambda_client = client!(aws_sdk_lambda, sdk, region);
    let asg_client = client!(aws_sdk_autoscaling, sdk, region);
    let cw_client = client!(aws_sdk_cloudwatch, sdk, region);
    let cfn_client = client!(aws_sdk_cloudformation, sdk, region);
    let scope = Scope::new(env, Default::default());
    let scope = &scope;
    let lambda_part = async {
        // Functions attached to an in-scope VPC belong too; without the VPCs, tags and names
        // still decide.
        let vpc_ids = vpc_scope.await.map(|s| s.vpc_ids()).unwrap_or_default();
        let scope = Scope::new(env, vpc_ids);
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
        match (&env.feature_flags, first_region) {
            (Some(flags), true) => {
                let client = client!(aws_sdk_dynamodb, sdk, region);
                let tokens: Vec<String> = std::iter::once(env.name.clone())
                    .chain(env.aliases.iter().cloned())
                    .collect();
                vec![
                    run_kind(
                        reporter,
                        FEATURE_FLAG_KIND,
                        dynamodb::items(&client, flags, &tokens, region, fingerprinter),
                    )
                    .await,
                ]
            }
            _ => Vec::new(),
        }
    };
    reporter.emit(Some(cloudwatch::KIND), Phase::Started);
    let (caches, functions, groups, stacks, flags, alarms) = futures::join!(
        run_kind(
            reporter,
            "elasticache.cluster",
            elasticache::clusters(&cache_client, scope, region, ctx.max_requests)
        ),
        run_kind(reporter, "lambda.function", lambda_part),
        run_kind(
            reporter,
            "autoscaling.group",
            autoscaling::groups(&asg_client, scope, region)
        ),
        run_kind(
            reporter,
            "cloudformation.stack",
            cloudformation::stacks(&cfn_client, scope, region, fingerprinter, ctx.max_requests)
        ),
        flags_part,
        cloudwatch::alarms(&cw_client, region),
    );
    let mut results = vec![caches, functions, groups, stacks];
    results.extend(flags);
    (results, alarms)
}

async fn collect_region(
    env: &EnvironmentConfig,
    sdk: &SdkConfig,
    region: &str,
    first_region: bool,
    ctx: &CollectContext,
    fingerprinter: Option<&ValueFingerprinter>,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
) -> Vec<KindResult> {
    let ec2_client = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(sdk)
            .region(Region::new(region.to_string()))
            .build(),
    );
    let rds_client = aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::config::Builder::from(sdk)
            .region(aws_sdk_rds::config::Region::new(region.to_string()))
            .build(),
    );
    let ssm_client = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(sdk)
            .region(aws_sdk_ssm::config::Region::new(region.to_string()))
            .build(),
    );
    let reporter = Reporter {
        sink: progress,
        environment: &env.name,
        region: Some(region),
    };
    let unscoped = env.tags.is_empty() && env.vpcs.is_empty();
    let scope = ec2::vpc_scope(&ec2_client, env).shared();

    let ec2_part = async {
        match scope.clone().await {
            Err(failure) => failed(reporter, EC2_KINDS, &failure),
            Ok(scope) => {
                let instance_progress = |count| {
                    reporter.emit(Some("ec2.instance"), Phase::Progress { count });
                };
                let (vpcs, subnets, nats, tables, groups, instances) = futures::join!(
                    run_kind(
                        reporter,
                        "ec2.vpc",
                        ec2::vpcs(&ec2_client, &scope, region, ctx.max_requests)
                    ),
                    run_kind(
                        reporter,
                        "ec2.subnet",
                        ec2::subnets(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        "ec2.nat_gateway",
                        ec2::nat_gateways(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        "ec2.route_table",
                        ec2::route_tables(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        "ec2.security_group",
                        ec2::security_groups(&ec2_client, &scope, region)
                    ),
                    run_kind(
                        reporter,
                        "ec2.instance",
                        ec2::instances(&ec2_client, &scope, region, &instance_progress)
                    ),
                );
                vec![vpcs, subnets, nats, tables, groups, instances]
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
            (Err(failure), _) => return failed(reporter, kinds, &failure),
            (Ok(_), Err(failure)) if !unscoped => {
                let failure = CallFailure::new(format!(
                    "the environment's VPCs are unknown: {}",
                    failure.reason
                ));
                return failed(reporter, kinds, &failure);
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
        let groups = run_kind(
            reporter,
            "rds.db_parameter_group",
            rds::parameter_groups(&rds_client, &dbs, region, ctx.max_requests),
        )
        .await;
        vec![("rds.db_instance", Ok(instances)), groups]
    };

    let ssm_part = async {
        let prefix = env.effective_ssm_prefix();
        let ssm_progress = |count| {
            reporter.emit(Some("ssm.parameter"), Phase::Progress { count });
        };
        vec![
            run_kind(
                reporter,
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
            .await,
        ]
    };

    let breadth_part = collect_breadth(
        env,
        sdk,
        region,
        first_region,
        ctx,
        fingerprinter,
        reporter,
        scope.clone(),
    );

    let (a, b, c, (d, alarms)) = futures::join!(ec2_part, rds_part, ssm_part, breadth_part);
    let mut results: Vec<KindResult> = a.into_iter().chain(b).chain(c).chain(d).collect();
    // Alarms belong to the environment whose resources they watch: scoped now that those are
    // known.
    let alarms = alarms.map(|alarms| {
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
    results.push((cloudwatch::KIND, alarms));
    results
}

/// Collects one environment: every kind in every region. Never fails: what could not be
/// collected is listed in `Snapshot.missing` with the reason (credentials failing make every
/// kind missing).
pub async fn collect(
    env: &EnvironmentConfig,
    ctx: &CollectContext,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
) -> Snapshot {
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
    let prepared = match prepare(env, ctx).await {
        Ok(p) => p,
        Err(e) => {
            let reason = e.to_string();
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
    let fingerprinter = fingerprinter(ctx).await;
    let several_regions = prepared.regions.len() > 1;

    let results: Vec<(String, Vec<KindResult>)> =
        futures::stream::iter(prepared.regions.iter().enumerate())
            .map(|(i, region)| {
                let sdk = &prepared.sdk;
                let fp = fingerprinter.as_ref();
                async move {
                    (
                        region.clone(),
                        collect_region(env, sdk, region, i == 0, ctx, fp, progress).await,
                    )
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
                Err(failure) => reasons.entry(kind).or_default().push(if several_regions {
                    format!("{region}: {}", failure.reason)
                } else {
                    failure.reason
                }),
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

/// Collects several environments concurrently (at most `ctx.max_environments` at once), in the
/// order given.
pub async fn collect_many(
    envs: &[EnvironmentConfig],
    ctx: &CollectContext,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
) -> Vec<Snapshot> {
    // One fingerprint key for the whole run, read (or created) once: environments resolving it
    // concurrently would race to create it, each keeping its own key, and equal values would
    // fingerprint differently.
    let mut ctx = ctx.clone();
    if ctx.fingerprint_key.is_none() && envs.len() > 1 {
        let uuid = ctx.workspace_uuid.clone();
        ctx.fingerprint_key = blocking(move || fingerprint_key(&uuid)).await.ok();
    }
    let ctx = &ctx;
    futures::stream::iter(envs)
        .map(|env| collect(env, ctx, progress))
        .buffered(ctx.max_environments.max(1))
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
    let client = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&prepared.sdk)
            .region(Region::new(region.clone()))
            .build(),
    );
    match ec2::caller_account(&client).await {
        Ok(account) => Ok(ConnectionInfo { region, account }),
        Err(f) => Err(ConnectionError::Call {
            region,
            reason: f.reason,
        }),
    }
}

//! How gentle a collection is: timeouts on every call, retries, and a client-side rate budget.
//!
//! - **Timeouts** ([`CallTimeouts`]): every SDK client gets a connect, a read (time to the
//!   response), a per-attempt and a per-operation (all attempts and backoff together) timeout.
//!   The collection as a whole has a deadline on top (`CollectContext::timeout`).
//! - **Retries** ([`retry_config`], [`RetryCap`]): the SDK's *standard* retry mode — exponential
//!   backoff with jitter — with up to [`THROTTLE_ATTEMPTS`] attempts while the service throttles
//!   (a throttling error code, HTTP 429 or 503), and [`OTHER_ATTEMPTS`] for other transient
//!   errors (HTTP 500/502/504, connection reset or refused, timeouts); errors that are not
//!   transient (AccessDenied, validation) are never retried. The per-operation timeout bounds all
//!   of it. The SDK's retry quota (which gives up retrying after a burst of failures) is off:
//!   the attempt caps, the timeouts and the rate budget bound the retries instead. The
//!   *adaptive* mode was measured and not chosen: its client-side limiter is shared by the whole
//!   process and, after a burst of throttling, held calls back past their operation timeouts
//!   (transient throttling then lost kinds in the fault matrix).
//! - **Rate budget** ([`RateBudgets`]): a token bucket per account, region and service (EC2's
//!   non-mutating calls share one bucket, as AWS meters them), sized as `rate_share` of what AWS
//!   allows ([`service_rate`]). Every attempt, retries included, takes a token before it is sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryReason,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind;
use tokio::time::Instant;

/// Attempts per call when the service keeps throttling (the first attempt included).
pub const THROTTLE_ATTEMPTS: u32 = 8;

/// Attempts per call when the last error was transient but not throttling.
pub const OTHER_ATTEMPTS: u32 = 3;

/// The default deadline of a whole collection (`collect_timeout`, `--timeout`).
pub const DEFAULT_COLLECT_TIMEOUT: Duration = Duration::from_secs(600);

/// The default share of an account's API rate budget one collection uses (`rate_share`).
pub const DEFAULT_RATE_SHARE: f64 = 0.5;

/// Per-call timeouts every SDK client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimeouts {
    /// Establishing a connection (TCP + TLS).
    pub connect: Duration,
    /// From sending a request to the first byte of its response.
    pub read: Duration,
    /// One attempt, the response body included.
    pub attempt: Duration,
    /// One operation: every attempt and the backoff between them.
    pub operation: Duration,
}

impl Default for CallTimeouts {
    /// 5 s connect, 20 s read, 30 s per attempt, 45 s per operation: an endpoint that accepts
    /// connections and never answers fails a call within 45 s, and the longest chain of
    /// dependent calls that can meet it (the VPC scope, then the functions list) within 90 s.
    fn default() -> Self {
        CallTimeouts {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(20),
            attempt: Duration::from_secs(30),
            operation: Duration::from_secs(45),
        }
    }
}

impl CallTimeouts {
    /// All four scaled down for tests (`read` = `d`, the others derived).
    pub fn short(d: Duration) -> Self {
        CallTimeouts {
            connect: d,
            read: d,
            attempt: d * 2,
            operation: d * 6,
        }
    }

    pub(crate) fn sdk(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.read)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// Standard retries, [`THROTTLE_ATTEMPTS`] attempts at most, backoff from `initial` up to 20 s.
pub(crate) fn retry_config(initial_backoff: Duration) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(THROTTLE_ATTEMPTS)
        .with_initial_backoff(initial_backoff)
        .with_max_backoff(Duration::from_secs(20))
}

/// A retry partition of its own per client, without the SDK's retry quota.
pub(crate) fn retry_partition(
    service: &str,
) -> aws_smithy_runtime::client::retries::RetryPartition {
    aws_smithy_runtime::client::retries::RetryPartition::custom(format!("envparity-{service}"))
        .token_bucket(aws_smithy_runtime::client::retries::TokenBucket::unlimited())
        .build()
}

/// After every attempt, sets the retry limit for the next decision: [`THROTTLE_ATTEMPTS`] when
/// this attempt was throttled (a throttling error code, or HTTP 429 / 503), [`OTHER_ATTEMPTS`]
/// otherwise. The SDK's standard strategy reads
/// the retry configuration from the request's configuration bag at each decision, so the limit
/// follows the last error's class.
#[derive(Debug)]
pub(crate) struct RetryCap;

/// Whether the SDK's retry classifiers call this attempt's outcome throttling.
fn throttled(
    ctx: &aws_smithy_runtime_api::client::interceptors::context::InterceptorContext,
    rc: &RuntimeComponents,
) -> bool {
    let mut result = RetryAction::NoActionIndicated;
    for classifier in rc.retry_classifiers() {
        let next = classifier.classify_retry_v2(ctx, &result);
        if next == RetryAction::NoActionIndicated {
            continue;
        }
        result = next;
        if result == RetryAction::RetryForbidden {
            break;
        }
    }
    matches!(
        result,
        RetryAction::RetryIndicated(RetryReason::RetryableError {
            kind: ErrorKind::ThrottlingError,
            ..
        })
    )
}

impl Intercept for RetryCap {
    fn name(&self) -> &'static str {
        "EnvParityRetryCap"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(current) = cfg.load::<RetryConfig>().cloned() else {
            return Ok(());
        };
        // HTTP 429 and 503 are AWS saying "slow down" whatever the error document says.
        let slow_down = context
            .inner()
            .response()
            .is_some_and(|r| matches!(r.status().as_u16(), 429 | 503));
        let limit = if slow_down || throttled(context.inner(), runtime_components) {
            THROTTLE_ATTEMPTS
        } else {
            OTHER_ATTEMPTS
        };
        if current.max_attempts() != limit {
            cfg.interceptor_state()
                .store_put(current.with_max_attempts(limit));
        }
        Ok(())
    }
}

/// What AWS allows a service, before the share: bucket size (burst) and refill per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceRate {
    pub burst: f64,
    pub per_second: f64,
}

/// The published (or, where AWS publishes none, a conservative) rate per service: EC2
/// non-mutating calls 100 / 20 per s; RDS 300 / 12 per s; SSM Parameter Store 40 per s shared;
/// S3 100 / 20 per s (AWS publishes 5,500 GET/s per prefix; a collection reads up to seven
/// configuration documents per bucket); everything else 20 / 5 per s.
pub fn service_rate(service: &str) -> ServiceRate {
    let (burst, per_second) = match service {
        "ec2" => (100.0, 20.0),
        "rds" => (300.0, 12.0),
        "ssm" => (40.0, 40.0),
        "s3" => (100.0, 20.0),
        _ => (20.0, 5.0),
    };
    ServiceRate { burst, per_second }
}

/// A token bucket: starts full; a request takes a token, waiting for the refill when none is
/// left (tokens go negative, so concurrent waiters queue up in arrival order).
#[derive(Debug)]
pub struct Bucket {
    capacity: f64,
    per_second: f64,
    state: Mutex<(f64, Option<Instant>)>,
}

impl Bucket {
    pub fn new(capacity: f64, per_second: f64) -> Bucket {
        let capacity = capacity.max(1.0);
        Bucket {
            capacity,
            per_second: per_second.max(0.01),
            state: Mutex::new((capacity, None)),
        }
    }

    /// Takes a token at `now` and says how long to wait before using it.
    pub fn reserve(&self, now: Instant) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = &mut *state;
        if let Some(last) = *last {
            let elapsed = now.saturating_duration_since(last).as_secs_f64();
            *tokens = (*tokens + elapsed * self.per_second).min(self.capacity);
        }
        *last = Some(now);
        *tokens -= 1.0;
        if *tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-*tokens / self.per_second)
        }
    }

    pub async fn acquire(&self) {
        let wait = self.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// The buckets of one collection run (shared by its environments), keyed by account, region and
/// service.
#[derive(Debug)]
pub struct RateBudgets {
    share: f64,
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
}

impl RateBudgets {
    /// `share` of each service's rate (clamped to 0.01–1).
    pub fn new(share: f64) -> RateBudgets {
        let share = if share.is_finite() {
            share.clamp(0.01, 1.0)
        } else {
            DEFAULT_RATE_SHARE
        };
        RateBudgets {
            share,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn share(&self) -> f64 {
        self.share
    }

    /// The bucket of `account` (the credentials' identity), `region` and `service`.
    pub fn bucket(&self, account: &str, region: &str, service: &str) -> Arc<Bucket> {
        let key = format!("{account}|{region}|{service}");
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets
            .entry(key)
            .or_insert_with(|| {
                let rate = service_rate(service);
                Arc::new(Bucket::new(
                    rate.burst * self.share,
                    rate.per_second * self.share,
                ))
            })
            .clone()
    }
}

/// An HTTP client whose every request (each attempt) first takes a token from `bucket`.
#[derive(Debug, Clone)]
pub(crate) struct Budgeted {
    pub inner: SharedHttpClient,
    pub bucket: Arc<Bucket>,
}

impl HttpClient for Budgeted {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(BudgetedConnector {
            inner: self.inner.http_connector(settings, components),
            bucket: self.bucket.clone(),
        })
    }
}

#[derive(Debug)]
struct BudgetedConnector {
    inner: SharedHttpConnector,
    bucket: Arc<Bucket>,
}

impl HttpConnector for BudgetedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let bucket = self.bucket.clone();
        HttpConnectorFuture::new(async move {
            bucket.acquire().await;
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_allow_the_burst_then_the_refill_rate() {
        let bucket = Bucket::new(3.0, 2.0);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(bucket.reserve(t0), Duration::ZERO);
        }
        // Empty: the 4th waits half a second (2 per second), the 5th a second.
        assert_eq!(bucket.reserve(t0), Duration::from_millis(500));
        assert_eq!(bucket.reserve(t0), Duration::from_millis(1000));
        // Three seconds later the debt (−2) is repaid and 3 tokens refilled, capped at 3 … → 3.
        let t3 = t0 + Duration::from_secs(4);
        assert_eq!(bucket.reserve(t3), Duration::ZERO);
        assert_eq!(bucket.reserve(t3), Duration::ZERO);
        assert_eq!(bucket.reserve(t3), Duration::ZERO);
        assert_eq!(bucket.reserve(t3), Duration::from_millis(500));
    }

    #[test]
    fn budgets_take_their_share_per_account_region_and_service() {
        let budgets = RateBudgets::new(0.5);
        let ec2 = budgets.bucket("profile:prod", "eu-west-1", "ec2");
        assert!(Arc::ptr_eq(
            &ec2,
            &budgets.bucket("profile:prod", "eu-west-1", "ec2")
        ));
        assert!(!Arc::ptr_eq(
            &ec2,
            &budgets.bucket("profile:prod", "us-east-1", "ec2")
        ));
        assert!(!Arc::ptr_eq(
            &ec2,
            &budgets.bucket("profile:staging", "eu-west-1", "ec2")
        ));
        // EC2: 100 burst × 0.5 = 50 at once, then 10 per second.
        let t0 = Instant::now();
        for _ in 0..50 {
            assert_eq!(ec2.reserve(t0), Duration::ZERO);
        }
        assert_eq!(ec2.reserve(t0), Duration::from_millis(100));
        assert_eq!(RateBudgets::new(f64::NAN).share(), DEFAULT_RATE_SHARE);
        assert_eq!(RateBudgets::new(7.0).share(), 1.0);
    }
}

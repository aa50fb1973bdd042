//! Collecting environments from AWS: `collect_plan` reads the workspace, `run` talks to AWS
//! (async, no database), `store_collected` writes the snapshots; [`collect_blocking`] does the
//! last two for both faces, cancellable, and stores into the workspace the collection started
//! in. A snapshot where every kind failed is not stored (it would hide the previous one behind
//! `unknown`); a partial one is, with its reasons. A cancelled collection stores nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use parity_aws::{CollectContext, ProgressEvent};
use parity_core::{EnvironmentConfig, MissingKind, Snapshot};
use parity_store::{OpenMode, SnapshotInfo};
use serde::Serialize;
use tokio::sync::watch;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::Workspace;

/// What to collect and how.
#[derive(Debug, Clone)]
pub struct CollectPlan {
    pub environments: Vec<EnvironmentConfig>,
    pub context: CollectContext,
}

impl CollectPlan {
    /// Overrides the deadline of the whole collection (`collect --timeout`).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.context.timeout = Some(timeout);
        self
    }

    /// The deadline in effect.
    pub fn timeout(&self) -> Option<Duration> {
        self.context.timeout
    }
}

/// The deadline of a run over `environments`: the longest `collect_timeout` among them, else
/// [`parity_aws::DEFAULT_COLLECT_TIMEOUT`]; and the smallest `rate_share`, else
/// [`parity_aws::DEFAULT_RATE_SHARE`].
fn limits_of(environments: &[EnvironmentConfig]) -> AppResult<(Duration, f64)> {
    let mut timeout: Option<u64> = None;
    let mut share: Option<f64> = None;
    for env in environments {
        if let Some(text) = &env.collect_timeout {
            let secs = parity_core::parse_duration_secs(text).map_err(|e| {
                AppError::bad_input(format!("environment `{}`: collect_timeout {e}", env.name))
            })?;
            let secs = u64::try_from(secs).unwrap_or(0).max(1);
            timeout = Some(timeout.map_or(secs, |t| t.max(secs)));
        }
        if let Some(s) = env.rate_share {
            share = Some(share.map_or(s.0, |x: f64| x.min(s.0)));
        }
    }
    Ok((
        timeout
            .map(Duration::from_secs)
            .unwrap_or(parity_aws::DEFAULT_COLLECT_TIMEOUT),
        share.unwrap_or(parity_aws::DEFAULT_RATE_SHARE),
    ))
}

/// The result for one environment.
#[derive(Debug, Clone, Serialize)]
pub struct CollectOutcome {
    pub environment: String,
    /// The stored snapshot; `None` when nothing could be collected (nothing stored).
    pub snapshot_id: Option<i64>,
    pub resources: usize,
    pub missing: Vec<MissingKind>,
    /// The stored snapshot's summary (with `snapshot_id`).
    pub snapshot: Option<SnapshotInfo>,
    /// Why a collected snapshot could not be stored (the other environments' are kept).
    pub store_error: Option<String>,
}

impl CollectOutcome {
    pub fn failed(&self) -> bool {
        self.snapshot_id.is_none()
    }
}

impl Workspace {
    /// Resolves the environments to collect (all when `names` is empty).
    pub fn collect_plan(&self, names: &[String]) -> AppResult<CollectPlan> {
        let environments = if names.is_empty() {
            self.environments()?
        } else {
            names
                .iter()
                .map(|n| self.environment(n))
                .collect::<AppResult<Vec<_>>>()?
        };
        if environments.is_empty() {
            return Err(AppError::not_found(
                "the workspace has no environments yet (add one with `envparity env add NAME --profile PROFILE --region REGION`)",
            ));
        }
        for env in &environments {
            if env.regions.is_empty() {
                return Err(AppError::bad_input(format!(
                    "environment `{}` has no regions: add one with `envparity env add {} --replace --region REGION …`",
                    env.name, env.name
                )));
            }
        }
        for env in &environments {
            // Stored before the rules tightened (an http endpoint to a remote host, say):
            // refused here rather than sent requests.
            env.validate().map_err(|e| {
                AppError::bad_input(format!(
                    "{e}; fix it with `envparity env add {} --replace …`",
                    env.name
                ))
            })?;
        }
        let info = self.info()?;
        let (timeout, rate_share) = limits_of(&environments)?;
        // The collectors fingerprint with the workspace's one key (read or created under the
        // database's lock, checked against the recorded key id). Without a key, secrets are kept
        // as presence only.
        let mut context = CollectContext::new(&info.id);
        context.timeout = Some(timeout);
        context.rate_share = rate_share;
        if let Some(key) = self.checked_fingerprint_key()? {
            context = context.with_fingerprint_key(key);
        }
        Ok(CollectPlan {
            environments,
            context,
        })
    }

    /// Stores what `run` collected; see the module doc for what is kept. Each environment's
    /// snapshot is its own transaction: one that cannot be stored (its environment was removed
    /// meanwhile, the disk is full) is reported in its outcome and the others are kept.
    pub fn store_collected(&self, snapshots: &[Snapshot]) -> AppResult<Vec<CollectOutcome>> {
        let mut out = Vec::new();
        for s in snapshots {
            let all_failed = !s.missing.is_empty()
                && s.resources.is_empty()
                && parity_aws::KINDS
                    .iter()
                    .all(|k| s.missing.iter().any(|m| m.kind == *k));
            let stored = if all_failed {
                Ok(None)
            } else {
                self.add_snapshot(s)
                    .and_then(|id| Ok(Some(self.store().snapshot_info(id)?)))
            };
            let (snapshot, store_error) = match stored {
                Ok(info) => (info, None),
                Err(e) => (None, Some(e.message)),
            };
            out.push(CollectOutcome {
                environment: s.environment.clone(),
                snapshot_id: snapshot.as_ref().map(|i| i.id),
                snapshot,
                resources: s.resources.len(),
                missing: s.missing.clone(),
                store_error,
            });
        }
        Ok(out)
    }
}

/// Collects the plan's environments concurrently. Never touches the database.
pub async fn run(
    plan: &CollectPlan,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
) -> Vec<Snapshot> {
    parity_aws::collect_many(&plan.environments, &plan.context, progress).await
}

/// Every kind the AWS collectors produce, in report order (feature flags last): the catalogue
/// of `crates/parity-core/KINDS.md` that front ends offer.
pub fn collected_kinds() -> Vec<&'static str> {
    let mut kinds = parity_aws::KINDS.to_vec();
    kinds.push(parity_aws::FEATURE_FLAG_KIND);
    kinds
}

/// Cancels a collection. Clones share one signal; a cancel given before the collection starts
/// waiting for it is not lost.
#[derive(Debug, Clone)]
pub struct CancelToken(Arc<watch::Sender<bool>>);

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken(Arc::new(watch::channel(false).0))
    }
}

impl CancelToken {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once `cancel` has been called (at once if it already was).
    pub async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so `wait_for` only returns once the value is true.
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// Collects `plan` and stores the snapshots in the workspace at `path` (reopened, so a front end
/// that switched workspaces meanwhile still stores where the collection started). Blocks the
/// calling thread, which must not be an async task (desktop: `spawn_blocking`). Cancelling
/// stores nothing and leaves earlier snapshots as they were.
pub fn collect_blocking(
    path: &Path,
    plan: &CollectPlan,
    progress: &(dyn Fn(ProgressEvent) + Send + Sync),
    cancel: &CancelToken,
) -> AppResult<Vec<CollectOutcome>> {
    // parity-aws's futures are not `Send`: one current-thread runtime runs them all.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot start collecting: {e}")))?;
    // parity-aws ends every kind at the deadline; this bound (a little later) only guards
    // against a step that would not, so the process always ends.
    let hard_stop = plan.context.timeout.map(|t| t + Duration::from_secs(15));
    let collected = runtime.block_on(async {
        if cancel.is_cancelled() {
            return None;
        }
        let stop = async {
            match hard_stop {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = cancel.cancelled() => None,
            _ = stop => Some(Err(())),
            s = run(plan, progress) => Some(Ok(s)),
        }
    });
    // A keyring call still blocked on its thread must not hold the process: don't wait for it.
    runtime.shutdown_background();
    let collected = match collected {
        Some(Ok(s)) => Some(s),
        Some(Err(())) => {
            return Err(AppError::new(
                ErrorCode::Aws,
                format!(
                    "collection did not end within its deadline ({} s): nothing was stored, earlier snapshots are kept",
                    plan.context.timeout.unwrap_or_default().as_secs()
                ),
            ))
        }
        None => None,
    };
    // A cancel that arrived while the last call returned still wins: nothing is stored.
    let collected = collected.filter(|_| !cancel.is_cancelled());
    let Some(snapshots) = collected else {
        return Err(AppError::conflict(
            "collection cancelled: nothing was stored, earlier snapshots are kept",
        ));
    };
    let ws = Workspace::open(path, OpenMode::Existing, Utc::now())?;
    ws.store_collected(&snapshots)
}

/// Maps a collection that stored nothing to an error naming the environments and reasons.
pub fn failures_as_error(outcomes: &[CollectOutcome]) -> Option<AppError> {
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.failed())
        .map(|o| {
            let reason = o
                .store_error
                .as_deref()
                .or(o.missing.first().map(|m| m.reason.as_str()))
                .unwrap_or("unknown reason");
            format!("`{}`: {reason}", o.environment)
        })
        .collect();
    (!failed.is_empty()).then(|| {
        AppError::new(
            ErrorCode::Aws,
            format!(
                "nothing collected (previous snapshots kept) for {}",
                failed.join("; ")
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    //! Cancel and deadline against a local fake endpoint (127.0.0.1): it answers the first
    //! request or none, and keeps every other connection open without an answer. The test
    //! threads synchronise on what the endpoint saw, never on sleeps.

    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;

    /// Static keys through the default chain, nothing from the machine's AWS setup.
    fn aws_env() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            parity_testkit::isolated_default_chain("app", "AKIACANCELTEST", "cancel-secret")
        });
    }

    /// What the fake endpoint reports: `Answered` once it answered the first request,
    /// `Stalled(n)` for the n-th connection it holds without an answer.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Answered,
        Stalled(usize),
    }

    struct Endpoint {
        port: u16,
        stop: std::sync::Arc<AtomicBool>,
        connections: std::sync::Arc<AtomicUsize>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Endpoint {
        /// Answers the first request (HTTP 403) when `answer_first`, holds every other one.
        fn start(answer_first: bool) -> (Endpoint, mpsc::Receiver<Seen>) {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let stop = std::sync::Arc::new(AtomicBool::new(false));
            let connections = std::sync::Arc::new(AtomicUsize::new(0));
            let (tx, rx) = mpsc::channel();
            let thread = {
                let stop = stop.clone();
                let connections = connections.clone();
                std::thread::spawn(move || {
                    let mut held: Vec<TcpStream> = Vec::new();
                    // Bounded: the collections here make far fewer connections.
                    for stream in listener.incoming().take(500) {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(mut stream) = stream else { continue };
                        let n = connections.fetch_add(1, Ordering::SeqCst);
                        if n == 0 && answer_first {
                            let mut buf = [0u8; 4096];
                            let _ = stream.read(&mut buf);
                            let _ = stream.write_all(
                                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            );
                            drop(stream);
                            let _ = tx.send(Seen::Answered);
                        } else {
                            held.push(stream);
                            let _ = tx.send(Seen::Stalled(n));
                        }
                    }
                })
            };
            (
                Endpoint {
                    port,
                    stop,
                    connections,
                    thread: Some(thread),
                },
                rx,
            )
        }

        fn url(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }
    }

    impl Drop for Endpoint {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    fn workspace(endpoint: &str) -> (tempfile::TempDir, std::path::PathBuf, CollectPlan) {
        aws_env();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ws.db");
        let ws = Workspace::open(&path, OpenMode::CreateIfMissing, Utc::now()).expect("open");
        let mut env = EnvironmentConfig::new("prod");
        env.regions = vec!["us-east-1".into()];
        env.endpoint_url = Some(endpoint.to_string());
        ws.add_environment(&env, false).expect("add env");
        let mut plan = ws.collect_plan(&[]).expect("plan");
        plan.context.fingerprint_key = Some(vec![7; 32]);
        (dir, path, plan)
    }

    fn stored(path: &Path) -> usize {
        Workspace::open(path, OpenMode::Existing, Utc::now())
            .expect("reopen")
            .snapshots(None)
            .expect("snapshots")
            .len()
    }

    fn assert_cancelled(result: AppResult<Vec<CollectOutcome>>) {
        let err = result.expect_err("a cancelled collection is an error");
        assert!(err.message.contains("cancelled"), "{}", err.message);
    }

    #[test]
    fn a_cancel_before_the_collection_starts_is_not_lost() {
        let (endpoint, _seen) = Endpoint::start(false);
        let (_dir, path, plan) = workspace(&endpoint.url());
        let token = CancelToken::default();
        token.cancel();
        assert!(token.is_cancelled());
        assert_cancelled(collect_blocking(&path, &plan, &|_| {}, &token));
        assert_eq!(stored(&path), 0);
        assert_eq!(
            endpoint.connections.load(Ordering::SeqCst),
            0,
            "no call was made"
        );
        // A clone given to another face shares the signal.
        let clone = token.clone();
        assert!(clone.is_cancelled());
    }

    #[test]
    fn a_cancel_during_the_first_call_stops_the_collection() {
        let (endpoint, seen) = Endpoint::start(false);
        let (_dir, path, plan) = workspace(&endpoint.url());
        let token = CancelToken::default();
        let canceller = {
            let token = token.clone();
            std::thread::spawn(move || {
                // The first call is in flight (held by the endpoint): cancel now.
                assert_eq!(seen.recv().expect("a first call"), Seen::Stalled(0));
                token.cancel();
            })
        };
        let started = Instant::now();
        assert_cancelled(collect_blocking(&path, &plan, &|_| {}, &token));
        canceller.join().expect("canceller");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(stored(&path), 0);
    }

    #[test]
    fn a_cancel_after_the_first_call_answered_stops_the_collection() {
        let (endpoint, seen) = Endpoint::start(true);
        let (_dir, path, plan) = workspace(&endpoint.url());
        let token = CancelToken::default();
        let canceller = {
            let token = token.clone();
            std::thread::spawn(move || {
                // Bounded: the collection makes a few dozen calls at most before this one.
                for _ in 0..500 {
                    match seen.recv() {
                        Ok(Seen::Answered) => break,
                        Ok(Seen::Stalled(_)) => continue,
                        Err(_) => panic!("the endpoint stopped before answering"),
                    }
                }
                token.cancel();
            })
        };
        assert_cancelled(collect_blocking(&path, &plan, &|_| {}, &token));
        canceller.join().expect("canceller");
        assert_eq!(stored(&path), 0);
    }

    #[test]
    fn the_deadline_ends_a_collection_against_an_endpoint_that_never_answers() {
        let (endpoint, _seen) = Endpoint::start(false);
        let (_dir, path, plan) = workspace(&endpoint.url());
        let plan = plan.with_timeout(Duration::from_secs(2));
        let started = Instant::now();
        let outcomes =
            collect_blocking(&path, &plan, &|_| {}, &CancelToken::default()).expect("collect");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        let o = &outcomes[0];
        assert!(o.failed(), "nothing collected, nothing stored");
        assert_eq!(o.missing.len(), parity_aws::KINDS.len());
        for m in &o.missing {
            assert!(
                m.reason.starts_with("timed out after 2 s"),
                "{}: {}",
                m.kind,
                m.reason
            );
        }
        let err = failures_as_error(&outcomes).expect("an error: exit code 2");
        assert_eq!(err.code, ErrorCode::Aws);
        assert_eq!(stored(&path), 0);
    }

    /// The promise with the real defaults (20 s read, 45 s per operation, 10 min
    /// deadline): about 90 s, so not run by default (`--ignored`).
    #[test]
    #[ignore = "takes about 90 s"]
    fn with_the_defaults_an_endpoint_that_never_answers_ends_within_two_minutes() {
        let (endpoint, _seen) = Endpoint::start(false);
        let (_dir, path, plan) = workspace(&endpoint.url());
        assert_eq!(plan.timeout(), Some(parity_aws::DEFAULT_COLLECT_TIMEOUT));
        let started = Instant::now();
        let outcomes =
            collect_blocking(&path, &plan, &|_| {}, &CancelToken::default()).expect("collect");
        let took = started.elapsed();
        eprintln!("ended after {took:?}: {:?}", outcomes[0].missing.first());
        assert!(took < Duration::from_secs(120), "{took:?}");
        assert!(outcomes[0].failed());
        assert_eq!(stored(&path), 0);
    }

    #[test]
    fn replacing_an_environment_keeps_its_collect_limits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ws.db");
        let ws = Workspace::open(&path, OpenMode::CreateIfMissing, Utc::now()).expect("open");
        let mut env = EnvironmentConfig::new("prod");
        env.regions = vec!["us-east-1".into()];
        env.collect_timeout = Some("90s".into());
        env.rate_share = Some(parity_core::RateShare(0.2));
        ws.add_environment(&env, false).unwrap();
        // The form / `env add --replace` know nothing of the limits: they stay.
        let mut form = EnvironmentConfig::new("prod");
        form.regions = vec!["eu-west-1".into()];
        ws.add_environment(&form, true).unwrap();
        let stored = ws.environment("prod").unwrap();
        assert_eq!(stored.regions, ["eu-west-1"]);
        assert_eq!(stored.collect_timeout.as_deref(), Some("90s"));
        assert_eq!(stored.rate_share, Some(parity_core::RateShare(0.2)));
        let plan = ws.collect_plan(&[]).unwrap();
        assert_eq!(plan.timeout(), Some(Duration::from_secs(90)));
        assert_eq!(plan.context.rate_share, 0.2);
    }

    #[test]
    fn plans_take_the_environments_limits() {
        let mut a = EnvironmentConfig::new("a");
        a.collect_timeout = Some("90s".into());
        a.rate_share = Some(parity_core::RateShare(0.8));
        let mut b = EnvironmentConfig::new("b");
        b.collect_timeout = Some("5m".into());
        b.rate_share = Some(parity_core::RateShare(0.25));
        let (timeout, share) = limits_of(&[a.clone(), b]).unwrap();
        assert_eq!((timeout, share), (Duration::from_secs(300), 0.25));
        let (timeout, share) = limits_of(&[EnvironmentConfig::new("c")]).unwrap();
        assert_eq!(
            (timeout, share),
            (
                parity_aws::DEFAULT_COLLECT_TIMEOUT,
                parity_aws::DEFAULT_RATE_SHARE
            )
        );
        assert_eq!(limits_of(&[a]).unwrap().0, Duration::from_secs(90));
    }
}

#[cfg(test)]
mod store_tests {
    //! Storing a multi-environment collection: each environment on its own.
    use super::*;
    use parity_core::{Resource, Source};

    fn snapshot(env: &str) -> Snapshot {
        Snapshot {
            id: None,
            environment: env.into(),
            taken_at: Utc::now(),
            source: Source::Aws,
            missing: vec![],
            resources: vec![Resource::named(
                "ec2.instance",
                "i-1",
                &format!("{env}-api"),
            )],
        }
    }

    #[test]
    fn one_environment_that_cannot_be_stored_does_not_drop_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(
            &dir.path().join("ws.sqlite"),
            OpenMode::CreateIfMissing,
            Utc::now(),
        )
        .unwrap();
        for env in ["dev", "prod"] {
            ws.add_environment(&EnvironmentConfig::new(env), false)
                .unwrap();
        }
        // `staging` was removed while its collection ran
        let outcomes = ws
            .store_collected(&[snapshot("dev"), snapshot("staging"), snapshot("prod")])
            .unwrap();
        assert!(outcomes[0].snapshot_id.is_some() && outcomes[2].snapshot_id.is_some());
        assert!(outcomes[1].failed());
        let why = outcomes[1].store_error.as_deref().unwrap();
        assert!(why.contains("staging"), "{why}");
        assert_eq!(ws.snapshots(None).unwrap().len(), 2);
        let e = failures_as_error(&outcomes).unwrap();
        assert!(e.message.contains("`staging`"), "{e}");
    }
}

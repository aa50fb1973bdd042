//! A recording HTTP/1.1 proxy in front of moto (a raw tokio TCP forwarder): records every
//! request's operation (`ec2:DescribeInstances` from `Action=` in the form body and the service
//! in the SigV4 credential scope, `ssm:GetParameters` from `X-Amz-Target`), access key id and
//! timing; can drop the connections of chosen services without an answer, so one service fails
//! while the others work; and can hold every request for a fixed delay before forwarding it (what
//! a laptop sees from AWS, for the benchmark); and can inject faults on a seeded schedule
//! ([`crate::faults`]: throttling in each protocol's format, 5xx, resets, stalls, slow answers,
//! truncated bodies), and answer chosen operations with AccessDenied. One request per connection (`Connection: close` both ways).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::faults::{Fault, FaultPlan};

/// One request the proxy received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `service:Operation`, e.g. `ec2:DescribeInstances`.
    pub operation: String,
    pub access_key_id: String,
    /// When its head arrived, since the proxy started.
    pub started: Duration,
    /// When its response was relayed (or it was dropped), since the proxy started.
    pub finished: Duration,
    /// The request body as text (lossy UTF-8): the parameters of query and JSON protocols
    /// (`ExternalId=…` of an sts:AssumeRole).
    pub body: String,
}

/// What the proxy does besides forwarding.
#[derive(Debug, Clone, Default)]
pub struct ProxyOptions {
    /// Services (`ec2`, `rds`, `ssm`) whose connections are closed without a response.
    pub refuse: Vec<String>,
    /// Added to every request before it is forwarded.
    pub delay: Duration,
    /// Faults injected on a seeded schedule.
    pub faults: Option<Arc<FaultPlan>>,
    /// Operations (`sts:AssumeRole`, `ssm:DescribeParameters`) answered with AccessDenied in
    /// their protocol's error format instead of being forwarded.
    pub deny: Vec<String>,
}

impl ProxyOptions {
    pub fn refuse(services: &[&str]) -> ProxyOptions {
        ProxyOptions {
            refuse: services.iter().map(|s| s.to_string()).collect(),
            ..ProxyOptions::default()
        }
    }

    pub fn delay(delay: Duration) -> ProxyOptions {
        ProxyOptions {
            delay,
            ..ProxyOptions::default()
        }
    }

    pub fn deny(operations: &[&str]) -> ProxyOptions {
        ProxyOptions {
            deny: operations.iter().map(|s| s.to_string()).collect(),
            ..ProxyOptions::default()
        }
    }

    pub fn faults(plan: Arc<FaultPlan>) -> ProxyOptions {
        ProxyOptions {
            faults: Some(plan),
            ..ProxyOptions::default()
        }
    }
}

/// A proxy on a free 127.0.0.1 port, on the current tokio runtime; stops on drop.
pub struct RecordingProxy {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl RecordingProxy {
    /// Forwards to moto on `upstream`; requests to the services in `refuse` get their connection
    /// closed without a response.
    pub async fn start(upstream: u16, refuse: &[&str]) -> RecordingProxy {
        RecordingProxy::start_with(upstream, ProxyOptions::refuse(refuse)).await
    }

    /// Forwards to moto on `upstream` as `options` say.
    pub async fn start_with(upstream: u16, options: ProxyOptions) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let options = Arc::new(options);
        let recorded = requests.clone();
        let epoch = Instant::now();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let recorded = recorded.clone();
                let options = options.clone();
                tokio::spawn(async move {
                    let _ = handle(client, upstream, &options, epoch, &recorded).await;
                });
            }
        });
        RecordingProxy {
            port,
            requests,
            task,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }

    pub fn operations(&self) -> Vec<String> {
        self.recorded().into_iter().map(|r| r.operation).collect()
    }

    /// Forgets what was recorded so far.
    pub fn clear(&self) {
        self.requests.lock().expect("lock").clear();
    }
}

/// The longest sequence of recorded requests in which each starts after the previous one
/// finished: an upper bound on the longest chain of dependent calls (requests that merely
/// queued behind a concurrency bound count too), and what bounds the wall time from below.
pub fn longest_sequential_chain(requests: &[Recorded]) -> Vec<Recorded> {
    let mut sorted: Vec<&Recorded> = requests.iter().collect();
    sorted.sort_by_key(|r| (r.finished, r.started));
    // best[i]: the longest chain ending with sorted[i]; prev[i]: its predecessor.
    let mut best = vec![1usize; sorted.len()];
    let mut prev = vec![usize::MAX; sorted.len()];
    for i in 0..sorted.len() {
        for j in 0..i {
            if sorted[j].finished <= sorted[i].started && best[j] + 1 > best[i] {
                best[i] = best[j] + 1;
                prev[i] = j;
            }
        }
    }
    let Some(mut i) = (0..sorted.len()).max_by_key(|&i| best[i]) else {
        return Vec::new();
    };
    let mut chain = vec![sorted[i].clone()];
    while prev[i] != usize::MAX {
        i = prev[i];
        chain.push(sorted[i].clone());
    }
    chain.reverse();
    chain
}

/// A [`RecordingProxy`] on its own thread and runtime, for tests that are not async; stops on
/// drop.
pub struct BackgroundProxy {
    proxy: Option<RecordingProxy>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BackgroundProxy {
    pub fn start(upstream: u16, options: ProxyOptions) -> BackgroundProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the proxy");
        let proxy = runtime.block_on(RecordingProxy::start_with(upstream, options));
        BackgroundProxy {
            proxy: Some(proxy),
            runtime: Some(runtime),
        }
    }
}

impl std::ops::Deref for BackgroundProxy {
    type Target = RecordingProxy;

    fn deref(&self) -> &RecordingProxy {
        self.proxy.as_ref().expect("the proxy runs until drop")
    }
}

impl Drop for BackgroundProxy {
    fn drop(&mut self) {
        drop(self.proxy.take());
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads one request, records it, forwards it (or drops it) and relays the response.
async fn handle(
    mut client: TcpStream,
    upstream: u16,
    options: &ProxyOptions,
    epoch: Instant,
    recorded: &Mutex<Vec<Recorded>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1024 * 1024 {
            return Ok(());
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let started = epoch.elapsed();
    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();

    // Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, ...
    let scope: Vec<String> = header("authorization")
        .and_then(|a| {
            let start = a.find("Credential=")? + "Credential=".len();
            let rest = &a[start..];
            Some(
                rest[..rest.find(',').unwrap_or(rest.len())]
                    .split('/')
                    .map(str::to_string)
                    .collect(),
            )
        })
        .unwrap_or_default();
    let access_key_id = scope.first().cloned().unwrap_or_default();
    let scope_service = scope.get(3).cloned().unwrap_or_default();
    let operation = match header("x-amz-target") {
        Some(target) => {
            let (prefix, op) = target.split_once('.').unwrap_or(("", &target));
            let service = if prefix == "AmazonSSM" {
                "ssm".to_string()
            } else {
                scope_service.clone()
            };
            format!("{service}:{op}")
        }
        None => {
            let action = body.split('&').find_map(|kv| kv.strip_prefix("Action="));
            match action {
                Some(action) => format!("{scope_service}:{action}"),
                None => path_operation(&scope_service, head.lines().next().unwrap_or_default()),
            }
        }
    };
    let service = operation.split(':').next().unwrap_or("").to_string();
    let record = |finished: Duration| {
        recorded.lock().expect("lock").push(Recorded {
            operation: operation.clone(),
            access_key_id: access_key_id.clone(),
            started,
            finished,
            body: body.clone(),
        });
    };
    if options.deny.contains(&operation) {
        let protocol = crate::faults::protocol(&scope_service, &head);
        let result = client
            .write_all(&crate::faults::access_denied_response(protocol))
            .await;
        let _ = client.shutdown().await;
        record(epoch.elapsed());
        return result;
    }
    if options.refuse.contains(&service) {
        record(epoch.elapsed());
        return Ok(()); // dropped without an answer
    }
    if !options.delay.is_zero() {
        tokio::time::sleep(options.delay).await;
    }
    if let Some(plan) = &options.faults {
        let mut identity = head.lines().next().unwrap_or_default().as_bytes().to_vec();
        identity.extend(header("x-amz-target").unwrap_or_default().bytes());
        identity.extend_from_slice(&buf[head_end..head_end + length]);
        if plan.strikes(&service, &identity) {
            let protocol = crate::faults::protocol(&scope_service, &head);
            let answer = match plan.fault {
                Fault::Throttle => Some(crate::faults::throttle_response(protocol)),
                Fault::Unavailable => Some(crate::faults::unavailable_response()),
                Fault::Internal => Some(crate::faults::internal_response(protocol)),
                Fault::Truncate => Some(crate::faults::truncated_response()),
                Fault::Reset => {
                    record(epoch.elapsed());
                    let _ = client.set_zero_linger();
                    return Ok(());
                }
                Fault::Stall => {
                    // Never answer; hold the connection until the client gives up (its
                    // timeout closes it) or the proxy stops.
                    let mut sink = [0u8; 1024];
                    while client.read(&mut sink).await.unwrap_or(0) > 0 {}
                    record(epoch.elapsed());
                    return Ok(());
                }
                Fault::Slow(d) => {
                    tokio::time::sleep(d).await;
                    None
                }
            };
            if let Some(answer) = answer {
                let result = client.write_all(&answer).await;
                let _ = client.shutdown().await;
                record(epoch.elapsed());
                return result;
            }
        }
    }
    let body = &buf[head_end..head_end + length];
    let result = match crate::rpcv2::cbor_operation(&head) {
        // moto does not speak RPC v2 CBOR (CloudWatch in the Rust SDK): bridged over JSON 1.0.
        Some(operation) => {
            crate::rpcv2::forward(&mut client, upstream, &head, body, operation).await
        }
        None => forward(&mut client, upstream, &head, body).await,
    };
    record(epoch.elapsed());
    result
}

/// Sends the request to moto and relays its response.
async fn forward(
    client: &mut TcpStream,
    upstream: u16,
    head: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream)).await?;
    let mut request_head = String::new();
    for line in head.trim_end().lines() {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            request_head.push_str(line);
            request_head.push_str("\r\n");
        }
    }
    request_head.push_str("Connection: close\r\n\r\n");
    up.write_all(request_head.as_bytes()).await?;
    up.write_all(body).await?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).await?;
    let Some(resp_head_end) = find(&response, b"\r\n\r\n") else {
        return Ok(());
    };
    let resp_head = String::from_utf8_lossy(&response[..resp_head_end]).to_string();
    let mut out = String::new();
    for line in resp_head.lines() {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    client.write_all(out.as_bytes()).await?;
    client.write_all(&response[resp_head_end + 4..]).await?;
    client.shutdown().await?;
    Ok(())
}

/// The operation of a request that carries neither `X-Amz-Target` nor `Action=`, from its request
/// line: Smithy RPC v2 CBOR (`POST /service/<Service>/operation/<Op>`, CloudWatch, whose signing
/// name `monitoring` is `cloudwatch` in IAM) and the Lambda REST routes parity-aws calls;
/// otherwise `<service>:<METHOD> <path>`, so an unknown call is never mistaken for a known one.
fn path_operation(scope_service: &str, request_line: &str) -> String {
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    let service = match scope_service {
        "monitoring" => "cloudwatch",
        other => other,
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let op = match (service, method, segments.as_slice()) {
        (_, "POST", ["service", _, "operation", op]) => op.to_string(),
        ("lambda", "GET", [_, "functions"]) => "ListFunctions".to_string(),
        ("lambda", "GET", [_, "functions", _]) => "GetFunction".to_string(),
        ("lambda", "GET", [_, "functions", _, "concurrency"]) => {
            "GetFunctionConcurrency".to_string()
        }
        ("lambda", "GET", [_, "tags", ..]) => "ListTags".to_string(),
        ("lambda", "GET", [_, "layers"]) => "ListLayers".to_string(),
        _ => format!("{method} {path}"),
    };
    format!("{service}:{op}")
}

//! A recording HTTP/1.1 proxy in front of moto (a raw tokio TCP forwarder): records every
//! request's operation (`ec2:DescribeInstances` from `Action=` in the form body and the service
//! in the SigV4 credential scope, `ssm:GetParameters` from `X-Amz-Target`), access key id and
//! timing; can drop the connections of chosen services without an answer, so one service fails
//! while the others work; and can hold every request for a fixed delay before forwarding it (what
//! a laptop sees from AWS, for the benchmark); and can inject faults on a seeded schedule
//! ([`crate::faults`]: throttling in each protocol's format, 5xx, resets, stalls, slow answers,
//! truncated bodies), and answer chosen operations with AccessDenied. One request per connection (`Connection: close` both ways).
//!
//! It can also put moto's answers on a [`Tape`] ([`ProxyOptions::record`]) and later answer from
//! that tape alone, moto stopped ([`ProxyOptions::replay`]): each request gets the answer recorded
//! for the same request ([`request_key`]: method, path, target, credential scope without the
//! date, body), after the fixed delay. The collect benchmark measures collection that way, free
//! of the emulator's own CPU. [`dependent_chain`] reads, from what was recorded, the longest
//! chain of calls that each needed an earlier one's answer.

use std::collections::HashMap;
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
    /// The region of its credential scope (`us-east-1`).
    pub region: String,
    /// The request line's target (`/`, `/2015-03-31/functions?MaxItems=50`).
    pub target: String,
    /// The bytes sent back to the client (head and body; empty when it got none).
    pub answer: Arc<Vec<u8>>,
}

/// Answers keyed by request ([`request_key`]): filled by a recording proxy, read by a replaying
/// one. The first answer to a request is kept (a request repeated with the same parameters —
/// several environments listing one account's DB instances — gets it each time).
#[derive(Debug, Default)]
pub struct Tape {
    answers: Mutex<HashMap<Vec<u8>, Arc<Vec<u8>>>>,
    misses: Mutex<Vec<String>>,
}

impl Tape {
    pub fn new() -> Arc<Tape> {
        Arc::new(Tape::default())
    }

    /// Distinct requests on the tape.
    pub fn len(&self) -> usize {
        self.answers.lock().expect("lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The answer recorded for a request with this key.
    pub fn answer(&self, key: &[u8]) -> Option<Arc<Vec<u8>>> {
        self.answers.lock().expect("lock").get(key).cloned()
    }

    fn put(&self, key: Vec<u8>, answer: Arc<Vec<u8>>) {
        self.answers
            .lock()
            .expect("lock")
            .entry(key)
            .or_insert(answer);
    }

    /// Operations a replaying proxy was asked for and found no answer to (it answered HTTP 500).
    pub fn misses(&self) -> Vec<String> {
        self.misses.lock().expect("lock").clone()
    }
}

/// What identifies a request on a [`Tape`]: method and target of the request line,
/// `X-Amz-Target`, the credential scope without its date (access key id, region, service), and
/// the body. Signatures, dates, the host and the SDK's invocation ids are left out.
pub fn request_key(head: &str, body: &[u8]) -> Vec<u8> {
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let scope: Vec<String> = header("authorization")
        .and_then(|a| {
            let start = a.find("Credential=")? + "Credential=".len();
            let rest = &a[start..];
            Some(
                rest[..rest.find(',').unwrap_or(rest.len())]
                    .split('/')
                    .enumerate()
                    .filter(|(i, _)| *i != 1)
                    .map(|(_, s)| s.to_string())
                    .collect(),
            )
        })
        .unwrap_or_default();
    let mut request_line = head.lines().next().unwrap_or_default().split_whitespace();
    let mut key = Vec::new();
    for part in [
        request_line.next().unwrap_or_default().to_string(),
        request_line.next().unwrap_or_default().to_string(),
        header("x-amz-target").unwrap_or_default(),
        scope.join("/"),
    ] {
        key.extend_from_slice(part.as_bytes());
        key.push(b'\n');
    }
    key.extend_from_slice(body);
    key
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
    /// Every forwarded request's answer is put on this tape.
    pub record: Option<Arc<Tape>>,
    /// Requests are answered from this tape (after `delay`), never forwarded: the upstream is not
    /// contacted at all. A request not on the tape gets HTTP 500 and is listed in
    /// [`Tape::misses`].
    pub replay: Option<Arc<Tape>>,
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

    /// Forwards after `delay`, putting every answer on `tape`.
    pub fn record(tape: Arc<Tape>, delay: Duration) -> ProxyOptions {
        ProxyOptions {
            record: Some(tape),
            delay,
            ..ProxyOptions::default()
        }
    }

    /// Answers from `tape` after `delay`, without any upstream.
    pub fn replay(tape: Arc<Tape>, delay: Duration) -> ProxyOptions {
        ProxyOptions {
            replay: Some(tape),
            delay,
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

/// Parameter names that carry a pagination token.
fn is_page_token(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with("token") || lower == "marker"
}

/// A value a request can only have learnt from an earlier answer: 8 characters or more, letters
/// and digits (`vpc-0a1b…`, `ami-…`, `/dev/svc00/key0001`), not the request's own region.
fn quotes_an_answer(value: &str, region: &str) -> bool {
    value.len() >= 8
        && value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().any(|b| b.is_ascii_alphabetic())
        && value != region
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `(name, value)` parameters of a request: its query string, its form or JSON body (string
/// leaves, named by their member), and the path segments (named `path`).
fn parameters(r: &Recorded) -> Vec<(String, String)> {
    fn walk(name: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::String(s) => out.push((name.to_string(), s.clone())),
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(name, i, out)),
            serde_json::Value::Object(map) => map.iter().for_each(|(k, i)| walk(k, i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let (path, query) = r.target.split_once('?').unwrap_or((&r.target, ""));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push(("path".to_string(), percent_decode(segment)));
    }
    let form = |text: &str, out: &mut Vec<(String, String)>| {
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode(k);
            // EC2's Filter.1.Value.2, RDS's Filters.Filter.1.Values.Value.1: the member name.
            let member = k
                .split('.')
                .rev()
                .find(|p| p.parse::<u32>().is_err())
                .unwrap_or(&k)
                .to_string();
            out.push((member, percent_decode(v)));
        }
    };
    form(query, &mut out);
    if r.body.trim_start().starts_with('{') {
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&r.body) {
            walk("", &json, &mut out);
        }
    } else if r.body.contains('=') && !r.body.contains('\u{fffd}') {
        form(&r.body, &mut out);
    }
    out
}

/// The tokens of an answer a later request may quote (see [`quotes_an_answer`]).
fn answer_tokens(answer: &[u8]) -> std::collections::HashSet<String> {
    let text = String::from_utf8_lossy(answer);
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_/.:".contains(c)))
        .filter(|t| quotes_an_answer(t, ""))
        .map(str::to_string)
        .collect()
}

/// The longest chain of recorded calls in which each needed the answer of the one before: a
/// page (a request with a `NextToken` / `Marker`) needs the previous page of the same listing
/// (same operation, credentials, region and parameters but the token; the latest one answered
/// before it started), and a request quoting a value of an earlier answer (a VPC id in a filter,
/// the SSM names of GetParameters, see [`quotes_an_answer`]) needs the shallowest call answered
/// before it started whose answer holds that value. Values a caller knew beforehand (its tag
/// filter, a prefix) are no dependency, and short names without digits are not recognised at all,
/// so this is a lower estimate of the true chain; unlike [`longest_sequential_chain`] it does
/// not count calls that merely queued behind others.
pub fn dependent_chain(requests: &[Recorded]) -> Vec<Recorded> {
    let mut order: Vec<&Recorded> = requests.iter().collect();
    order.sort_by_key(|r| (r.started, r.finished));
    let params: Vec<Vec<(String, String)>> = order.iter().map(|r| parameters(r)).collect();
    // Which calls' answers hold a value.
    let mut holders: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in order.iter().enumerate() {
        for token in answer_tokens(&r.answer) {
            holders.entry(token).or_default().push(i);
        }
    }
    let listing = |i: usize| {
        let r = order[i];
        let mut rest: Vec<&(String, String)> = params[i]
            .iter()
            .filter(|(k, _)| !is_page_token(k))
            .collect();
        rest.sort();
        (
            &r.operation,
            &r.access_key_id,
            &r.region,
            r.target.split('?').next().unwrap_or_default(),
            rest,
        )
    };
    let mut depth = vec![1usize; order.len()];
    let mut prev = vec![usize::MAX; order.len()];
    for i in 0..order.len() {
        let started = order[i].started;
        let before = |j: &usize| *j < i && order[*j].finished <= started;
        let mut needs: Vec<usize> = Vec::new();
        if params[i]
            .iter()
            .any(|(k, v)| is_page_token(k) && !v.is_empty())
        {
            let key = listing(i);
            let page = (0..i)
                .filter(|j| before(j))
                .filter(|&j| listing(j) == key)
                .max_by_key(|&j| order[j].finished);
            needs.extend(page);
        }
        for (name, value) in &params[i] {
            if is_page_token(name) || !quotes_an_answer(value, &order[i].region) {
                continue;
            }
            let source = holders
                .get(value)
                .into_iter()
                .flatten()
                .filter(|j| before(j))
                .min_by_key(|&&j| (depth[j], order[j].finished));
            needs.extend(source.copied());
        }
        if let Some(&j) = needs.iter().max_by_key(|&&j| depth[j]) {
            depth[i] = depth[j] + 1;
            prev[i] = j;
        }
    }
    let Some(mut i) = (0..order.len()).max_by_key(|&i| depth[i]) else {
        return Vec::new();
    };
    let mut chain = vec![order[i].clone()];
    while prev[i] != usize::MAX {
        i = prev[i];
        chain.push(order[i].clone());
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
    let region = scope.get(2).cloned().unwrap_or_default();
    let scope_service = scope.get(3).cloned().unwrap_or_default();
    let target = head
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
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
    let record_answer = |finished: Duration, answer: Arc<Vec<u8>>| {
        recorded.lock().expect("lock").push(Recorded {
            operation: operation.clone(),
            access_key_id: access_key_id.clone(),
            started,
            finished,
            body: body.clone(),
            region: region.clone(),
            target: target.clone(),
            answer,
        });
    };
    let record = |finished: Duration| record_answer(finished, Arc::default());
    if options.deny.contains(&operation) {
        let protocol = crate::faults::protocol(&scope_service, &head);
        let answer = crate::faults::access_denied_response(protocol);
        let result = client.write_all(&answer).await;
        record_answer(epoch.elapsed(), Arc::new(answer));
        let _ = client.shutdown().await;
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
    if let Some(tape) = &options.replay {
        let answer = tape.answer(&request_key(&head, body)).unwrap_or_else(|| {
            tape.misses.lock().expect("lock").push(operation.clone());
            Arc::new(not_on_tape(&operation))
        });
        let result = client.write_all(&answer).await;
        // Recorded before the client sees the end of the answer, so it finds the record.
        record_answer(epoch.elapsed(), answer);
        let _ = client.shutdown().await;
        return result;
    }
    let result = match crate::rpcv2::cbor_operation(&head) {
        // moto does not speak RPC v2 CBOR (CloudWatch in the Rust SDK): bridged over JSON 1.0.
        Some(operation) => {
            crate::rpcv2::forward(&mut client, upstream, &head, body, operation).await
        }
        None => forward(&mut client, upstream, &head, body).await,
    };
    let answer = Arc::new(result.as_ref().map(Vec::clone).unwrap_or_default());
    if let (Some(tape), false) = (&options.record, answer.is_empty()) {
        tape.put(request_key(&head, body), answer.clone());
    }
    record_answer(epoch.elapsed(), answer);
    let _ = client.shutdown().await;
    result.map(drop)
}

/// The answer of a replaying proxy to a request it has no recording of.
fn not_on_tape(operation: &str) -> Vec<u8> {
    let body = format!("not on the tape: {operation}");
    format!(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends the request to moto and relays its response (the caller closes the connection); returns
/// what it sent the client.
async fn forward(
    client: &mut TcpStream,
    upstream: u16,
    head: &str,
    body: &[u8],
) -> std::io::Result<Vec<u8>> {
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
        return Ok(Vec::new());
    };
    let resp_head = String::from_utf8_lossy(&response[..resp_head_end]).to_string();
    let (body, bridged) = bridge_s3_versioning(&response[resp_head_end + 4..]);
    let mut out = String::new();
    for line in resp_head.lines() {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") {
            continue;
        }
        if bridged && lower.starts_with("content-length:") {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut answer = out.into_bytes();
    answer.extend_from_slice(&body);
    client.write_all(&answer).await?;
    Ok(answer)
}

/// moto 5.2 answers S3 `GetBucketVersioning` with a `<GetBucketVersioningResponse>` root where S3
/// sends `<VersioningConfiguration>` (the Rust SDK refuses any other root once a status is set):
/// renamed here, like the CloudWatch bridge, so the collector is tested as AWS answers it.
fn bridge_s3_versioning(body: &[u8]) -> (Vec<u8>, bool) {
    const MOTO: &str = "GetBucketVersioningResponse";
    let text = String::from_utf8_lossy(body);
    if !text.contains(&format!("<{MOTO}")) {
        return (body.to_vec(), false);
    }
    (
        text.replace(MOTO, "VersioningConfiguration").into_bytes(),
        true,
    )
}

/// The operation of a request that carries neither `X-Amz-Target` nor `Action=`, from its request
/// line: Smithy RPC v2 CBOR (`POST /service/<Service>/operation/<Op>`, CloudWatch, whose signing
/// name `monitoring` is `cloudwatch` in IAM) and the Lambda, EKS and S3 (path-style, the
/// sub-resource in the query: `?tagging`) REST routes parity-aws calls; otherwise
/// `<service>:<METHOD> <path>`, so an unknown call is never mistaken for a known one.
fn path_operation(scope_service: &str, request_line: &str) -> String {
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
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
        ("eks", "GET", ["clusters"]) => "ListClusters".to_string(),
        ("eks", "GET", ["clusters", _]) => "DescribeCluster".to_string(),
        ("eks", "GET", ["clusters", _, "node-groups"]) => "ListNodegroups".to_string(),
        ("eks", "GET", ["clusters", _, "node-groups", _]) => "DescribeNodegroup".to_string(),
        // S3 by its IAM action names (what the least-privilege policy must allow)
        ("s3", "GET", [""]) if query.contains("x-id=ListBuckets") || query.is_empty() => {
            "ListAllMyBuckets".to_string()
        }
        ("s3", "GET", [_]) => query
            .split('&')
            .map(|kv| kv.split('=').next().unwrap_or_default())
            .find_map(|sub| {
                Some(match sub {
                    "location" => "GetBucketLocation",
                    "tagging" => "GetBucketTagging",
                    "versioning" => "GetBucketVersioning",
                    "encryption" => "GetEncryptionConfiguration",
                    "publicAccessBlock" => "GetBucketPublicAccessBlock",
                    "ownershipControls" => "GetBucketOwnershipControls",
                    "logging" => "GetBucketLogging",
                    "lifecycle" => "GetLifecycleConfiguration",
                    _ => return None,
                })
            })
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    let op = match op.as_str() {
        "" => format!("{method} {path}"),
        _ => op,
    };
    format!("{service}:{op}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as the SDK sends it, signed on `date` (which the tape must ignore).
    fn request(action: &str, date: &str) -> Vec<u8> {
        let body = format!(
            "Action={action}&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-0abc1234"
        );
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Date: {date}T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/{date}/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature={date}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    async fn send(port: u16, request: &[u8]) -> Vec<u8> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        stream.write_all(request).await.expect("write");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("read");
        answer
    }

    fn body_of(answer: &[u8]) -> String {
        let end = find(answer, b"\r\n\r\n").expect("a head") + 4;
        String::from_utf8_lossy(&answer[end..]).into_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_replaying_proxy_answers_from_the_tape_alone_after_the_delay() {
        // An upstream whose every answer differs (it counts), so an answer equal to a recorded
        // one can only come from the tape.
        let upstream = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = upstream.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            for n in 1.. {
                let Ok((mut s, _)) = upstream.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.ends_with(b"aws4_request") && find(&buf, b"vpc-0abc1234").is_none() {
                    let k = s.read(&mut chunk).await.unwrap_or(0);
                    if k == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..k]);
                }
                let body = format!("<answer>{n}</answer>");
                let _ = s
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
                let _ = s.shutdown().await;
            }
        });
        let tape = Tape::new();
        let recorder =
            RecordingProxy::start_with(port, ProxyOptions::record(tape.clone(), Duration::ZERO))
                .await;
        let vpcs = send(recorder.port, &request("DescribeVpcs", "20260101")).await;
        let subnets = send(recorder.port, &request("DescribeSubnets", "20260101")).await;
        // The same request again, signed another day: the upstream answers anew, the tape keeps
        // the first answer.
        let again = send(recorder.port, &request("DescribeVpcs", "20260102")).await;
        assert_eq!(body_of(&vpcs), "<answer>1</answer>");
        assert_eq!(body_of(&subnets), "<answer>2</answer>");
        assert_eq!(body_of(&again), "<answer>3</answer>");
        assert_eq!(tape.len(), 2);
        let recorded = recorder.recorded();
        assert_eq!(recorded[0].answer.as_slice(), vpcs.as_slice());
        assert_eq!(recorded[0].region, "us-east-1");
        assert_eq!(recorded[0].target, "/");
        drop(recorder);

        // The upstream is gone: only the tape can answer now.
        server.abort();
        let _ = server.await;
        let delay = Duration::from_millis(120);
        let replayer =
            RecordingProxy::start_with(port, ProxyOptions::replay(tape.clone(), delay)).await;
        let replayed_subnets = send(replayer.port, &request("DescribeSubnets", "20260301")).await;
        let replayed_vpcs = send(replayer.port, &request("DescribeVpcs", "20260301")).await;
        assert_eq!(replayed_subnets, subnets);
        assert_eq!(replayed_vpcs, vpcs);
        assert!(tape.misses().is_empty());
        // Not on the tape: HTTP 500, and listed.
        let unknown = send(replayer.port, &request("DescribeInstances", "20260301")).await;
        assert!(
            unknown.starts_with(b"HTTP/1.1 500"),
            "{}",
            String::from_utf8_lossy(&unknown)
        );
        assert_eq!(tape.misses(), vec!["ec2:DescribeInstances".to_string()]);
        // Every call, answered or not, waited the delay.
        let recorded = replayer.recorded();
        assert_eq!(recorded.len(), 3);
        for r in &recorded {
            assert!(r.finished - r.started >= delay, "{r:?}");
        }
        assert_eq!(recorded[1].answer.as_slice(), vpcs.as_slice());
    }

    fn call(op: &str, body: &str, answer: &str, started: u64, finished: u64) -> Recorded {
        Recorded {
            operation: op.to_string(),
            access_key_id: "AKIDTEST".to_string(),
            started: Duration::from_millis(started),
            finished: Duration::from_millis(finished),
            body: body.to_string(),
            region: "us-east-1".to_string(),
            target: "/".to_string(),
            answer: Arc::new(answer.as_bytes().to_vec()),
        }
    }

    #[test]
    fn the_dependent_chain_follows_pages_and_quoted_answers_not_queueing() {
        let path = r#""ParameterFilters":[{"Key":"Path","Option":"Recursive","Values":["/dev"]}]"#;
        let page = |token: Option<&str>, names: &[&str], next: &str, t: u64| {
            let token = token
                .map(|t| format!(r#","NextToken":"{t}""#))
                .unwrap_or_default();
            let listed: Vec<String> = names
                .iter()
                .map(|n| format!(r#"{{"Name":"{n}"}}"#))
                .collect();
            call(
                "ssm:DescribeParameters",
                &format!(r#"{{"MaxResults":50,{path}{token}}}"#),
                &format!(
                    r#"{{"Parameters":[{}],"NextToken":"{next}"}}"#,
                    listed.join(",")
                ),
                t,
                t + 80,
            )
        };
        let get = |name: &str, t: u64| {
            call(
                "ssm:GetParameters",
                &format!(r#"{{"Names":["{name}"],"WithDecryption":false}}"#),
                "{}",
                t,
                t + 80,
            )
        };
        let requests = vec![
            call(
                "ec2:DescribeVpcs",
                "Action=DescribeVpcs&Filter.1.Name=tag%3AEnvironment&Filter.1.Value.1=dev",
                "<vpcId>vpc-0abc1234</vpcId>",
                0,
                80,
            ),
            // Quotes the VPC before its answer came: no dependency.
            call(
                "ec2:DescribeSubnets",
                "Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-0abc1234",
                "",
                50,
                130,
            ),
            // After it: depends on it.
            call(
                "ec2:DescribeRouteTables",
                "Action=DescribeRouteTables&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-0abc1234",
                "",
                90,
                170,
            ),
            page(None, &["/dev/app/key0001"], "50", 0),
            page(Some("50"), &["/dev/app/key0050"], "100", 100),
            page(Some("100"), &["/dev/app/key0300"], "", 200),
            // Late, but quoting only the first page: one step after it.
            get("/dev/app/key0001", 400),
            // Queued long after everything, quoting nothing: a chain of one.
            call(
                "ec2:DescribeSecurityGroups",
                "Action=DescribeSecurityGroups",
                "",
                900,
                980,
            ),
        ];
        let ops = |chain: Vec<Recorded>| -> Vec<(String, u64)> {
            chain
                .into_iter()
                .map(|r| (r.operation, r.started.as_millis() as u64))
                .collect()
        };
        let pages = vec![
            ("ssm:DescribeParameters".to_string(), 0),
            ("ssm:DescribeParameters".to_string(), 100),
            ("ssm:DescribeParameters".to_string(), 200),
        ];
        assert_eq!(ops(dependent_chain(&requests)), pages);
        // A name only the third page listed makes its GetParameters the fourth link.
        let mut more = requests.clone();
        more.push(get("/dev/app/key0300", 300));
        let mut expected = pages.clone();
        expected.push(("ssm:GetParameters".to_string(), 300));
        assert_eq!(ops(dependent_chain(&more)), expected);
        // What merely ran one after another is longer.
        assert!(longest_sequential_chain(&more).len() > expected.len());
        assert!(dependent_chain(&[]).is_empty());
    }
}

//! A recording HTTP/1.1 proxy in front of moto (a raw tokio TCP forwarder): records every
//! request's operation (`ec2:DescribeInstances` from `Action=` in the form body and the service
//! in the SigV4 credential scope, `ssm:GetParameters` from `X-Amz-Target`) and access key id, and
//! can drop the connections of chosen services without an answer, so one service fails while the
//! others work. One request per connection (`Connection: close` both ways).

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub operation: String,
    pub access_key_id: String,
}

pub struct RecordingProxy {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl RecordingProxy {
    /// Forwards to moto on `upstream`; requests to the services in `refuse` get their connection
    /// closed without a response.
    pub async fn start(upstream: u16, refuse: &[&str]) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let refuse: Arc<Vec<String>> = Arc::new(refuse.iter().map(|s| s.to_string()).collect());
        let recorded = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let recorded = recorded.clone();
                let refuse = refuse.clone();
                tokio::spawn(async move {
                    let _ = handle(client, upstream, &refuse, &recorded).await;
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
    refuse: &[String],
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
            let action = body
                .split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .unwrap_or("?");
            format!("{scope_service}:{action}")
        }
    };
    let service = operation.split(':').next().unwrap_or("").to_string();
    recorded.lock().expect("lock").push(Recorded {
        operation,
        access_key_id,
    });
    if refuse.contains(&service) {
        return Ok(()); // dropped without an answer
    }

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
    up.write_all(&buf[head_end..head_end + length]).await?;
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

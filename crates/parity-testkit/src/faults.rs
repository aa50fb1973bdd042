//! Faults the recording proxy can inject, on a seeded, reproducible schedule.
//!
//! A request is *affected* when a hash of (seed, the request's identity) falls below `rate`; the
//! identity is its request line, `X-Amz-Target` and body — what stays the same when the SDK
//! retries it — so the schedule does not depend on the order concurrent requests arrive in. An
//! affected request fails its first `repeat` attempts and then goes through (`repeat =
//! u32::MAX`: it never does). Throttling is answered in each protocol's own error format.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::json;

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The service's throttling error in its protocol's format ([`throttle_response`]).
    Throttle,
    /// HTTP 503 Service Unavailable.
    Unavailable,
    /// HTTP 500 with an `InternalError`/`InternalFailure` code.
    Internal,
    /// The connection is reset (TCP RST) once the request was read.
    Reset,
    /// The request is read and never answered; the connection stays open until the client
    /// gives up.
    Stall,
    /// The answer comes, late by this much.
    Slow(Duration),
    /// HTTP 200 whose body stops half-way (Content-Length promises more) and the connection
    /// closes.
    Truncate,
}

impl Fault {
    pub fn name(&self) -> String {
        match self {
            Fault::Throttle => "throttle".into(),
            Fault::Unavailable => "http 503".into(),
            Fault::Internal => "http 500".into(),
            Fault::Reset => "connection reset".into(),
            Fault::Stall => "stall".into(),
            Fault::Slow(d) => format!("slow {} ms", d.as_millis()),
            Fault::Truncate => "truncated body".into(),
        }
    }
}

/// When and where a fault strikes.
#[derive(Debug)]
pub struct FaultPlan {
    pub fault: Fault,
    /// The share of distinct requests affected (1.0: all).
    pub rate: f64,
    /// Failing attempts per affected request (`u32::MAX`: persistent).
    pub repeat: u32,
    pub seed: u64,
    /// Services (`ec2`, `lambda`, …) the plan applies to; empty: all.
    pub services: Vec<String>,
    /// Only requests whose identity (request line, target, body) contains this text.
    pub matching: Option<String>,
    seen: Mutex<HashMap<u64, u32>>,
    injected: Mutex<u32>,
}

impl FaultPlan {
    pub fn new(fault: Fault, rate: f64, repeat: u32, seed: u64) -> FaultPlan {
        FaultPlan {
            fault,
            rate,
            repeat,
            seed,
            services: Vec::new(),
            matching: None,
            seen: Mutex::new(HashMap::new()),
            injected: Mutex::new(0),
        }
    }

    /// Transient: a share of the requests fail their first attempts, then succeed.
    pub fn transient(fault: Fault, rate: f64, repeat: u32, seed: u64) -> FaultPlan {
        FaultPlan::new(fault, rate, repeat, seed)
    }

    /// Persistent: every request fails, every time.
    pub fn persistent(fault: Fault) -> FaultPlan {
        FaultPlan::new(fault, 1.0, u32::MAX, 0)
    }

    pub fn only(mut self, services: &[&str]) -> FaultPlan {
        self.services = services.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Only requests whose request line, `X-Amz-Target` or body contains `text`
    /// (`/concurrency`, `GetTemplateSummary`): one operation of a service.
    pub fn matching(mut self, text: &str) -> FaultPlan {
        self.matching = Some(text.to_string());
        self
    }

    /// How many faults were injected so far.
    pub fn injected(&self) -> u32 {
        *self.injected.lock().expect("lock")
    }

    /// Whether this attempt of the request gets the fault.
    pub fn strikes(&self, service: &str, identity: &[u8]) -> bool {
        if !self.services.is_empty() && !self.services.iter().any(|s| s == service) {
            return false;
        }
        if let Some(text) = &self.matching {
            if !String::from_utf8_lossy(identity).contains(text.as_str()) {
                return false;
            }
        }
        let mut h = DefaultHasher::new();
        self.seed.hash(&mut h);
        identity.hash(&mut h);
        let key = h.finish();
        // The top 53 bits as a number in [0, 1).
        let draw = (key >> 11) as f64 / (1u64 << 53) as f64;
        if draw >= self.rate {
            return false;
        }
        let mut seen = self.seen.lock().expect("lock");
        let attempts = seen.entry(key).or_insert(0);
        *attempts += 1;
        let strike = *attempts <= self.repeat;
        if strike {
            *self.injected.lock().expect("lock") += 1;
        }
        strike
    }
}

/// A request's wire protocol, from its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// EC2's query protocol (`Action=` form body, `<Response><Errors>` errors).
    Ec2Query,
    /// The other query-XML services (RDS, ElastiCache, Auto Scaling, CloudFormation).
    QueryXml,
    /// AWS JSON 1.0 (DynamoDB).
    Json10,
    /// AWS JSON 1.1 (SSM).
    Json11,
    /// REST-JSON (Lambda).
    RestJson,
    /// REST-XML (S3-style; none of EnvParity's collectors, kept for completeness).
    RestXml,
    /// Smithy RPC v2 CBOR (CloudWatch).
    Cbor,
}

/// The protocol of a request to `service` with this head.
pub fn protocol(service: &str, head: &str) -> Protocol {
    let lower = head.to_ascii_lowercase();
    if lower.contains("smithy-protocol: rpc-v2-cbor") {
        Protocol::Cbor
    } else if lower.contains("x-amz-json-1.0") {
        Protocol::Json10
    } else if lower.contains("x-amz-json-1.1") {
        Protocol::Json11
    } else if service == "ec2" {
        Protocol::Ec2Query
    } else if lower.contains("application/x-www-form-urlencoded") {
        Protocol::QueryXml
    } else if service == "lambda" {
        Protocol::RestJson
    } else {
        Protocol::RestXml
    }
}

fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// AccessDenied in the protocol's own error format (EC2: `UnauthorizedOperation`; RPC v2 CBOR is
/// answered as REST-JSON, which no denial test uses).
pub fn access_denied_response(protocol: Protocol) -> Vec<u8> {
    let message = "User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform this action (denied by the test proxy)";
    match protocol {
        Protocol::Ec2Query => http(
            "403 Forbidden",
            &[("Content-Type", "text/xml;charset=UTF-8")],
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>{message}</Message></Error></Errors><RequestID>deny-proxy</RequestID></Response>").as_bytes(),
        ),
        Protocol::QueryXml | Protocol::RestXml => http(
            "403 Forbidden",
            &[("Content-Type", "text/xml")],
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{message}</Message></Error><RequestId>deny-proxy</RequestId></ErrorResponse>").as_bytes(),
        ),
        Protocol::Json10 | Protocol::Json11 => http(
            "400 Bad Request",
            &[("Content-Type", "application/x-amz-json-1.1")],
            format!(r#"{{"__type":"AccessDeniedException","message":"{message}"}}"#).as_bytes(),
        ),
        Protocol::RestJson | Protocol::Cbor => http(
            "403 Forbidden",
            &[
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "AccessDeniedException"),
            ],
            format!(r#"{{"message":"{message}"}}"#).as_bytes(),
        ),
    }
}

/// A full HTTP response saying "throttled" the way `protocol` says it.
pub fn throttle_response(protocol: Protocol) -> Vec<u8> {
    match protocol {
        Protocol::Ec2Query => http(
            "503 Service Unavailable",
            &[("Content-Type", "text/xml;charset=UTF-8")],
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>",
        ),
        Protocol::QueryXml => http(
            "400 Bad Request",
            &[("Content-Type", "text/xml")],
            b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>",
        ),
        Protocol::Json10 => http(
            "400 Bad Request",
            &[("Content-Type", "application/x-amz-json-1.0")],
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#,
        ),
        Protocol::Json11 => http(
            "400 Bad Request",
            &[("Content-Type", "application/x-amz-json-1.1")],
            br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        ),
        Protocol::RestJson => http(
            "429 Too Many Requests",
            &[
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "TooManyRequestsException"),
            ],
            br#"{"Type":"User","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}"#,
        ),
        Protocol::RestXml => http(
            "503 Slow Down",
            &[("Content-Type", "application/xml")],
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>",
        ),
        Protocol::Cbor => {
            let mut body = Vec::new();
            crate::rpcv2::encode(
                &json!({"__type": "com.amazonaws.cloudwatch#ThrottlingException", "message": "Rate exceeded"}),
                false,
                &mut body,
            );
            http(
                "400 Bad Request",
                &[
                    ("Content-Type", "application/cbor"),
                    ("smithy-protocol", "rpc-v2-cbor"),
                ],
                &body,
            )
        }
    }
}

/// HTTP 500 with the protocol's internal-error code (a bare 500 for CBOR and REST).
pub fn internal_response(protocol: Protocol) -> Vec<u8> {
    match protocol {
        Protocol::Ec2Query => http(
            "500 Internal Server Error",
            &[("Content-Type", "text/xml")],
            b"<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>",
        ),
        Protocol::QueryXml => http(
            "500 Internal Server Error",
            &[("Content-Type", "text/xml")],
            b"<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>internal failure</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>",
        ),
        Protocol::Json10 | Protocol::Json11 => http(
            "500 Internal Server Error",
            &[("Content-Type", "application/x-amz-json-1.1")],
            br#"{"__type":"InternalServerError","message":"internal failure"}"#,
        ),
        _ => http("500 Internal Server Error", &[], b""),
    }
}

/// HTTP 503 with no AWS error document.
pub fn unavailable_response() -> Vec<u8> {
    http(
        "503 Service Unavailable",
        &[("Content-Type", "text/plain")],
        b"Service Unavailable",
    )
}

/// HTTP 200 promising 4096 bytes and sending 16.
pub fn truncated_response() -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n".to_vec();
    out.extend_from_slice(b"<?xml version=\"1");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_reproducible_and_bounded() {
        let requests: Vec<Vec<u8>> = (0..200).map(|i| format!("req {i}").into_bytes()).collect();
        let run = |seed| {
            let plan = FaultPlan::transient(Fault::Throttle, 0.3, 2, seed);
            let first: Vec<bool> = requests.iter().map(|r| plan.strikes("ec2", r)).collect();
            // the same requests again: affected ones fail once more, then never
            let second: Vec<bool> = requests.iter().map(|r| plan.strikes("ec2", r)).collect();
            let third: Vec<bool> = requests.iter().map(|r| plan.strikes("ec2", r)).collect();
            (first, second, third)
        };
        let (a1, a2, a3) = run(7);
        assert_eq!(run(7), (a1.clone(), a2.clone(), a3.clone()));
        assert_ne!(run(8).0, a1);
        assert_eq!(a1, a2);
        assert!(a3.iter().all(|s| !s));
        let hit = a1.iter().filter(|s| **s).count();
        assert!((30..=90).contains(&hit), "{hit} of 200 at 30 %");
        let persistent = FaultPlan::persistent(Fault::Stall).only(&["rds"]);
        assert!(!persistent.strikes("ec2", b"x"));
        assert!((0..10).all(|_| persistent.strikes("rds", b"x")));
    }

    #[test]
    fn throttling_speaks_each_protocol() {
        let head = |extra: &str| format!("POST / HTTP/1.1\r\nHost: x\r\n{extra}\r\n\r\n");
        assert_eq!(
            protocol(
                "ec2",
                &head("Content-Type: application/x-www-form-urlencoded")
            ),
            Protocol::Ec2Query
        );
        assert_eq!(
            protocol(
                "rds",
                &head("Content-Type: application/x-www-form-urlencoded")
            ),
            Protocol::QueryXml
        );
        assert_eq!(
            protocol("ssm", &head("Content-Type: application/x-amz-json-1.1")),
            Protocol::Json11
        );
        assert_eq!(
            protocol(
                "dynamodb",
                &head("Content-Type: application/x-amz-json-1.0")
            ),
            Protocol::Json10
        );
        assert_eq!(protocol("lambda", &head("Accept: */*")), Protocol::RestJson);
        assert_eq!(protocol("s3", &head("Accept: */*")), Protocol::RestXml);
        assert_eq!(
            protocol("monitoring", &head("smithy-protocol: rpc-v2-cbor")),
            Protocol::Cbor
        );
        let text = String::from_utf8_lossy(&throttle_response(Protocol::Ec2Query)).to_string();
        assert!(text.starts_with("HTTP/1.1 503") && text.contains("RequestLimitExceeded"));
        let text = String::from_utf8_lossy(&throttle_response(Protocol::RestJson)).to_string();
        assert!(text.starts_with("HTTP/1.1 429") && text.contains("TooManyRequestsException"));
        let cbor = throttle_response(Protocol::Cbor);
        let body_at = cbor.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let decoded = crate::rpcv2::decode(&cbor[body_at..]).unwrap();
        assert!(decoded["__type"]
            .as_str()
            .unwrap()
            .ends_with("ThrottlingException"));
    }
}

//! Turning an SDK error into the one-line reason a partial snapshot records for a missing kind
//! ("AccessDenied: …", "endpoint unreachable: …", "HTTP 500 …").

use std::error::Error as StdError;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// Why a call (and so every kind it feeds) could not be collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallFailure {
    pub reason: String,
}

impl CallFailure {
    pub fn new(reason: impl Into<String>) -> Self {
        CallFailure {
            reason: reason.into(),
        }
    }

    /// Names the operation that failed after the reason (`AccessDenied: … (ec2:DescribeImages)`).
    pub fn during(mut self, operation: &str) -> Self {
        self.reason = format!("{} ({operation})", self.reason);
        self
    }
}

/// The reason for a failed SDK call. The message names the error code (AccessDenied,
/// Throttling…) and the service's message, or says the endpoint was unreachable.
pub(crate) fn describe<E>(err: &SdkError<E, HttpResponse>) -> CallFailure
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let reason = match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let inner = ctx.err();
            let code = inner.code().unwrap_or("UnknownError");
            let message = inner.message().unwrap_or("");
            if inner.code().is_none() {
                // No error code: not an AWS error document (an HTML 404 or 500 page, say).
                format!("HTTP {status} from the service: {}", error_chain(err))
            } else if status >= 500 {
                format!("{code} (HTTP {status}): {message}")
            } else {
                format!("{code}: {message}")
            }
        }
        SdkError::DispatchFailure(dispatch) => {
            let chain = error_chain(err);
            if dispatch.is_user() {
                format!("request not sent: {chain}")
            } else if dispatch.is_timeout() {
                // Connect or read timeout: the endpoint took too long.
                format!("timed out: {chain}")
            } else if looks_like_credentials(&chain) {
                format!("credentials: {chain}")
            } else {
                // Connection refused or reset, DNS, TLS, timeouts, a connection closed before
                // the answer: the endpoint did not answer.
                format!("endpoint unreachable: {chain}")
            }
        }
        SdkError::TimeoutError(_) => format!("timed out: {}", error_chain(err)),
        SdkError::ResponseError(_) => format!("unreadable response: {}", error_chain(err)),
        SdkError::ConstructionFailure(_) => {
            let chain = error_chain(err);
            if looks_like_credentials(&chain) {
                format!("credentials: {chain}")
            } else {
                format!("request not built: {chain}")
            }
        }
        _ => error_chain(err),
    };
    CallFailure { reason }
}

fn looks_like_credentials(chain: &str) -> bool {
    let lower = chain.to_ascii_lowercase();
    lower.contains("credential") || lower.contains("sso")
}

/// The messages of an error and its sources, `: `-separated, without repeats, on one line.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    // Error chains are short; the bound only guards against a cycle.
    for _ in 0..16 {
        let Some(e) = current else { break };
        let msg = e.to_string();
        if !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        current = e.source();
    }
    short(&parts.join(": "))
}

/// Keeps a reason to one readable line.
fn short(s: &str) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() > 400 {
        let cut: String = one_line.chars().take(400).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

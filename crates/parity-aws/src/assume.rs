//! An environment's `assume_role`: STS AssumeRole on top of its credential source (profile,
//! keyring keys or the default chain), made by an STS client with the same timeouts, retries and
//! rate budget as every other client, and refreshed before the credentials expire so a long
//! collection never signs with expired keys. Failures name the role, and read differently from a
//! Describe call the role is not allowed to make.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::DisplayErrorContext;
use parity_core::AssumeRole;

use crate::failure;

/// Assumed credentials are renewed when they expire within this margin (AWS issues them for an
/// hour by default): a call never starts with keys that could expire while it runs.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(300);

/// Whether credentials expiring at `expiry` must be renewed at `now`.
pub(crate) fn needs_refresh(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    match expiry {
        None => false,
        Some(expiry) => expiry
            .duration_since(now)
            .map_or(true, |left| left <= REFRESH_BEFORE),
    }
}

/// Why AssumeRole failed: names the role and the credential source it was assumed from. An
/// AccessDenied here means the role's trust policy (or the caller's sts:AssumeRole permission,
/// or a required external id), not the role's permissions.
pub(crate) fn assume_failure(role: &AssumeRole, source: &str, reason: &str) -> String {
    let denied = is_access_denied(reason);
    let mut text = format!(
        "cannot assume role `{}` with {source}: {reason}",
        role.role_arn
    );
    if denied {
        text.push_str(" (AssumeRole was refused: the role's trust policy must allow this identity");
        if role.external_id.is_some() {
            text.push_str(" with this external id");
        }
        text.push_str(", and the identity needs sts:AssumeRole on the role; see `envparity iam-policy --trust` and `--source`)");
    }
    text
}

/// The reason of a call the assumed role made and was refused: the role's permissions policy
/// lacks the call.
pub(crate) fn denied_as_role(role: &AssumeRole, reason: &str) -> String {
    if is_access_denied(reason) && !reason.contains("cannot assume role") {
        format!(
            "{reason} — the call was made as role `{}`, whose permissions policy does not allow it (see `envparity iam-policy --permissions`)",
            role.role_arn
        )
    } else {
        reason.to_string()
    }
}

fn is_access_denied(reason: &str) -> bool {
    ["AccessDenied", "UnauthorizedOperation", "not authorized"]
        .iter()
        .any(|code| reason.contains(code))
}

/// The role's credentials, assumed with `client` (whose own credentials are the environment's
/// source) and kept until [`REFRESH_BEFORE`] their expiry. Concurrent callers wait for one
/// AssumeRole call.
#[derive(Debug, Clone)]
pub(crate) struct RoleCredentials {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: aws_sdk_sts::Client,
    role: AssumeRole,
    /// What the role is assumed with, for messages (`profile `org``, `the default chain`).
    source: String,
    current: tokio::sync::Mutex<Option<Credentials>>,
}

impl RoleCredentials {
    pub fn new(client: aws_sdk_sts::Client, role: AssumeRole, source: String) -> Self {
        RoleCredentials {
            inner: Arc::new(Inner {
                client,
                role,
                source,
                current: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// Current credentials, assuming the role again when there are none or they expire soon.
    pub async fn credentials(&self) -> Result<Credentials, String> {
        let mut current = self.inner.current.lock().await;
        if let Some(c) = current.as_ref() {
            if !needs_refresh(c.expiry(), SystemTime::now()) {
                return Ok(c.clone());
            }
        }
        let fresh = self.assume().await?;
        *current = Some(fresh.clone());
        Ok(fresh)
    }

    async fn assume(&self) -> Result<Credentials, String> {
        let role = &self.inner.role;
        let fail = |reason: String| assume_failure(role, &self.inner.source, &reason);
        let out = self
            .inner
            .client
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(role.effective_session_name())
            .set_external_id(role.external_id.clone())
            .send()
            .await
            .map_err(|e| fail(failure::describe(&e).reason))?;
        let c = out
            .credentials()
            .ok_or_else(|| fail("STS returned no credentials".to_string()))?;
        let expiry = SystemTime::try_from(*c.expiration())
            .map_err(|e| fail(format!("unreadable expiry: {}", DisplayErrorContext(&e))))?;
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            Some(expiry),
            "envparity-assume-role",
        ))
    }
}

impl ProvideCredentials for RoleCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_renewed_five_minutes_before_they_expire() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(!needs_refresh(None, now), "static keys never expire");
        assert!(!needs_refresh(Some(now + Duration::from_secs(3600)), now));
        assert!(!needs_refresh(Some(now + Duration::from_secs(301)), now));
        assert!(needs_refresh(Some(now + Duration::from_secs(300)), now));
        assert!(needs_refresh(Some(now + Duration::from_secs(10)), now));
        assert!(needs_refresh(Some(now - Duration::from_secs(10)), now));
    }

    #[test]
    fn access_denied_on_assume_role_reads_differently_from_one_on_a_describe() {
        let mut role = AssumeRole::new("arn:aws:iam::111122223333:role/EnvParityReadOnly");
        role.external_id = Some("shop".into());
        let assume = assume_failure(
            &role,
            "profile `org`",
            "AccessDenied: User is not authorized to perform sts:AssumeRole",
        );
        assert!(
            assume.starts_with("cannot assume role `arn:aws:iam::111122223333:role/EnvParityReadOnly` with profile `org`: AccessDenied"),
            "{assume}"
        );
        assert!(
            assume.contains("trust policy") && assume.contains("external id"),
            "{assume}"
        );
        let describe = denied_as_role(
            &role,
            "UnauthorizedOperation: You are not authorized (ec2:DescribeVpcs)",
        );
        assert!(
            describe.contains("made as role `arn:aws:iam::111122223333:role/EnvParityReadOnly`"),
            "{describe}"
        );
        assert!(
            describe.contains("permissions policy") && !describe.contains("trust"),
            "{describe}"
        );
        // an assume failure seen through a later call is not re-labelled
        assert_eq!(denied_as_role(&role, &assume), assume);
        // other failures are left alone
        assert_eq!(denied_as_role(&role, "timed out"), "timed out");
        let unreachable = assume_failure(&role, "the default chain", "endpoint unreachable: x");
        assert!(!unreachable.contains("trust policy"), "{unreachable}");
    }
}

//! Where an environment's AWS credentials come from: a profile of the user's own AWS config
//! (aws-config does SSO, assume-role and credential_process), static keys kept only in the OS
//! keyring, or the default chain; plus the per-workspace fingerprint key, also in the keyring.
//! There is no plaintext fallback: without a keyring, keyring-based credentials are an error.

use parity_core::{Credentials, EnvironmentConfig};
use serde::{Deserialize, Serialize};

/// The keyring service name of every EnvParity entry.
pub const KEYRING_SERVICE: &str = "envparity";

/// Static AWS keys. Never logged: `Debug` redacts the secret and the session token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticKeys {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The resolved credential source of one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// A named profile from `~/.aws/config` / `~/.aws/credentials`.
    Profile { profile: String },
    /// Static keys read from the OS keyring.
    StaticKeys(StaticKeys),
    /// The SDK's default chain (environment variables, `AWS_PROFILE`, SSO, IMDS…).
    DefaultChain,
}

impl CredentialSource {
    /// Resolves `env.credentials`; reads the keyring (blocking: D-Bus on Linux) for
    /// `credentials = { keyring = true }`.
    pub fn resolve(
        env: &EnvironmentConfig,
        workspace_uuid: &str,
    ) -> Result<CredentialSource, CredentialError> {
        match &env.credentials {
            Some(Credentials::Profile { profile }) => Ok(CredentialSource::Profile {
                profile: profile.clone(),
            }),
            Some(Credentials::Keyring { keyring: true }) => {
                match KeyringStore::new().get(workspace_uuid, &env.name)? {
                    Some(keys) => Ok(CredentialSource::StaticKeys(keys)),
                    None => Err(CredentialError::NoStoredKeys {
                        environment: env.name.clone(),
                    }),
                }
            }
            Some(Credentials::Keyring { keyring: false }) | None => {
                Ok(CredentialSource::DefaultChain)
            }
        }
    }

    /// The source as messages name it: ``profile `org` ``, `the keyring keys of `prod``, `the
    /// default credential chain`.
    pub fn describe(&self, environment: &str) -> String {
        match self {
            CredentialSource::Profile { profile } => format!("profile `{profile}`"),
            CredentialSource::StaticKeys(_) => format!("the keyring keys of `{environment}`"),
            CredentialSource::DefaultChain => "the default credential chain".to_string(),
        }
    }

    /// The profile name, if this source is a profile.
    pub fn profile(&self) -> Option<&str> {
        match self {
            CredentialSource::Profile { profile } => Some(profile),
            _ => None,
        }
    }
}

/// Errors resolving credentials.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error("no static keys stored for environment `{environment}`: run `envparity credentials set {environment}`")]
    NoStoredKeys { environment: String },
    #[error("the SSO session of profile `{profile}` has expired or was never started: run `aws sso login --profile {profile}`")]
    SsoExpired { profile: String },
    #[error("could not load credentials{}: {detail}", profile.as_deref().map(|p| format!(" of profile `{p}`")).unwrap_or_default())]
    Provider {
        profile: Option<String>,
        detail: String,
    },
    /// AssumeRole failed; the message names the role, the source and the reason.
    #[error("{0}")]
    AssumeRole(String),
    #[error("no region configured: set `regions` for environment `{environment}` or a region in the AWS profile")]
    NoRegion { environment: String },
}

impl CredentialError {
    /// Classifies a credential provider failure, spotting an expired SSO session.
    pub(crate) fn from_provider(profile: Option<&str>, detail: String) -> Self {
        let lower = detail.to_ascii_lowercase();
        let sso = lower.contains("sso")
            && (lower.contains("expired")
                || lower.contains("token")
                || lower.contains("login")
                || lower.contains("unauthorized"));
        match profile {
            Some(p) if sso => CredentialError::SsoExpired {
                profile: p.to_string(),
            },
            _ => CredentialError::Provider {
                profile: profile.map(str::to_string),
                detail,
            },
        }
    }
}

/// Errors of the OS keyring. `Unavailable` means there is no usable keyring at all.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("no OS keyring available: {detail} (on Linux a Secret Service such as gnome-keyring must be running in a D-Bus session)")]
    Unavailable { detail: String },
    #[error("the OS keyring refused access to `{user}`: {detail} (is the keyring locked?)")]
    Denied { user: String, detail: String },
    #[error("the keyring entry `{user}` is not valid: {detail}")]
    Corrupt { user: String, detail: String },
    #[error("keyring error for `{user}`: {detail}")]
    Other { user: String, detail: String },
}

impl KeyringError {
    fn from_keyring(user: &str, err: keyring::Error) -> Self {
        let detail = err.to_string();
        match err {
            keyring::Error::PlatformFailure(_) => {
                let lower = detail.to_ascii_lowercase();
                if lower.contains("locked") || lower.contains("denied") || lower.contains("dismiss")
                {
                    KeyringError::Denied {
                        user: user.to_string(),
                        detail,
                    }
                } else {
                    KeyringError::Unavailable { detail }
                }
            }
            keyring::Error::NoStorageAccess(_) => KeyringError::Unavailable { detail },
            keyring::Error::BadEncoding(_) | keyring::Error::Ambiguous(_) => {
                KeyringError::Corrupt {
                    user: user.to_string(),
                    detail,
                }
            }
            _ => KeyringError::Other {
                user: user.to_string(),
                detail,
            },
        }
    }
}

/// EnvParity's entries in the OS keyring: service `envparity`, user `<workspace_uuid>/<env>` for
/// an environment's static keys (one JSON secret), `<workspace_uuid>/fingerprint-key` for the
/// workspace's fingerprint key, `database/<postgres://user@host:port/db>` for a team database's
/// password. Calls block (D-Bus on Linux): use `spawn_blocking` from async code.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyringStore;

impl KeyringStore {
    pub fn new() -> Self {
        KeyringStore
    }

    fn entry(user: &str) -> Result<keyring::Entry, KeyringError> {
        keyring::Entry::new(KEYRING_SERVICE, user).map_err(|e| KeyringError::from_keyring(user, e))
    }

    fn env_user(workspace_uuid: &str, env: &str) -> String {
        format!("{workspace_uuid}/{env}")
    }

    /// Stores (or replaces) an environment's static keys.
    pub fn set(
        &self,
        workspace_uuid: &str,
        env: &str,
        keys: &StaticKeys,
    ) -> Result<(), KeyringError> {
        let user = Self::env_user(workspace_uuid, env);
        let json = serde_json::to_string(keys).map_err(|e| KeyringError::Other {
            user: user.clone(),
            detail: e.to_string(),
        })?;
        Self::entry(&user)?
            .set_password(&json)
            .map_err(|e| KeyringError::from_keyring(&user, e))
    }

    /// An environment's static keys, `None` when none are stored.
    pub fn get(&self, workspace_uuid: &str, env: &str) -> Result<Option<StaticKeys>, KeyringError> {
        let user = Self::env_user(workspace_uuid, env);
        match Self::entry(&user)?.get_password() {
            Ok(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| KeyringError::Corrupt {
                    user: user.clone(),
                    detail: format!("not the JSON EnvParity writes ({e})"),
                }),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(KeyringError::from_keyring(&user, e)),
        }
    }

    /// Deletes an environment's static keys; `Ok(false)` when there were none.
    pub fn delete(&self, workspace_uuid: &str, env: &str) -> Result<bool, KeyringError> {
        let user = Self::env_user(workspace_uuid, env);
        match Self::entry(&user)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(KeyringError::from_keyring(&user, e)),
        }
    }

    /// Checks that a keyring is reachable (a harmless lookup of an entry that need not exist).
    pub fn probe(&self) -> Result<(), KeyringError> {
        let user = "probe";
        match Self::entry(user)?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(KeyringError::from_keyring(user, e)),
        }
    }
}

/// The workspace's 32-byte fingerprint key, kept in the keyring (user
/// `<workspace_uuid>/fingerprint-key`, hex); created with OS randomness on first use.
pub fn fingerprint_key(workspace_uuid: &str) -> Result<Vec<u8>, KeyringError> {
    let user = format!("{workspace_uuid}/fingerprint-key");
    let entry = KeyringStore::entry(&user)?;
    match entry.get_password() {
        Ok(hex) => decode_hex(hex.trim()).ok_or_else(|| KeyringError::Corrupt {
            user: user.clone(),
            detail: "not a 32-byte hex key".to_string(),
        }),
        Err(keyring::Error::NoEntry) => {
            let mut key = vec![0u8; 32];
            getrandom::fill(&mut key).map_err(|e| KeyringError::Other {
                user: user.clone(),
                detail: format!("no OS randomness: {e}"),
            })?;
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            entry
                .set_password(&hex)
                .map_err(|e| KeyringError::from_keyring(&user, e))?;
            Ok(key)
        }
        Err(e) => Err(KeyringError::from_keyring(&user, e)),
    }
}

/// A team database's password in the keyring (user `database/<postgres://user@host:port/db>`),
/// `None` when none is stored.
pub fn database_password(name: &str) -> Result<Option<String>, KeyringError> {
    let user = format!("database/{name}");
    match KeyringStore::entry(&user)?.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(KeyringError::from_keyring(&user, e)),
    }
}

/// Stores (or replaces) a team database's password in the keyring.
pub fn set_database_password(name: &str, password: &str) -> Result<(), KeyringError> {
    let user = format!("database/{name}");
    KeyringStore::entry(&user)?
        .set_password(password)
        .map_err(|e| KeyringError::from_keyring(&user, e))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let keys = StaticKeys {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI".into(),
            session_token: Some("FwoGZXIvYXdzE".into()),
        };
        let shown = format!("{keys:?}");
        assert!(shown.contains("AKIAEXAMPLE"));
        assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("FwoGZXIvYXdzE"));
    }

    #[test]
    fn expired_sso_sessions_get_the_login_hint() {
        let err = CredentialError::from_provider(
            Some("shop-prod"),
            "the SSO session has expired or is invalid".into(),
        );
        assert_eq!(
            err.to_string(),
            "the SSO session of profile `shop-prod` has expired or was never started: run `aws sso login --profile shop-prod`"
        );
        let other = CredentialError::from_provider(Some("p"), "no such profile".into());
        assert!(matches!(other, CredentialError::Provider { .. }));
    }

    #[test]
    fn hex_keys_round_trip() {
        let hex = "00ff".repeat(16);
        assert_eq!(decode_hex(&hex).map(|k| k.len()), Some(32));
        assert_eq!(decode_hex("zz"), None);
    }
}

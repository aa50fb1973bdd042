//! Credentials as users manage them: static keys go straight to the OS keyring (never the
//! database), keyed by the workspace UUID and the environment name; a connection test makes one
//! cheap read call.

use parity_aws::{ConnectionInfo, KeyringError, KeyringStore, StaticKeys};
use parity_core::Credentials;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::Workspace;

pub(crate) fn keyring_error(e: KeyringError) -> AppError {
    AppError::new(ErrorCode::Keyring, e.to_string())
}

/// What `set_credentials` did besides storing the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsSet {
    /// The environment used another credential source and now uses the keyring.
    pub switched_to_keyring: bool,
}

/// Whether the OS keyring answers (a lookup of an entry that never exists).
pub fn keyring_available() -> AppResult<()> {
    KeyringStore::new()
        .get("envparity-probe", "probe")
        .map(|_| ())
        .map_err(keyring_error)
}

impl Workspace {
    /// The workspace's fingerprint key (secret-looking values are stored only as keyed
    /// fingerprints), read from the OS keyring or created there. Read-or-create happens while
    /// this process holds the workspace database's write lock, so two processes collecting the
    /// same new workspace at once cannot each create (and keep using) a different key, which
    /// would make equal values look different (false drift): the second one waits, then reads
    /// the key the first created.
    pub fn keyring_fingerprint_key(&self) -> AppResult<Vec<u8>> {
        let uuid = self.info()?.id;
        let mut key = Err(AppError::new(
            ErrorCode::Internal,
            "fingerprint key not read",
        ));
        self.store().transaction(|_| {
            key = parity_aws::fingerprint_key(&uuid).map_err(keyring_error);
            Ok(())
        })?;
        key
    }

    /// Stores an environment's static keys in the OS keyring and makes the environment use them.
    pub fn set_credentials(&self, env: &str, keys: &StaticKeys) -> AppResult<CredentialsSet> {
        let mut config = self.environment(env)?;
        if keys.access_key_id.trim().is_empty() || keys.secret_access_key.is_empty() {
            return Err(AppError::bad_input(
                "the access key id and the secret access key are both required",
            ));
        }
        let uuid = self.info()?.id;
        KeyringStore::new()
            .set(&uuid, env, keys)
            .map_err(keyring_error)?;
        let switched = !matches!(
            config.credentials,
            Some(Credentials::Keyring { keyring: true })
        );
        if switched {
            config.credentials = Some(Credentials::Keyring { keyring: true });
            self.store().upsert_environment(&config)?;
        }
        Ok(CredentialsSet {
            switched_to_keyring: switched,
        })
    }

    /// Deletes an environment's static keys from the keyring. Returns whether there were any.
    pub fn remove_credentials(&self, env: &str) -> AppResult<bool> {
        self.environment(env)?;
        delete_keys(&self.info()?.id, env)
    }

    /// Whether static keys are stored in the OS keyring for `env` (reads the keyring; never
    /// returns the keys).
    pub fn has_credentials(&self, env: &str) -> AppResult<bool> {
        let uuid = self.info()?.id;
        KeyringStore::new()
            .get(&uuid, env)
            .map(|k| k.is_some())
            .map_err(keyring_error)
    }

    /// One cheap read call with the environment's credentials.
    pub fn connection_test_plan(&self, env: &str) -> AppResult<crate::collect::CollectPlan> {
        self.collect_plan(&[env.to_string()])
    }
}

/// The least-privilege IAM policy EnvParity's collectors need, as JSON.
pub fn iam_policy_json() -> String {
    parity_aws::policy_json()
}

/// The trust policy of a role environments assume (`assume_role`): `principal` (an account id
/// or an IAM ARN) may assume it, with `external_id` required when given.
pub fn trust_policy_json(principal: &str, external_id: Option<&str>) -> String {
    parity_aws::trust_policy_json(principal, external_id)
}

/// The policy of the identity that assumes the roles named `role_name` and runs `org discover`.
pub fn source_policy_json(role_name: &str) -> String {
    parity_aws::source_policy_json(role_name)
}

/// Deletes the static keys of environment `env` of workspace `uuid`; whether there were any.
pub(crate) fn delete_keys(uuid: &str, env: &str) -> AppResult<bool> {
    KeyringStore::new().delete(uuid, env).map_err(keyring_error)
}

/// Runs the connection test of a plan made by `connection_test_plan`.
pub async fn test_connection(plan: &crate::collect::CollectPlan) -> AppResult<ConnectionInfo> {
    let env = plan
        .environments
        .first()
        .ok_or_else(|| AppError::bad_input("no environment to test"))?;
    parity_aws::test_connection(env, &plan.context)
        .await
        .map_err(|e| AppError::new(ErrorCode::Aws, format!("`{}`: {e}", env.name)))
}

/// [`test_connection`] for a caller that is not async (the CLI).
pub fn test_connection_blocking(plan: &crate::collect::CollectPlan) -> AppResult<ConnectionInfo> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("cannot start the runtime: {e}"),
            )
        })?
        .block_on(test_connection(plan))
}

//! Secrets at the workspace's edge (docs/CONTRACTS.md "Secrets"): which fingerprint key a
//! workspace uses (`ENVPARITY_FINGERPRINT_KEY`, else the OS keyring's per-workspace key, else
//! none: presence only), the one key per workspace (its public id is recorded; a different key
//! is refused), the detector applied to every snapshot before it is stored, and the migration
//! that re-applies it to snapshots an earlier EnvParity stored.

use parity_core::secrets::{scrub_resource, scrub_snapshot, Fingerprinter, ScrubCount};
use parity_core::Snapshot;
use parity_store::SECRETS_VERSION;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::Workspace;

/// The environment variable that gives the fingerprint key where there is no OS keyring (CI):
/// 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`, kept in the CI system's secrets.
pub const FINGERPRINT_KEY_ENV: &str = "ENVPARITY_FINGERPRINT_KEY";

/// Parses `ENVPARITY_FINGERPRINT_KEY`'s value.
pub fn parse_key(text: &str) -> AppResult<Vec<u8>> {
    let t = text.trim();
    let bad = || {
        AppError::bad_input(format!(
            "{FINGERPRINT_KEY_ENV}: expected 64 hex digits (32 bytes, e.g. `openssl rand -hex 32`), got {} characters",
            t.len()
        ))
    };
    if t.len() != 64 || !t.is_ascii() {
        return Err(bad());
    }
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).map_err(|_| bad()))
        .collect()
}

impl Workspace {
    /// The workspace's fingerprint key: `ENVPARITY_FINGERPRINT_KEY`, else the OS keyring's key
    /// for this workspace (created on first use), else `None` (secrets kept as presence only).
    pub fn fingerprint_key(&self) -> AppResult<Option<Vec<u8>>> {
        if let Some(text) = std::env::var_os(FINGERPRINT_KEY_ENV).filter(|v| !v.is_empty()) {
            return parse_key(&text.to_string_lossy()).map(Some);
        }
        Ok(self.keyring_fingerprint_key().ok())
    }

    /// The fingerprinter for this workspace, checked against the key id it records: a key other
    /// than the one its secrets were fingerprinted with is refused (fingerprints would never
    /// match, and every secret would look changed).
    pub fn fingerprinter(&self) -> AppResult<Option<Fingerprinter>> {
        Ok(self.checked_fingerprint_key()?.map(Fingerprinter::new))
    }

    /// The workspace's fingerprint key after the key-id check of [`Workspace::fingerprinter`]
    /// (the collectors take the key itself).
    pub fn checked_fingerprint_key(&self) -> AppResult<Option<Vec<u8>>> {
        let Some(key) = self.fingerprint_key()? else {
            return Ok(None);
        };
        let id = Fingerprinter::new(key.clone()).key_id();
        let recorded = self.store().record_fingerprint_key_id(&id)?;
        if recorded != id {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "this workspace's secrets are fingerprinted with key {recorded}, but this machine's key is {id}: \
                     give every writer the workspace's key (the OS keyring entry `<workspace id>/fingerprint-key`, \
                     or {FINGERPRINT_KEY_ENV} in CI); nothing was stored"
                ),
            ));
        }
        Ok(Some(key))
    }

    /// Applies the detector to a snapshot about to be stored.
    pub(crate) fn scrub(&self, snapshot: &mut Snapshot) -> AppResult<ScrubCount> {
        let fp = self.fingerprinter()?;
        Ok(scrub_snapshot(snapshot, fp.as_ref()))
    }

    /// Whether every stored snapshot has been through this build's detector.
    pub fn secrets_migrated(&self) -> AppResult<bool> {
        Ok(self.store().secrets_version()? >= SECRETS_VERSION)
    }

    /// For read-only commands: refuses a workspace whose snapshots an earlier EnvParity stored
    /// (they may hold secrets in clear) and names the command that migrates it.
    pub fn require_secrets_migrated(&self) -> AppResult<()> {
        if self.secrets_migrated()? {
            return Ok(());
        }
        Err(AppError::bad_input(format!(
            "{}: its snapshots were stored by an earlier EnvParity and may hold secrets in clear; \
             run `envparity migrate` (or any command that writes) to remove them, then try again",
            self.path().display()
        )))
    }

    /// Re-applies the detector to every stored snapshot (the one sanctioned rewrite of
    /// snapshots), then erases the old bytes from free pages and the WAL. Without a key, flagged
    /// values become presence only. Returns how many resources changed; nothing when already
    /// migrated.
    pub fn migrate_secrets(&self) -> AppResult<Option<usize>> {
        if self.secrets_migrated()? {
            return Ok(None);
        }
        let fp = self.fingerprinter()?;
        let changed = self.store().rescrub_snapshots(SECRETS_VERSION, &mut |r| {
            legacy_fingerprints(r);
            scrub_resource(r, fp.as_ref()).total() > 0
        })?;
        Ok(Some(changed))
    }
}

/// Earlier versions kept a secret-looking SSM value as `value_fingerprint` and a DynamoDB
/// attribute as `<name>_fingerprint`: those become the attribute itself holding the token, as
/// the collectors now write it.
fn legacy_fingerprints(r: &mut parity_core::Resource) {
    let legacy: Vec<parity_core::Name> = r
        .attributes
        .keys()
        .filter(|k| k.ends_with("_fingerprint"))
        .cloned()
        .collect();
    for k in legacy {
        if let Some(serde_json::Value::String(fp)) = r.attributes.remove(&k) {
            let name = k.trim_end_matches("_fingerprint").to_string();
            let token = if fp.starts_with("hmac-sha256:") {
                format!("<secret:{fp}>")
            } else {
                parity_core::secrets::PRESENCE_TOKEN.to_string()
            };
            r.attributes.insert(name, serde_json::Value::String(token));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_64_hex_digits() {
        assert_eq!(parse_key(&"ab".repeat(32)).unwrap(), vec![0xab; 32]);
        let err = parse_key("short").unwrap_err();
        assert!(err.message.contains(FINGERPRINT_KEY_ENV), "{}", err.message);
        assert!(
            !err.message.contains("short"),
            "the key's text is never echoed"
        );
        assert!(parse_key(&"zz".repeat(32)).is_err());
    }
}

//! What the store keeps about secrets: the public id of the workspace's fingerprint key, the
//! version of the secret detector every stored snapshot has been through, and the one sanctioned
//! rewrite of stored snapshots (re-applying the detector), after which no free page and no WAL
//! frame keeps the old bytes (`secure_delete`, checkpoint, `VACUUM`).

use parity_core::Resource;

use crate::db::{Arg, Conn};
use crate::{Store, StoreError};

impl Store {
    /// The detector version every stored snapshot has been through (0: an earlier EnvParity's).
    pub fn secrets_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_one("SELECT secrets_version FROM workspace", &[])
            .and_then(|r| r.int(0))
            .map_err(|e| self.err(e))
    }

    /// The public id of the key this workspace's secrets are fingerprinted with.
    pub fn fingerprint_key_id(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_opt("SELECT fingerprint_key_id FROM workspace", &[])
            .and_then(|r| r.map(|r| r.opt_text(0)).transpose())
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }

    /// Records `id` as the workspace's key id when none is recorded yet (atomically: two
    /// writers racing record one). Returns the id now recorded.
    pub fn record_fingerprint_key_id(&self, id: &str) -> Result<String, StoreError> {
        self.conn
            .execute(
                "UPDATE workspace SET fingerprint_key_id = ?1 WHERE fingerprint_key_id IS NULL",
                &[Arg::Text(id)],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.fingerprint_key_id()?.unwrap_or_default())
    }

    /// Re-applies `scrub` to every stored resource in one transaction and records `version`;
    /// then erases the old bytes from free pages and the WAL. Returns how many resources
    /// changed. The only write that changes a stored snapshot.
    pub fn rescrub_snapshots(
        &self,
        version: i64,
        scrub: &mut dyn FnMut(&mut Resource) -> bool,
    ) -> Result<usize, StoreError> {
        let changed = self.transaction(|s| {
            let rows: Vec<(i64, i64, String)> = s
                .conn
                .query("SELECT snapshot_id, ordinal, body FROM resource", &[])
                .and_then(|rows| {
                    rows.iter()
                        .map(|r| Ok((r.int(0)?, r.int(1)?, r.text(2)?)))
                        .collect()
                })
                .map_err(|e| s.err(e))?;
            let mut changed = 0;
            for (snapshot, ordinal, body) in rows {
                let mut r: Resource = s.decode("resource", &body)?;
                if scrub(&mut r) {
                    let body = serde_json::to_string(&r).map_err(|e| StoreError::Corrupt {
                        path: s.path().to_path_buf(),
                        detail: format!("resource {snapshot}/{ordinal}: {e}"),
                    })?;
                    s.conn
                        .execute(
                            "UPDATE resource SET body = ?1 WHERE snapshot_id = ?2 AND ordinal = ?3",
                            &[Arg::Text(&body), Arg::Int(snapshot), Arg::Int(ordinal)],
                        )
                        .map_err(|e| s.err(e))?;
                    changed += 1;
                }
            }
            s.conn
                .execute(
                    "UPDATE workspace SET secrets_version = ?1",
                    &[Arg::Int(version)],
                )
                .map_err(|e| s.err(e))?;
            Ok(changed)
        })?;
        self.erase_free_space()?;
        Ok(changed)
    }

    /// Moves the WAL into the file and rebuilds it, so neither free pages nor the WAL keep
    /// deleted bytes (`secure_delete` is on for every connection as well).
    pub fn erase_free_space(&self) -> Result<(), StoreError> {
        match &self.conn {
            Conn::Sqlite(_) => self
                .conn
                .batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);"),
            // PostgreSQL: the server's VACUUM reclaims the dead rows (it does not promise to
            // overwrite them; see docs/CONTRACTS.md "Team workspaces")
            Conn::Postgres(_) => self.conn.batch("VACUUM resource"),
        }
        .map_err(|e| self.err(e))
    }
}

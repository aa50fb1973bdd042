//! Moving a workspace between databases (SQLite ⇄ PostgreSQL, or file to file): everything is
//! copied in one write transaction of the destination, which must be empty — the workspace's
//! UUID, name, settings (`group_numbered`, hint settings) and secrets state, environments in order, rules, ignores, exceptions with their
//! audit trail (sequence numbers, so exception versions, and actors kept) and every snapshot with its id and
//! `collected_by`.

use crate::db::Arg;
use crate::{Store, StoreError};

/// What a copy wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopySummary {
    pub workspace_id: String,
    pub environments: usize,
    pub snapshots: usize,
    pub resources: usize,
    pub exceptions: usize,
    pub audit_entries: usize,
}

impl Store {
    /// Copies this workspace into `dst`, which must hold nothing (else [`StoreError::Conflict`]
    /// and nothing is written).
    pub fn copy_into(&self, dst: &Store) -> Result<CopySummary, StoreError> {
        dst.transaction(|d| {
            let audit = d
                .conn
                .query_one("SELECT count(*) FROM exception_audit", &[])
                .and_then(|r| r.int(0))
                .map_err(|e| d.err(e))?;
            if !d.is_empty()? || audit > 0 {
                return Err(StoreError::Conflict(format!(
                    "{}: the destination is not empty (it holds environments, rules or exceptions); copy into a new file or an empty database",
                    d.path().display()
                )));
            }
            let ws = self.workspace()?;
            let key_id = self.fingerprint_key_id()?;
            d.conn
                .execute(
                    "UPDATE workspace SET id = ?1, name = ?2, created_at = ?3, fingerprint_key_id = ?4, secrets_version = ?5",
                    &[
                        Arg::Text(&ws.id),
                        Arg::Text(&ws.name),
                        Arg::Text(&ws.created_at),
                        Arg::OptText(key_id.as_deref()),
                        Arg::Int(self.secrets_version()?),
                    ],
                )
                .map_err(|e| d.err(e))?;
            d.set_group_numbered(&self.group_numbered()?)?;
            let (reference, service_tag) = self.hint_settings()?;
            d.set_hint_settings(reference.as_deref(), service_tag.as_deref())?;
            let mut summary = CopySummary {
                workspace_id: ws.id,
                ..CopySummary::default()
            };
            for env in self.environments()? {
                d.upsert_environment(&env)?;
                summary.environments += 1;
            }
            for rule in self.rules()? {
                d.add_rule(&rule)?;
            }
            for ignore in self.ignores()? {
                d.add_ignore(&ignore)?;
            }
            for rule in self.exceptions()? {
                let body =
                    serde_json::to_string(&rule).map_err(|e| StoreError::Encode(e.to_string()))?;
                d.conn
                    .execute(
                        "INSERT INTO exception (id, body) VALUES (?1, ?2)",
                        &[Arg::Text(&rule.id), Arg::Text(&body)],
                    )
                    .map_err(|e| d.err(e))?;
                summary.exceptions += 1;
            }
            for entry in self.audit_trail(None)? {
                let enc = |r: &Option<parity_core::ExceptionRule>| {
                    r.as_ref()
                        .map(|r| serde_json::to_string(r).map_err(|e| StoreError::Encode(e.to_string())))
                        .transpose()
                };
                let (before, after) = (enc(&entry.before)?, enc(&entry.after)?);
                d.conn
                    .execute(
                        "INSERT INTO exception_audit (seq, exception_id, at, action, via, before, after, actor)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        &[
                            Arg::Int(entry.seq),
                            Arg::Text(&entry.exception_id),
                            Arg::Text(&entry.at),
                            Arg::Text(&entry.action),
                            Arg::Text(&entry.via),
                            Arg::OptText(before.as_deref()),
                            Arg::OptText(after.as_deref()),
                            Arg::OptText(entry.actor.as_deref()),
                        ],
                    )
                    .map_err(|e| d.err(e))?;
                summary.audit_entries += 1;
            }
            if d.conn.is_postgres() && summary.audit_entries > 0 {
                d.conn
                    .query(
                        "SELECT setval(pg_get_serial_sequence('exception_audit', 'seq'), (SELECT max(seq) FROM exception_audit))",
                        &[],
                    )
                    .map_err(|e| d.err(e))?;
            }
            let mut infos = self.snapshots(None)?;
            infos.sort_by_key(|i| i.id);
            for info in infos {
                let snapshot = self.load_snapshot(info.id)?;
                summary.resources += snapshot.resources.len();
                d.insert_snapshot_kept(&snapshot, info.id, info.collected_by.as_deref())?;
                summary.snapshots += 1;
            }
            Ok(summary)
        })
    }
}

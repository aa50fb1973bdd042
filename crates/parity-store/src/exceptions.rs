//! Exceptions and their audit trail: every create, update, expiry and deletion is recorded with
//! when, through what, by whom (the store's [`crate::Writer`]), and the exception before and
//! after.

use chrono::{DateTime, Utc};
use parity_core::ExceptionRule;
use serde::Serialize;

use crate::db::Arg;
use crate::{ts, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditAction {
    Create,
    Update,
    Expire,
    Delete,
}

impl AuditAction {
    fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Expire => "expire",
            AuditAction::Delete => "delete",
        }
    }
}

/// Through what a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Cli,
    Import,
    Desktop,
    Demo,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Cli => "cli",
            Via::Import => "import",
            Via::Desktop => "desktop",
            Via::Demo => "demo",
        }
    }
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub exception_id: String,
    pub at: String,
    pub action: String,
    pub via: String,
    /// Who made the change (the OS user or `--actor`); `None` for changes recorded before
    /// schema v5.
    pub actor: Option<String>,
    pub before: Option<ExceptionRule>,
    pub after: Option<ExceptionRule>,
}

impl Store {
    /// All exceptions, by id.
    pub fn exceptions(&self) -> Result<Vec<ExceptionRule>, StoreError> {
        let rows = self
            .conn
            .query("SELECT id, body FROM exception ORDER BY id", &[])
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            let (id, body) = (|| Ok((r.text(0)?, r.text(1)?)))().map_err(|e| self.err(e))?;
            out.push(self.decode(&format!("exception `{id}`"), &body)?);
        }
        Ok(out)
    }

    pub fn exception(&self, id: &str) -> Result<Option<ExceptionRule>, StoreError> {
        let body = self
            .conn
            .query_opt("SELECT body FROM exception WHERE id = ?1", &[Arg::Text(id)])
            .and_then(|r| r.map(|r| r.text(0)).transpose())
            .map_err(|e| self.err(e))?;
        body.map(|b| self.decode(&format!("exception `{id}`"), &b))
            .transpose()
    }

    /// The exception's version: the sequence number of its latest audit entry (every change is
    /// audited, so any change gives a new, larger version); 0 for one never recorded.
    pub fn exception_version(&self, id: &str) -> Result<i64, StoreError> {
        self.conn
            .query_one(
                "SELECT coalesce(max(seq), 0) FROM exception_audit WHERE exception_id = ?1",
                &[Arg::Text(id)],
            )
            .and_then(|r| r.int(0))
            .map_err(|e| self.err(e))
    }

    /// Refuses a change made from a stale copy: `expected` is the version the editor read.
    fn check_version(&self, id: &str, expected: Option<i64>) -> Result<(), StoreError> {
        let Some(expected) = expected else {
            return Ok(());
        };
        let current = self.exception_version(id)?;
        if current != expected {
            return Err(StoreError::Stale(format!(
                "exception `{id}` was changed by someone else since it was read (version {expected}, now {current}); nothing was saved: reload it and make the change again"
            )));
        }
        Ok(())
    }

    /// Inserts or replaces an exception (its `id` must be set) and records the change. `action`
    /// is used for an existing exception (`update` or `expire`); a new one is always `create`.
    /// Returns false, recording nothing, when the stored exception is already identical.
    pub fn save_exception(
        &self,
        rule: &ExceptionRule,
        action: AuditAction,
        via: Via,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.save_exception_if(rule, action, via, now, None)
    }

    /// [`Store::save_exception`], refused with [`StoreError::Stale`] unless the exception is
    /// still at version `expected` (when given). The check, the "before" of the audit entry and
    /// the write happen in one write transaction.
    pub fn save_exception_if(
        &self,
        rule: &ExceptionRule,
        action: AuditAction,
        via: Via,
        now: DateTime<Utc>,
        expected: Option<i64>,
    ) -> Result<bool, StoreError> {
        if rule.id.is_empty() {
            return Err(StoreError::Conflict(
                "an exception needs an id before it is stored".into(),
            ));
        }
        let body = serde_json::to_string(rule).map_err(|e| StoreError::Encode(e.to_string()))?;
        self.transaction(|s| {
            s.check_version(&rule.id, expected)?;
            let before = s.exception(&rule.id)?;
            if before.as_ref() == Some(rule) {
                return Ok(false);
            }
            let action = if before.is_none() {
                AuditAction::Create
            } else {
                action
            };
            s.conn
                .execute(
                    "INSERT INTO exception (id, body) VALUES (?1, ?2)
                     ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                    &[Arg::Text(&rule.id), Arg::Text(&body)],
                )
                .map_err(|e| s.err(e))?;
            s.record(&rule.id, action, via, now, before.as_ref(), Some(rule))?;
            Ok(true)
        })
    }

    /// Deletes an exception; the audit trail keeps it.
    pub fn delete_exception(
        &self,
        id: &str,
        via: Via,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.delete_exception_if(id, via, now, None)
    }

    /// [`Store::delete_exception`], refused unless the exception is still at version `expected`.
    pub fn delete_exception_if(
        &self,
        id: &str,
        via: Via,
        now: DateTime<Utc>,
        expected: Option<i64>,
    ) -> Result<(), StoreError> {
        self.transaction(|s| {
            let before = s
                .exception(id)?
                .ok_or_else(|| StoreError::NoSuchException(id.to_string()))?;
            s.check_version(id, expected)?;
            s.conn
                .execute("DELETE FROM exception WHERE id = ?1", &[Arg::Text(id)])
                .map_err(|e| s.err(e))?;
            s.record(id, AuditAction::Delete, via, now, Some(&before), None)
        })
    }

    fn record(
        &self,
        id: &str,
        action: AuditAction,
        via: Via,
        now: DateTime<Utc>,
        before: Option<&ExceptionRule>,
        after: Option<&ExceptionRule>,
    ) -> Result<(), StoreError> {
        let enc = |r: Option<&ExceptionRule>| -> Result<Option<String>, StoreError> {
            r.map(|r| serde_json::to_string(r).map_err(|e| StoreError::Encode(e.to_string())))
                .transpose()
        };
        let (before, after) = (enc(before)?, enc(after)?);
        self.conn
            .execute(
                "INSERT INTO exception_audit (exception_id, at, action, via, before, after, actor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                &[
                    Arg::Text(id),
                    Arg::Text(&ts(&now)),
                    Arg::Text(action.as_str()),
                    Arg::Text(via.as_str()),
                    Arg::OptText(before.as_deref()),
                    Arg::OptText(after.as_deref()),
                    Arg::OptText(self.writer().actor.as_deref()),
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The audit trail of one exception (or of all), oldest first.
    pub fn audit_trail(&self, id: Option<&str>) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = match id {
            Some(id) => self.conn.query(
                "SELECT seq, exception_id, at, action, via, before, after, actor FROM exception_audit
                 WHERE exception_id = ?1 ORDER BY seq",
                &[Arg::Text(id)],
            ),
            None => self.conn.query(
                "SELECT seq, exception_id, at, action, via, before, after, actor FROM exception_audit
                 ORDER BY seq",
                &[],
            ),
        }
        .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            let (seq, exception_id, at, action, via, before, after, actor) = (|| {
                Ok((
                    r.int(0)?,
                    r.text(1)?,
                    r.text(2)?,
                    r.text(3)?,
                    r.text(4)?,
                    r.opt_text(5)?,
                    r.opt_text(6)?,
                    r.opt_text(7)?,
                ))
            })()
            .map_err(|e| self.err(e))?;
            let what = format!("audit entry {seq}");
            out.push(AuditEntry {
                seq,
                exception_id,
                at,
                action,
                via,
                actor,
                before: before.map(|b| self.decode(&what, &b)).transpose()?,
                after: after.map(|a| self.decode(&what, &a)).transpose()?,
            });
        }
        Ok(out)
    }
}

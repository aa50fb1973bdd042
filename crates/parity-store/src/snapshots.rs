//! Snapshots: written in one transaction each, listed per environment, loaded whole.

use chrono::{DateTime, NaiveDate, Utc};
use parity_core::{MissingKind, Resource, Snapshot, Source};
use rayon::prelude::*;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::{ts, Store, StoreError};

/// A snapshot without its resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotInfo {
    pub id: i64,
    pub environment: String,
    pub taken_at: DateTime<Utc>,
    pub source: Source,
    pub missing: Vec<MissingKind>,
    pub resource_count: i64,
}

impl SnapshotInfo {
    pub fn is_partial(&self) -> bool {
        !self.missing.is_empty()
    }
}

const INFO_COLUMNS: &str = "id, environment, taken_at, source, missing, resource_count";

impl Store {
    fn info_from_row(
        &self,
        r: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<(i64, String, String, String, String, i64)> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    }

    fn decode_info(
        &self,
        (id, environment, taken_at, source, missing, resource_count): (
            i64,
            String,
            String,
            String,
            String,
            i64,
        ),
    ) -> Result<SnapshotInfo, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("snapshot {id}: {detail}"),
        };
        if resource_count < 0 {
            return Err(corrupt(format!(
                "resource_count {resource_count} is negative"
            )));
        }
        Ok(SnapshotInfo {
            id,
            environment,
            taken_at: DateTime::parse_from_rfc3339(&taken_at)
                .map_err(|e| corrupt(format!("taken_at `{taken_at}`: {e}")))?
                .with_timezone(&Utc),
            source: source.parse().map_err(corrupt)?,
            missing: self.decode(&format!("snapshot {id}"), &missing)?,
            resource_count,
        })
    }

    fn query_infos(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<SnapshotInfo>, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(args, |r| self.info_from_row(r))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(self.decode_info(row.map_err(|e| self.err(e))?)?);
        }
        Ok(out)
    }

    /// Writes a snapshot and its resources in one transaction. The environment must exist.
    pub fn insert_snapshot(&self, snapshot: &Snapshot) -> Result<i64, StoreError> {
        let missing = serde_json::to_string(&snapshot.missing)
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        self.transaction(|store| {
            if store.environment(&snapshot.environment)?.is_none() {
                return Err(StoreError::NoSuchEnvironment(snapshot.environment.clone()));
            }
            store.write_snapshot(snapshot, &missing)
        })
    }

    fn write_snapshot(&self, snapshot: &Snapshot, missing: &str) -> Result<i64, StoreError> {
        let tx = &self.conn;
        tx.execute(
            "INSERT INTO snapshot (environment, taken_at, source, missing, resource_count)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                snapshot.environment,
                ts(&snapshot.taken_at),
                snapshot.source.as_str(),
                missing,
                snapshot.resources.len() as i64
            ],
        )
        .map_err(|e| self.err(e))?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO resource (snapshot_id, ordinal, kind, native_id, body)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| self.err(e))?;
            for (i, r) in snapshot.resources.iter().enumerate() {
                let body =
                    serde_json::to_string(r).map_err(|e| StoreError::Encode(e.to_string()))?;
                stmt.execute(params![id, i as i64, r.kind, r.native_id, body])
                    .map_err(|e| self.err(e))?;
            }
        }
        Ok(id)
    }

    /// Snapshots, newest first, of one environment or all.
    pub fn snapshots(&self, environment: Option<&str>) -> Result<Vec<SnapshotInfo>, StoreError> {
        match environment {
            Some(env) => self.query_infos(
                &format!("SELECT {INFO_COLUMNS} FROM snapshot WHERE environment = ?1 ORDER BY taken_at DESC, id DESC"),
                &[&env],
            ),
            None => self.query_infos(
                &format!("SELECT {INFO_COLUMNS} FROM snapshot ORDER BY environment, taken_at DESC, id DESC"),
                &[],
            ),
        }
    }

    pub fn snapshot_info(&self, id: i64) -> Result<SnapshotInfo, StoreError> {
        self.query_infos(
            &format!("SELECT {INFO_COLUMNS} FROM snapshot WHERE id = ?1"),
            &[&id],
        )?
        .pop()
        .ok_or_else(|| StoreError::NoSuchSnapshot(id.to_string()))
    }

    /// The newest snapshot of an environment.
    pub fn latest_snapshot_info(
        &self,
        environment: &str,
    ) -> Result<Option<SnapshotInfo>, StoreError> {
        Ok(self
            .query_infos(
                &format!("SELECT {INFO_COLUMNS} FROM snapshot WHERE environment = ?1 ORDER BY taken_at DESC, id DESC LIMIT 1"),
                &[&environment],
            )?
            .pop())
    }

    /// The newest snapshot of an environment taken on or before `date` (UTC, through that day).
    pub fn snapshot_on_or_before(
        &self,
        environment: &str,
        date: NaiveDate,
    ) -> Result<Option<SnapshotInfo>, StoreError> {
        let end = date
            .succ_opt()
            .unwrap_or(date)
            .and_hms_opt(0, 0, 0)
            .map(|d| ts(&d.and_utc()))
            .unwrap_or_default();
        Ok(self
            .query_infos(
                &format!("SELECT {INFO_COLUMNS} FROM snapshot WHERE environment = ?1 AND taken_at < ?2 ORDER BY taken_at DESC, id DESC LIMIT 1"),
                &[&environment, &end],
            )?
            .pop())
    }

    /// Loads a whole snapshot.
    pub fn load_snapshot(&self, id: i64) -> Result<Snapshot, StoreError> {
        let info = self.snapshot_info(id)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM resource WHERE snapshot_id = ?1 ORDER BY ordinal")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![id]).map_err(|e| self.err(e))?;
        // `resource_count` is only a hint: a damaged file may hold any number there.
        let hint = usize::try_from(info.resource_count)
            .unwrap_or(0)
            .min(100_000);
        let mut bodies: Vec<String> = Vec::with_capacity(hint);
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let body = row.get_ref(0).map_err(|e| self.err(e))?;
            bodies.push(body.as_str().map_err(|e| self.err(e.into()))?.to_owned());
        }
        // Decoding is most of a load (the desktop's launch waits for it): in parallel, in order.
        let what = format!("a resource of snapshot {id}");
        let path = self.path.as_path();
        let resources: Vec<Resource> = bodies
            .par_iter()
            .map(|text| crate::decode_at(path, &what, text))
            .collect::<Result<_, _>>()?;
        Ok(Snapshot {
            id: Some(info.id),
            environment: info.environment,
            taken_at: info.taken_at,
            source: info.source,
            missing: info.missing,
            resources,
        })
    }

    pub fn delete_snapshot(&self, id: i64) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM snapshot WHERE id = ?1", params![id])
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::NoSuchSnapshot(id.to_string()));
        }
        Ok(())
    }

    /// The number of snapshots whose id exists (for tests and diagnostics).
    pub fn snapshot_exists(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM snapshot WHERE id = ?1", params![id], |_| {
                Ok(())
            })
            .optional()
            .map_err(|e| self.err(e))?
            .is_some())
    }
}

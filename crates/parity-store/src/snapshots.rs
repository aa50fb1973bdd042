//! Snapshots: written in one transaction each, listed per environment, loaded whole.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use parity_core::{MissingKind, Resource, Snapshot, Source};
use rayon::prelude::*;
use serde::Serialize;

use crate::db::{Arg, Row};
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
    /// The machine (`user@host`) or CI pipeline that wrote it; `None` for snapshots written
    /// before schema v5.
    pub collected_by: Option<String>,
}

impl SnapshotInfo {
    pub fn is_partial(&self) -> bool {
        !self.missing.is_empty()
    }
}

/// Resources written by one `INSERT` (5 parameters each: well under both backends' limits).
const RESOURCES_PER_INSERT: usize = 200;

/// `INSERT INTO resource … VALUES (?1, …, ?5), (?6, …), …` for `n` rows.
fn insert_resources_sql(n: usize) -> String {
    let mut sql =
        String::from("INSERT INTO resource (snapshot_id, ordinal, kind, native_id, body) VALUES ");
    for row in 0..n {
        let p = row * 5;
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(?{}, ?{}, ?{}, ?{}, ?{})",
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5
        ));
    }
    sql
}

const INFO_COLUMNS: &str =
    "id, environment, taken_at, source, missing, resource_count, collected_by";

impl Store {
    fn decode_info(&self, r: &Row) -> Result<SnapshotInfo, StoreError> {
        let (id, environment, taken_at, source, missing, resource_count, collected_by) = (|| {
            Ok((
                r.int(0)?,
                r.text(1)?,
                r.text(2)?,
                r.text(3)?,
                r.text(4)?,
                r.int(5)?,
                r.opt_text(6)?,
            ))
        })(
        )
        .map_err(|e| self.err(e))?;
        let corrupt = |detail: String| StoreError::Corrupt {
            path: self.path().to_path_buf(),
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
            collected_by,
        })
    }

    fn query_infos(&self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<SnapshotInfo>, StoreError> {
        let rows = self.conn.query(sql, args).map_err(|e| self.err(e))?;
        rows.iter().map(|r| self.decode_info(r)).collect()
    }

    /// Writes a snapshot and its resources in one transaction. The environment must exist.
    pub fn insert_snapshot(&self, snapshot: &Snapshot) -> Result<i64, StoreError> {
        self.insert_snapshot_as(snapshot, None)
    }

    /// [`Store::insert_snapshot`] keeping the snapshot's id `id` (copying a workspace); refused
    /// when a snapshot has that id.
    pub fn insert_snapshot_as(
        &self,
        snapshot: &Snapshot,
        id: Option<i64>,
    ) -> Result<i64, StoreError> {
        self.insert_snapshot_by(snapshot, id, self.writer().collected_by.as_deref())
    }

    /// A copied snapshot: its id and `collected_by` kept.
    pub(crate) fn insert_snapshot_kept(
        &self,
        snapshot: &Snapshot,
        id: i64,
        collected_by: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.insert_snapshot_by(snapshot, Some(id), collected_by)
    }

    fn insert_snapshot_by(
        &self,
        snapshot: &Snapshot,
        id: Option<i64>,
        collected_by: Option<&str>,
    ) -> Result<i64, StoreError> {
        let missing = serde_json::to_string(&snapshot.missing)
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        self.transaction(|store| {
            if store.environment(&snapshot.environment)?.is_none() {
                return Err(StoreError::NoSuchEnvironment(snapshot.environment.clone()));
            }
            if let Some(id) = id {
                if store.snapshot_exists(id)? {
                    return Err(StoreError::Conflict(format!(
                        "snapshot {id} exists already"
                    )));
                }
            }
            store.write_snapshot(snapshot, &missing, id, collected_by)
        })
    }

    fn write_snapshot(
        &self,
        snapshot: &Snapshot,
        missing: &str,
        id: Option<i64>,
        collected_by: Option<&str>,
    ) -> Result<i64, StoreError> {
        let taken_at = ts(&snapshot.taken_at);
        let count = snapshot.resources.len() as i64;
        let row = match id {
            None => self.conn.query_one(
                "INSERT INTO snapshot (environment, taken_at, source, missing, resource_count, collected_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                &[
                    Arg::Text(&snapshot.environment),
                    Arg::Text(&taken_at),
                    Arg::Text(snapshot.source.as_str()),
                    Arg::Text(missing),
                    Arg::Int(count),
                    Arg::OptText(collected_by),
                ],
            ),
            Some(id) => self.conn.query_one(
                "INSERT INTO snapshot (id, environment, taken_at, source, missing, resource_count, collected_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                &[
                    Arg::Int(id),
                    Arg::Text(&snapshot.environment),
                    Arg::Text(&taken_at),
                    Arg::Text(snapshot.source.as_str()),
                    Arg::Text(missing),
                    Arg::Int(count),
                    Arg::OptText(collected_by),
                ],
            ),
        };
        let id = row.and_then(|r| r.int(0)).map_err(|e| self.err(e))?;
        if self.conn.is_postgres() {
            // an explicit id does not advance the identity: keep it past every id in use
            self.conn
                .query(
                    "SELECT setval(pg_get_serial_sequence('snapshot', 'id'), (SELECT max(id) FROM snapshot))",
                    &[],
                )
                .map_err(|e| self.err(e))?;
        }
        // many rows per statement: one round trip per chunk on PostgreSQL, not per resource,
        // so the write lock is held for less time (same SQL, same rows on both backends)
        let bodies = snapshot
            .resources
            .iter()
            .map(|r| serde_json::to_string(r).map_err(|e| StoreError::Encode(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let ordinals: Vec<i64> = (0..snapshot.resources.len() as i64).collect();
        for (chunk, start) in snapshot
            .resources
            .chunks(RESOURCES_PER_INSERT)
            .zip((0..).step_by(RESOURCES_PER_INSERT))
        {
            let sql = insert_resources_sql(chunk.len());
            let mut args = Vec::with_capacity(chunk.len() * 5);
            for (k, r) in chunk.iter().enumerate() {
                args.extend([
                    Arg::Int(id),
                    Arg::Int(ordinals[start + k]),
                    Arg::Text(&r.kind),
                    Arg::Text(&r.native_id),
                    Arg::Text(&bodies[start + k]),
                ]);
            }
            self.conn.execute(&sql, &args).map_err(|e| self.err(e))?;
        }
        Ok(id)
    }

    /// Snapshots, newest first, of one environment or all.
    pub fn snapshots(&self, environment: Option<&str>) -> Result<Vec<SnapshotInfo>, StoreError> {
        match environment {
            Some(env) => self.query_infos(
                &format!("SELECT {INFO_COLUMNS} FROM snapshot WHERE environment = ?1 ORDER BY taken_at DESC, id DESC"),
                &[Arg::Text(env)],
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
            &[Arg::Int(id)],
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
                &[Arg::Text(environment)],
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
                &[Arg::Text(environment), Arg::Text(&end)],
            )?
            .pop())
    }

    /// Loads a whole snapshot.
    pub fn load_snapshot(&self, id: i64) -> Result<Snapshot, StoreError> {
        let info = self.snapshot_info(id)?;
        let bodies = self.resource_bodies(id)?;
        Ok(assemble(info, decode_resources(self.path(), id, &bodies)?))
    }

    /// Loads several whole snapshots, in the order given. Reading and decoding overlap: while
    /// one snapshot's resources decode (in parallel, from a thread of their own), the next one's
    /// rows are read on this thread, the only one that uses the connection.
    pub fn load_snapshots(&self, ids: &[i64]) -> Result<Vec<Snapshot>, StoreError> {
        let path = self.path();
        std::thread::scope(|scope| {
            let mut pending = Vec::with_capacity(ids.len());
            for &id in ids {
                let info = self.snapshot_info(id)?;
                let bodies = self.resource_bodies(id)?;
                let decoding = scope.spawn(move || decode_resources(path, id, &bodies));
                pending.push((info, decoding));
            }
            pending
                .into_iter()
                .map(|(info, decoding)| {
                    let resources = decoding
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                    Ok(assemble(info, resources))
                })
                .collect()
        })
    }

    /// The JSON text of every resource of snapshot `id`, in order.
    fn resource_bodies(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let rows = self
            .conn
            .query(
                "SELECT body FROM resource WHERE snapshot_id = ?1 ORDER BY ordinal",
                &[Arg::Int(id)],
            )
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|mut r| r.take_text(0))
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    pub fn delete_snapshot(&self, id: i64) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM snapshot WHERE id = ?1", &[Arg::Int(id)])
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
            .query_opt("SELECT 1 FROM snapshot WHERE id = ?1", &[Arg::Int(id)])
            .map_err(|e| self.err(e))?
            .is_some())
    }
}

/// Decodes the resources of snapshot `id` (stored at `path`) from their JSON texts. Decoding is
/// most of a load (the desktop's launch waits for it): in parallel, in order.
fn decode_resources(path: &Path, id: i64, bodies: &[String]) -> Result<Vec<Resource>, StoreError> {
    let what = format!("a resource of snapshot {id}");
    bodies
        .par_iter()
        .map(|text| crate::decode_at(path, &what, text))
        .collect()
}

/// A snapshot from its stored description and its resources.
fn assemble(info: SnapshotInfo, resources: Vec<Resource>) -> Snapshot {
    Snapshot {
        id: Some(info.id),
        environment: info.environment,
        taken_at: info.taken_at,
        source: info.source,
        missing: info.missing,
        resources,
    }
}

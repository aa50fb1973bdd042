//! Comparing environments (or snapshots of one environment): resolve `ENV`, `ENV@SNAPSHOT_ID`
//! and `ENV@DATE` to snapshots, load them and compute the matrix.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use parity_core::{
    Column, DiffDocument, EnvironmentConfig, ExceptionRule, GroupNumbered, IgnoreRule, Matrix,
    MatrixOptions, RewriteRule, Snapshot,
};
use parity_store::SnapshotInfo;

use crate::error::{AppError, AppResult};
use crate::Workspace;

/// A computed comparison: the environments, snapshots and matrix, column-aligned.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub environments: Vec<EnvironmentConfig>,
    pub snapshots: Vec<Snapshot>,
    /// Shared, so it can be stored in the matrix cache without holding what holds it.
    pub matrix: Arc<Matrix>,
    /// Environments left out because they have no snapshot yet (only when none were named).
    pub skipped: Vec<String>,
    /// What fix hints are computed from (docs/CONTRACTS.md "Fix hints and the incident view").
    pub hints: HintSettings,
    /// The ids of the columns' snapshots while they are not loaded (a matrix read from the
    /// matrix cache: `snapshots` is empty until [`Comparison::load_snapshots`]).
    pending: Option<Vec<i64>>,
}

/// The workspace's settings and state that fix hints need besides the matrix.
#[derive(Debug, Clone, Default)]
pub struct HintSettings {
    /// The workspace's `reference` setting (`None`: the default rule).
    pub reference: Option<String>,
    /// The workspace's `service_tag` setting (`None`: `Service`).
    pub service_tag: Option<String>,
    pub exceptions: Vec<parity_core::ExceptionRule>,
    pub today: Option<NaiveDate>,
}

impl Comparison {
    /// Whether `snapshots` holds every column's snapshot (always, except for a matrix read from
    /// the matrix cache before [`Comparison::load_snapshots`]).
    pub fn snapshots_loaded(&self) -> bool {
        self.pending.is_none()
    }

    /// Loads the columns' snapshots if they are not loaded yet.
    pub fn load_snapshots(&mut self, workspace: &Workspace) -> AppResult<()> {
        if let Some(ids) = &self.pending {
            self.snapshots = workspace.store().load_snapshots(ids)?;
            self.pending = None;
        }
        Ok(())
    }

    /// The id of each column's snapshot, loaded or not.
    pub fn snapshot_ids(&self) -> Vec<i64> {
        match &self.pending {
            Some(ids) => ids.clone(),
            None => self.snapshots.iter().filter_map(|s| s.id).collect(),
        }
    }

    pub fn snapshot_refs(&self) -> Vec<&Snapshot> {
        self.snapshots.iter().collect()
    }

    /// The diff document (docs/CONTRACTS.md "Diff JSON") of the rows at `keep` (all: `None`),
    /// e.g. the indices [`Comparison::matching`] returns.
    pub fn document(&self, generated_at: DateTime<Utc>, keep: Option<&[usize]>) -> DiffDocument {
        let snapshots = self.snapshot_refs();
        let mut doc = DiffDocument::new(&self.matrix, &snapshots, generated_at, keep);
        let ctx = self.hint_context(&snapshots, generated_at);
        parity_core::hints::add_hints(&mut doc, &ctx, keep);
        doc
    }

    /// Writes the diff JSON of the rows at `keep` (all: `None`) to `out` as it is built, one row
    /// at a time: the same bytes as `parity_report::json(&self.document(generated_at, keep))`
    /// without holding the document (several times the matrix's memory on a large diff).
    pub fn write_json(
        &self,
        generated_at: DateTime<Utc>,
        keep: Option<&[usize]>,
        out: impl std::io::Write,
    ) -> std::io::Result<()> {
        let snapshots = self.snapshot_refs();
        let ctx = self.hint_context(&snapshots, generated_at);
        let doc = parity_core::DocumentStream::new(
            &self.matrix,
            &snapshots,
            generated_at,
            keep,
            Some(&ctx),
        );
        parity_report::write_json_stream(&doc, out)
    }

    /// The fix-hint context of this comparison (`snapshots`: [`Comparison::snapshot_refs`]).
    pub fn hint_context<'a>(
        &'a self,
        snapshots: &'a [&'a Snapshot],
        now: DateTime<Utc>,
    ) -> parity_core::hints::HintContext<'a> {
        parity_core::hints::HintContext::new(
            &self.matrix,
            snapshots,
            &self.hints.exceptions,
            self.hints.today.unwrap_or_else(|| now.date_naive()),
            self.hints.reference.as_deref(),
        )
    }

    /// The fix hints of row `index` (docs/CONTRACTS.md "Fix hints and the incident view").
    pub fn row_hints(&self, index: usize) -> Vec<parity_core::hints::Hint> {
        let snapshots = self.snapshot_refs();
        let ctx = parity_core::hints::HintContext::new(
            &self.matrix,
            &snapshots,
            &self.hints.exceptions,
            self.hints.today.unwrap_or_default(),
            self.hints.reference.as_deref(),
        );
        self.matrix
            .rows
            .get(index)
            .map(|r| ctx.row_hints(r))
            .unwrap_or_default()
    }

    /// The tag naming a resource's service (`Service` unless the workspace sets `service_tag`).
    pub fn service_tag(&self) -> &str {
        self.hints
            .service_tag
            .as_deref()
            .unwrap_or(parity_core::hints::DEFAULT_SERVICE_TAG)
    }
}

/// How one column was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Latest,
    Id(i64),
    OnOrBefore(NaiveDate),
}

/// Parses a column spec (`ENV`, `ENV@ID`, `ENV@DATE`); errors name the spec.
pub fn parse_spec(spec: &str) -> AppResult<(String, Selector)> {
    match spec.split_once('@') {
        None => Ok((spec.to_string(), Selector::Latest)),
        Some((env, sel)) => {
            if let Ok(id) = sel.parse::<i64>() {
                Ok((env.to_string(), Selector::Id(id)))
            } else if let Ok(date) = NaiveDate::parse_from_str(sel, "%Y-%m-%d") {
                Ok((env.to_string(), Selector::OnOrBefore(date)))
            } else {
                Err(AppError::bad_input(format!(
                    "`{spec}`: after `@` give a snapshot id (`prod@12`) or a date (`prod@2026-11-20`)"
                )))
            }
        }
    }
}

impl Workspace {
    fn resolve(&self, spec: &str) -> AppResult<(EnvironmentConfig, SnapshotInfo)> {
        let (name, selector) = parse_spec(spec)?;
        let env = self.environment(&name)?;
        let store = self.store();
        let info = match selector {
            Selector::Latest => store.latest_snapshot_info(&name)?.ok_or_else(|| {
                AppError::not_found(format!(
                    "environment `{name}` has no snapshot yet (run `envparity collect {name}` or `envparity tfstate import {name} FILE`)"
                ))
            })?,
            Selector::Id(id) => {
                let info = store.snapshot_info(id).map_err(|_| {
                    AppError::not_found(format!("`{spec}`: no snapshot {id} (see `envparity snapshots {name}`)"))
                })?;
                if info.environment != name {
                    return Err(AppError::bad_input(format!(
                        "`{spec}`: snapshot {id} belongs to `{}`, not `{name}`",
                        info.environment
                    )));
                }
                info
            }
            Selector::OnOrBefore(date) => store.snapshot_on_or_before(&name, date)?.ok_or_else(|| {
                AppError::not_found(format!("`{spec}`: `{name}` has no snapshot taken on or before {date}"))
            })?,
        };
        Ok((env, info))
    }

    /// Compares the given columns (`ENV`, `ENV@ID`, `ENV@DATE`); with none, every environment's
    /// newest snapshot (environments without one are listed in `skipped`).
    pub fn compare(&self, specs: &[String], today: NaiveDate) -> AppResult<Comparison> {
        let plan = self.plan(specs)?;
        let ids: Vec<i64> = plan.chosen.iter().map(|(_, _, info)| info.id).collect();
        let snapshots = self.store().load_snapshots(&ids)?;
        let inputs = self.inputs()?;
        let matrix = plan.compute(&snapshots, &inputs, today)?;
        Ok(plan.comparison(Some(snapshots), matrix, inputs, today))
    }

    /// Which snapshot each column of `specs` compares (with none, every environment's newest).
    pub(crate) fn plan(&self, specs: &[String]) -> AppResult<Plan> {
        let mut chosen: Vec<(String, EnvironmentConfig, SnapshotInfo)> = Vec::new();
        let mut skipped = Vec::new();
        if specs.is_empty() {
            for env in self.environments()? {
                match self.store().latest_snapshot_info(&env.name)? {
                    Some(info) => chosen.push((env.name.clone(), env, info)),
                    None => skipped.push(env.name),
                }
            }
            if chosen.is_empty() {
                return Err(AppError::not_found(if skipped.is_empty() {
                    "the workspace has no environments yet (try `envparity demo`, `envparity import FILE` or `envparity env add`)".to_string()
                } else {
                    format!(
                        "no environment has a snapshot yet ({}); run `envparity collect`",
                        skipped.join(", ")
                    )
                }));
            }
        } else {
            for spec in specs {
                if chosen.iter().any(|(l, _, _)| l == spec) {
                    return Err(AppError::bad_input(format!("`{spec}` is given twice")));
                }
                let (env, info) = self.resolve(spec)?;
                chosen.push((spec.clone(), env, info));
            }
        }
        Ok(Plan { chosen, skipped })
    }

    /// The workspace's settings a matrix is computed with.
    pub(crate) fn inputs(&self) -> AppResult<Inputs> {
        let (reference, service_tag) = self.store().hint_settings()?;
        Ok(Inputs {
            rules: self.store().rules()?,
            ignores: self.store().ignores()?,
            exceptions: self.store().exceptions()?,
            group_numbered: self.store().group_numbered()?,
            reference,
            service_tag,
        })
    }
}

/// The columns of a comparison: label, environment and snapshot of each, and the environments
/// left out.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) chosen: Vec<(String, EnvironmentConfig, SnapshotInfo)>,
    pub(crate) skipped: Vec<String>,
}

/// Everything besides the snapshots (and the date) a comparison is computed from.
#[derive(Debug)]
pub(crate) struct Inputs {
    pub(crate) rules: Vec<RewriteRule>,
    pub(crate) ignores: Vec<IgnoreRule>,
    pub(crate) exceptions: Vec<ExceptionRule>,
    pub(crate) group_numbered: GroupNumbered,
    pub(crate) reference: Option<String>,
    pub(crate) service_tag: Option<String>,
}

impl Plan {
    /// The matrix of the planned columns over `snapshots` (theirs, in column order).
    pub(crate) fn compute(
        &self,
        snapshots: &[Snapshot],
        inputs: &Inputs,
        today: NaiveDate,
    ) -> AppResult<Matrix> {
        let columns: Vec<Column> = self
            .chosen
            .iter()
            .zip(snapshots)
            .map(|((label, env, _), snapshot)| Column {
                label: label.clone(),
                env,
                snapshot,
            })
            .collect();
        Ok(Matrix::compute(
            &columns,
            MatrixOptions {
                group_numbered: &inputs.group_numbered,
                rules: &inputs.rules,
                ignores: &inputs.ignores,
                exceptions: &inputs.exceptions,
                today,
            },
        )?)
    }

    /// The comparison of `matrix`, computed from this plan over `snapshots` (`None`: not
    /// loaded yet, see [`Comparison::load_snapshots`]).
    pub(crate) fn comparison(
        self,
        snapshots: Option<Vec<Snapshot>>,
        matrix: Matrix,
        inputs: Inputs,
        today: NaiveDate,
    ) -> Comparison {
        let pending = snapshots
            .is_none()
            .then(|| self.chosen.iter().map(|(_, _, info)| info.id).collect());
        Comparison {
            environments: self.chosen.into_iter().map(|(_, env, _)| env).collect(),
            snapshots: snapshots.unwrap_or_default(),
            matrix: Arc::new(matrix),
            skipped: self.skipped,
            hints: HintSettings {
                reference: inputs.reference,
                service_tag: inputs.service_tag,
                exceptions: inputs.exceptions,
                today: Some(today),
            },
            pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_specs() {
        assert_eq!(
            parse_spec("prod").unwrap(),
            ("prod".into(), Selector::Latest)
        );
        assert_eq!(
            parse_spec("prod@12").unwrap(),
            ("prod".into(), Selector::Id(12))
        );
        assert_eq!(
            parse_spec("prod@2026-11-20").unwrap(),
            (
                "prod".into(),
                Selector::OnOrBefore(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
            )
        );
        assert!(parse_spec("prod@yesterday")
            .unwrap_err()
            .message
            .contains("prod@yesterday"));
    }

    /// The streamed diff JSON is the document's JSON byte for byte, with hints, whole or
    /// filtered (an index past the end is left out by both).
    #[test]
    fn streamed_json_is_the_documents_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::Utc::now();
        let ws = Workspace::open(
            &dir.path().join("demo.sqlite"),
            crate::DbOpenMode::CreateIfMissing,
            now,
        )
        .unwrap();
        ws.load_demo(now).unwrap();
        let cmp = ws.compare(&[], now.date_naive()).unwrap();
        let failing: Vec<usize> = (0..cmp.matrix.rows.len())
            .filter(|&i| cmp.matrix.rows[i].status.is_failure())
            .chain([usize::MAX])
            .collect();
        assert!(failing.len() > 2);
        for keep in [None, Some(&failing[..]), Some(&[][..])] {
            let mut streamed = Vec::new();
            cmp.write_json(now, keep, &mut streamed).unwrap();
            let doc = cmp.document(now, keep);
            assert!(doc.rows.iter().any(|r| !r.hint.is_empty()) || keep == Some(&[]));
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                parity_report::json(&doc)
            );
        }
    }
}

//! The matrix as a screen shows it: a cached comparison that answers filtered, paged queries and
//! row details, so a front end (the desktop app) receives only the visible slice. Filtering runs
//! here, in Rust, over every row; the last query's result is kept so paging through it is cheap.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use parity_core::matrix::{Pairing, RowFilter};
use parity_core::{Category, ExceptionRule, Row, Status};
use serde_json::Value;

use crate::compare::Comparison;
use crate::error::{AppError, AppResult};

/// What the matrix screen asks for. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewQuery {
    pub statuses: Vec<Status>,
    pub categories: Vec<Category>,
    /// Globs on the kind (`ec2.*`).
    pub kinds: Vec<String>,
    /// Only rows where this pair of columns (labels) was compared; statuses then apply to the pair.
    pub pair: Option<(String, String)>,
    /// Case-insensitive substring of the key, attribute or any raw value.
    pub search: Option<String>,
    /// Only resources carrying this tag (`Key` or `Key=Value`) in at least one column.
    pub tag: Option<String>,
    /// Only rows that fail the CI gate: drift, missing, violated, expired (of the pair, if any).
    pub unexplained_only: bool,
}

/// One page of filtered rows: indices into `Matrix::rows`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewPage {
    /// Rows matching the query, over all pages.
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<usize>,
}

/// Everything the detail panel shows about one row.
#[derive(Debug, Clone)]
pub struct RowDetail<'a> {
    pub index: usize,
    pub row: &'a Row,
    /// Why each column's resources got this key, by column.
    pub pairings: Vec<Pairing>,
    /// When each column's snapshot was taken.
    pub taken_at: Vec<DateTime<Utc>>,
    /// The exceptions covering the row (full rules).
    pub exceptions: Vec<ExceptionRule>,
}

/// A comparison with per-resource tags indexed, and the result of the last query.
#[derive(Debug)]
pub struct MatrixView {
    comparison: Comparison,
    exceptions: Vec<ExceptionRule>,
    /// Logical key → `Key=Value` tags of its resources in any column.
    tags: HashMap<String, BTreeSet<String>>,
    tag_keys: Vec<String>,
    kinds: Vec<String>,
    last: Option<(ViewQuery, Vec<usize>)>,
}

impl MatrixView {
    /// Indexes `comparison`; `exceptions` are the workspace's (for the detail panel).
    pub fn new(comparison: Comparison, exceptions: Vec<ExceptionRule>) -> MatrixView {
        // A resource's tags are its `tags.<Key>` rows (ignored tags are not indexed).
        let mut tags: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut tag_keys: BTreeSet<String> = BTreeSet::new();
        for row in &comparison.matrix.rows {
            let Some(tag) = row.attribute.strip_prefix("tags.") else {
                continue;
            };
            let mut values: Vec<&str> = Vec::new();
            for raw in &row.raw {
                match raw {
                    Value::String(v) => values.push(v),
                    Value::Array(items) => values.extend(items.iter().filter_map(Value::as_str)),
                    _ => {}
                }
            }
            if values.is_empty() {
                continue;
            }
            if !tag_keys.contains(tag) {
                tag_keys.insert(tag.to_string());
            }
            let set = tags.entry(row.key.to_string()).or_default();
            for v in values {
                set.insert(format!("{tag}={v}"));
            }
        }
        let kinds: BTreeSet<String> = comparison
            .matrix
            .rows
            .iter()
            .map(|r| r.kind.to_string())
            .collect();
        MatrixView {
            comparison,
            exceptions,
            tags,
            tag_keys: tag_keys.into_iter().collect(),
            kinds: kinds.into_iter().collect(),
            last: None,
        }
    }

    pub fn comparison(&self) -> &Comparison {
        &self.comparison
    }

    /// The kinds present in the matrix, sorted.
    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }

    /// The tag keys seen on any compared resource, sorted.
    pub fn tag_keys(&self) -> &[String] {
        &self.tag_keys
    }

    /// Every row index matching `query`, in matrix order (grouped by kind and resource).
    pub fn matching(&self, query: &ViewQuery) -> AppResult<Vec<usize>> {
        let pair = match &query.pair {
            None => None,
            Some((a, b)) => Some(self.comparison.row_filter(&crate::compare::FilterSpec {
                pair: Some(format!("{a},{b}")),
                ..Default::default()
            })?),
        }
        .and_then(|f| f.pair);
        let filter = RowFilter {
            statuses: query.statuses.clone(),
            categories: query.categories.clone(),
            kinds: query.kinds.clone(),
            pair,
            search: query
                .search
                .as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        };
        let compiled = filter.compile()?;
        let tag = query
            .tag
            .as_ref()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| match t.split_once('=') {
                Some((k, v)) => (format!("{}=", k.trim()), Some(v.trim().to_string())),
                None => (format!("{t}="), None),
            });
        let rows = &self.comparison.matrix.rows;
        Ok((0..rows.len())
            .filter(|&i| {
                let row = &rows[i];
                if query.unexplained_only {
                    let status = match pair {
                        Some((a, b)) => row.pair_status(a, b),
                        None => Some(row.status),
                    };
                    if !status.is_some_and(Status::is_failure) {
                        return false;
                    }
                }
                if let Some((prefix, value)) = &tag {
                    let Some(set) = self.tags.get(&*row.key) else {
                        return false;
                    };
                    let hit = set.iter().any(|t| match value {
                        Some(v) => t.strip_prefix(prefix.as_str()) == Some(v.as_str()),
                        None => t.starts_with(prefix.as_str()),
                    });
                    if !hit {
                        return false;
                    }
                }
                compiled.matches(row)
            })
            .collect())
    }

    /// One page of the rows matching `query`; the full match list is cached until the query
    /// changes, so scrolling costs only the page.
    pub fn page(&mut self, query: &ViewQuery, offset: usize, limit: usize) -> AppResult<ViewPage> {
        let cached = matches!(&self.last, Some((q, _)) if q == query);
        if !cached {
            let rows = self.matching(query)?;
            self.last = Some((query.clone(), rows));
        }
        let rows = self.last.as_ref().map(|(_, r)| r.as_slice()).unwrap_or(&[]);
        let start = offset.min(rows.len());
        let end = start.saturating_add(limit).min(rows.len());
        Ok(ViewPage {
            total: rows.len(),
            offset: start,
            rows: rows[start..end].to_vec(),
        })
    }

    pub fn row(&self, index: usize) -> AppResult<&Row> {
        self.comparison.matrix.rows.get(index).ok_or_else(|| {
            AppError::not_found(format!(
                "no matrix row {index} (the matrix changed; reload it)"
            ))
        })
    }

    /// The detail panel's content for row `index`.
    pub fn detail(&self, index: usize) -> AppResult<RowDetail<'_>> {
        let row = self.row(index)?;
        let matrix = &self.comparison.matrix;
        let pairings = matrix.pairings(&row.key, &self.comparison.snapshot_refs());
        Ok(RowDetail {
            index,
            row,
            pairings,
            taken_at: self
                .comparison
                .snapshots
                .iter()
                .map(|s| s.taken_at)
                .collect(),
            exceptions: self
                .exceptions
                .iter()
                .filter(|e| row.exceptions.contains(&e.effective_id()))
                .cloned()
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Workspace;
    use chrono::TimeZone;
    use parity_store::OpenMode;

    fn demo_view() -> (tempfile::TempDir, MatrixView) {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let ws =
            Workspace::open(&dir.path().join("w.sqlite"), OpenMode::CreateIfMissing, now).unwrap();
        ws.load_demo(now).unwrap();
        let cmp = ws.compare(&[], now.date_naive()).unwrap();
        let exceptions = ws.store().exceptions().unwrap();
        (dir, MatrixView::new(cmp, exceptions))
    }

    #[test]
    fn unexplained_only_keeps_failing_rows_and_pages_them() {
        let (_dir, mut view) = demo_view();
        let all = view.matching(&ViewQuery::default()).unwrap();
        assert_eq!(all.len(), view.comparison().matrix.rows.len());
        let query = ViewQuery {
            unexplained_only: true,
            ..Default::default()
        };
        let failing = view.matching(&query).unwrap();
        assert!(!failing.is_empty() && failing.len() < all.len());
        for &i in &failing {
            assert!(view.row(i).unwrap().status.is_failure());
        }
        let page = view.page(&query, 2, 3).unwrap();
        assert_eq!(page.total, failing.len());
        assert_eq!(page.rows, failing[2..5.min(failing.len())].to_vec());
        let beyond = view.page(&query, 10_000, 50).unwrap();
        assert!(beyond.rows.is_empty());
    }

    #[test]
    fn pair_search_and_tag_filters() {
        let (_dir, view) = demo_view();
        let q = ViewQuery {
            pair: Some(("staging".into(), "prod".into())),
            unexplained_only: true,
            ..Default::default()
        };
        let rows = view.matching(&q).unwrap();
        let (a, b) = (
            view.comparison().matrix.column("staging").unwrap(),
            view.comparison().matrix.column("prod").unwrap(),
        );
        for &i in &rows {
            assert!(view.row(i).unwrap().pair_status(a, b).unwrap().is_failure());
        }
        let bad_pair = ViewQuery {
            pair: Some(("staging".into(), "nope".into())),
            ..Default::default()
        };
        assert!(view.matching(&bad_pair).is_err());

        let search = ViewQuery {
            search: Some("INSTANCE_TYPE".into()),
            ..Default::default()
        };
        assert!(view.matching(&search).unwrap().iter().all(|&i| view
            .row(i)
            .unwrap()
            .attribute
            .contains("instance_type")
            || view.row(i).unwrap().key.contains("instance_type")));

        if let Some(key) = view.tag_keys().first().cloned() {
            let tagged = view
                .matching(&ViewQuery {
                    tag: Some(key),
                    ..Default::default()
                })
                .unwrap();
            assert!(!tagged.is_empty());
        }
        let none = view
            .matching(&ViewQuery {
                tag: Some("NoSuchTag=x".into()),
                ..Default::default()
            })
            .unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn detail_explains_pairing_and_covering_exceptions() {
        let (_dir, view) = demo_view();
        let rows = &view.comparison().matrix.rows;
        let covered = (0..rows.len())
            .find(|&i| !rows[i].exceptions.is_empty())
            .expect("the demo has covered rows");
        let detail = view.detail(covered).unwrap();
        assert!(!detail.pairings.is_empty());
        assert_eq!(detail.taken_at.len(), view.comparison().matrix.labels.len());
        assert!(!detail.exceptions.is_empty());
        assert!(view.detail(usize::MAX).is_err());
    }
}

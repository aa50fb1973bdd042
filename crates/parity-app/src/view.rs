//! The matrix as a screen shows it: a cached comparison that answers filtered, paged queries and
//! row details, so a front end (the desktop app) receives only the visible slice. Filtering runs
//! here, in Rust, over every row; the last query's result is kept so paging through it is cheap.

use chrono::{DateTime, Utc};
use parity_core::matrix::Pairing;
use parity_core::{ExceptionRule, Row};

use crate::compare::Comparison;
use crate::error::{AppError, AppResult};
pub use crate::query::RowQuery;
use crate::query::{RowFacets, TagIndex};

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
    tags: TagIndex,
    facets: RowFacets,
    kinds: Vec<String>,
    last: Option<(RowQuery, Vec<usize>)>,
}

impl MatrixView {
    /// Indexes `comparison`; `exceptions` are the workspace's (for the detail panel).
    pub fn new(comparison: Comparison, exceptions: Vec<ExceptionRule>) -> MatrixView {
        let facets = RowFacets::new(&comparison.matrix);
        let mut kinds = facets.kinds().to_vec();
        kinds.sort_unstable();
        MatrixView {
            tags: TagIndex::new(&comparison.matrix),
            facets,
            comparison,
            exceptions,
            kinds,
            last: None,
        }
    }

    /// The comparison. Its snapshots are loaded unless the matrix came from the matrix cache
    /// and [`MatrixView::load_snapshots`] has not run yet ([`Comparison::snapshots_loaded`]).
    pub fn comparison(&self) -> &Comparison {
        &self.comparison
    }

    /// Loads the comparison's snapshots if they are not loaded yet.
    pub fn load_snapshots(&mut self, workspace: &crate::Workspace) -> AppResult<()> {
        self.comparison.load_snapshots(workspace)
    }

    /// The kinds present in the matrix, sorted.
    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }

    /// The tag keys seen on any compared resource, sorted.
    pub fn tag_keys(&self) -> &[String] {
        self.tags.keys()
    }

    /// Every row index matching `query`, in matrix order (grouped by kind and resource).
    pub fn matching(&self, query: &RowQuery) -> AppResult<Vec<usize>> {
        let mut rows = Vec::new();
        self.matching_into(query, &mut rows)?;
        Ok(rows)
    }

    /// [`MatrixView::matching`] into `out`, whose allocation is reused (see
    /// [`Comparison::matching_into`]).
    fn matching_into(&self, query: &RowQuery, out: &mut Vec<usize>) -> AppResult<()> {
        self.comparison
            .matching_into(query, Some(&self.tags), Some(&self.facets), out)
    }

    /// One page of the rows matching `query`; the full match list is cached until the query
    /// changes, so scrolling costs only the page.
    pub fn page(&mut self, query: &RowQuery, offset: usize, limit: usize) -> AppResult<ViewPage> {
        let cached = matches!(&self.last, Some((q, _)) if q == query);
        if !cached {
            // the previous list's allocation is reused; on an error the view keeps no result
            let mut rows = self.last.take().map(|(_, r)| r).unwrap_or_default();
            self.matching_into(query, &mut rows)?;
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
    use parity_core::{Category, Status};
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
        let all = view.matching(&RowQuery::default()).unwrap();
        assert_eq!(all.len(), view.comparison().matrix.rows.len());
        let query = RowQuery {
            unexplained_only: true,
            ..Default::default()
        };
        let failing = view.matching(&query).unwrap();
        assert!(!failing.is_empty() && failing.len() < all.len());
        // listed in matrix order
        assert!(all.iter().copied().eq(0..all.len()));
        assert!(failing.windows(2).all(|w| w[0] < w[1]));
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
    fn each_query_pages_its_own_rows_however_the_previous_list_is_reused() {
        let (_dir, mut view) = demo_view();
        let every = RowQuery::default();
        let failing = RowQuery {
            unexplained_only: true,
            ..Default::default()
        };
        // a search reads the rows (the parallel scan), the others the facets
        let searched = RowQuery {
            search: Some("prod".into()),
            ..Default::default()
        };
        let expected: Vec<(RowQuery, Vec<usize>)> = [&every, &failing, &searched]
            .map(|q| (q.clone(), view.matching(q).unwrap()))
            .into();
        assert!(expected[1].1.len() < expected[0].1.len() && !expected[2].1.is_empty());
        // long after short, short after long, and each kind of scan after the other
        for i in [0, 1, 0, 2, 1, 2, 0, 1] {
            let (query, rows) = &expected[i];
            let page = view.page(query, 0, usize::MAX).unwrap();
            assert_eq!((page.total, &page.rows), (rows.len(), rows), "query {i}");
        }
        // a bad query is refused and the next page is still right
        let bad = RowQuery {
            pair: Some(("prod".into(), "prod".into())),
            ..Default::default()
        };
        assert!(view.page(&bad, 0, 10).is_err());
        let page = view.page(&failing, 0, usize::MAX).unwrap();
        assert_eq!(page.rows, expected[1].1);
    }

    #[test]
    fn queries_on_the_facets_keep_the_rows_the_row_scan_keeps() {
        let (_dir, view) = demo_view();
        let facets = &view.facets;
        let cmp = view.comparison();
        let kinds = view.kinds().to_vec();
        assert!(kinds.len() > 5, "{kinds:?}");
        let mut checked = 0;
        for unexplained_only in [false, true] {
            for statuses in [
                vec![],
                vec![Status::Drift],
                vec![Status::Same, Status::Missing],
            ] {
                for categories in [vec![], vec![Category::Size], vec![Category::Security]] {
                    for kind in [
                        vec![],
                        vec![kinds[0].clone()],
                        vec![kinds[kinds.len() / 2].clone(), "rds.*".to_string()],
                        vec!["ec2.*".to_string()],
                    ] {
                        let query = RowQuery {
                            statuses: statuses.clone(),
                            categories: categories.clone(),
                            kinds: kind,
                            unexplained_only,
                            ..Default::default()
                        };
                        let fast = cmp.matching(&query, None, Some(facets)).unwrap();
                        let scanned = cmp.matching(&query, None, None).unwrap();
                        assert_eq!(fast, scanned, "{query:?}");
                        checked += usize::from(!scanned.is_empty());
                    }
                }
            }
        }
        assert!(checked > 20, "only {checked} queries kept rows");
    }

    #[test]
    fn pair_search_and_tag_filters() {
        let (_dir, view) = demo_view();
        let q = RowQuery {
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
        let bad_pair = RowQuery {
            pair: Some(("staging".into(), "nope".into())),
            ..Default::default()
        };
        assert!(view.matching(&bad_pair).is_err());

        let search = RowQuery {
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
                .matching(&RowQuery {
                    tag: Some(key),
                    ..Default::default()
                })
                .unwrap();
            assert!(!tagged.is_empty());
        }
        let none = view
            .matching(&RowQuery {
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

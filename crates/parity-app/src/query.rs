//! The one row query of both faces: which matrix rows the CLI's `diff` and the desktop's matrix
//! show (statuses, categories, kind globs, a pair of columns, a search text, a tag, unexplained
//! only). Names typed by a user are parsed here once; the core's `RowFilter` does the per-row
//! matching, the tag index answers `--tag`.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use parity_core::matrix::RowFilter;
use parity_core::name::{text_addr, TextIds};
use parity_core::{Category, Matrix, Status};
use rayon::prelude::*;
use serde_json::Value;

use crate::compare::Comparison;
use crate::error::{AppError, AppResult};

/// Which rows to keep. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowQuery {
    pub statuses: Vec<Status>,
    pub categories: Vec<Category>,
    /// Globs on the kind (`ec2.*`); plain names compare as strings.
    pub kinds: Vec<String>,
    /// Only rows where this pair of columns (labels) was compared; statuses then apply to the pair.
    pub pair: Option<(String, String)>,
    /// Case-insensitive substring of the key, attribute or any value.
    pub search: Option<String>,
    /// Only resources carrying this tag (`Key` or `Key=Value`) in at least one column.
    pub tag: Option<String>,
    /// Only rows that fail the CI gate: drift, missing, violated, expired (of the pair, if any).
    pub unexplained_only: bool,
}

/// Parses names of an engine enum (`drift`, `security`, …); errors name `what` (the flag or
/// field).
fn parse_names<T: FromStr<Err = String>>(names: &[String], what: &str) -> AppResult<Vec<T>> {
    names
        .iter()
        .map(|s| {
            s.trim()
                .parse::<T>()
                .map_err(|e| AppError::bad_input(format!("{what}: {e}")))
        })
        .collect()
}

/// Parses status names (`drift`, `same`, …).
pub fn parse_statuses(names: &[String], what: &str) -> AppResult<Vec<Status>> {
    parse_names(names, what)
}

/// Parses category names (`size`, `security`, …).
pub fn parse_categories(names: &[String], what: &str) -> AppResult<Vec<Category>> {
    parse_names(names, what)
}

/// Parses `A,B` (two column labels).
pub fn parse_pair(text: &str, what: &str) -> AppResult<(String, String)> {
    let (a, b) = text.split_once(',').ok_or_else(|| {
        AppError::bad_input(format!("{what} `{text}`: expected two environments as A,B"))
    })?;
    Ok((a.trim().to_string(), b.trim().to_string()))
}

/// What the common filters read of each row — its kind, category and status — in eight bytes, so
/// that a filter on them alone scans a few megabytes instead of every row (a row takes 192
/// bytes: at 3 × 100,000 resources, 1.5 M rows hold 288 MB, and a screen waits for each filter).
#[derive(Debug, Clone, Default)]
pub struct RowFacets {
    /// The distinct kinds, in the order of their first row.
    kinds: Vec<String>,
    /// Per row, index-aligned with `Matrix::rows`.
    rows: Vec<Facet>,
}

#[derive(Debug, Clone, Copy)]
struct Facet {
    /// Index into `RowFacets::kinds`.
    kind: u32,
    category: Category,
    status: Status,
}

impl RowFacets {
    /// The facets of every row of `matrix`.
    pub fn new(matrix: &Matrix) -> RowFacets {
        // rows share their kind's text: most lookups hash its address
        let mut ids = TextIds::default();
        let rows = matrix
            .rows
            .iter()
            .map(|r| Facet {
                kind: ids.id_at(text_addr(&r.kind), &r.kind),
                category: r.category,
                status: r.status,
            })
            .collect();
        RowFacets {
            kinds: ids.list().iter().map(|k| k.to_string()).collect(),
            rows,
        }
    }

    /// The distinct kinds of the rows, in the order of their first row.
    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }
}

/// Logical key → the `Key=Value` tags of its resources in any column, and every tag key seen.
#[derive(Debug, Clone, Default)]
pub struct TagIndex {
    /// Keyed by the rows' shared key strings (no copy per row).
    tags: HashMap<Arc<str>, BTreeSet<String>>,
    keys: Vec<String>,
}

impl TagIndex {
    /// Indexes a matrix's `tags.<Key>` rows (ignored tags have no rows, so are not indexed).
    /// Built once per matrix (a large one has hundreds of thousands of tag rows): a value is
    /// formatted only when the resource's set lacks it.
    pub fn new(matrix: &Matrix) -> TagIndex {
        let mut tags: HashMap<Arc<str>, BTreeSet<String>> = HashMap::new();
        let mut keys: BTreeSet<&str> = BTreeSet::new();
        let mut entry = String::new();
        for row in &matrix.rows {
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
            keys.insert(tag);
            let set = match tags.get_mut(&*row.key) {
                Some(set) => set,
                None => tags.entry(row.key.clone()).or_default(),
            };
            for v in values {
                entry.clear();
                entry.push_str(tag);
                entry.push('=');
                entry.push_str(v);
                if !set.contains(entry.as_str()) {
                    set.insert(entry.clone());
                }
            }
        }
        TagIndex {
            tags,
            keys: keys.into_iter().map(str::to_string).collect(),
        }
    }

    /// The tag keys seen on any compared resource, sorted.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// Whether the resource with logical key `key` carries `tag` (`Key` or `Key=Value`).
    fn has(&self, key: &str, tag: &(String, Option<String>)) -> bool {
        let Some(set) = self.tags.get(key) else {
            return false;
        };
        let (prefix, value) = tag;
        set.iter().any(|t| match value {
            Some(v) => t.strip_prefix(prefix.as_str()) == Some(v.as_str()),
            None => t.starts_with(prefix.as_str()),
        })
    }
}

impl Comparison {
    /// Resolves a pair of labels to column indices; errors name both and the known columns.
    pub fn pair_columns(&self, (a, b): &(String, String)) -> AppResult<(usize, usize)> {
        let shown = format!("{a},{b}");
        let find = |l: &str| {
            self.matrix.column(l.trim()).ok_or_else(|| {
                AppError::bad_input(format!(
                    "pair `{shown}`: `{}` is not one of the compared columns ({})",
                    l.trim(),
                    self.matrix.labels.join(", ")
                ))
            })
        };
        let (a, b) = (find(a)?, find(b)?);
        if a == b {
            return Err(AppError::bad_input(format!(
                "pair `{shown}`: name two different environments"
            )));
        }
        Ok((a, b))
    }

    /// Every row index matching `query`, in matrix order. `tags` is this comparison's tag index
    /// (built once by a screen; built here when `None` and the query names a tag); `facets`,
    /// when given, are its rows' [`RowFacets`], which answer a query on statuses, categories,
    /// kinds and unexplained-only alone.
    pub fn matching(
        &self,
        query: &RowQuery,
        tags: Option<&TagIndex>,
        facets: Option<&RowFacets>,
    ) -> AppResult<Vec<usize>> {
        let mut rows = Vec::new();
        self.matching_into(query, tags, facets, &mut rows)?;
        Ok(rows)
    }

    /// [`Comparison::matching`] into `out` (cleared first; unchanged on an error). A screen passes
    /// the previous query's list: on a large matrix (1.5 M rows, a 12 MB list) allocating a fresh
    /// one and faulting in its pages costs as much as the facet scan that fills it.
    /// On the facets, one pass in order fills `out` in place, on one core (about 2 ms for
    /// 1.5 M rows; two cores gained nothing measurable there, and the desktop's other core is
    /// painting); rows themselves are tested in parallel (a search or a pair reads each row's
    /// values), then moved into `out`.
    pub fn matching_into(
        &self,
        query: &RowQuery,
        tags: Option<&TagIndex>,
        facets: Option<&RowFacets>,
        out: &mut Vec<usize>,
    ) -> AppResult<()> {
        let pair = query
            .pair
            .as_ref()
            .map(|p| self.pair_columns(p))
            .transpose()?;
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
        if let Some(facets) = facets.filter(|f| {
            f.rows.len() == self.matrix.rows.len() && !compiled.needs_row() && tag.is_none()
        }) {
            let kind_ok: Vec<bool> = facets
                .kinds
                .iter()
                .map(|k| compiled.kind_matches(k))
                .collect();
            out.clear();
            // room for every row up front (pages are faulted in only as they are written): a
            // list growing by doubling would copy itself on the way
            out.reserve(facets.rows.len());
            out.extend(facets.rows.iter().enumerate().filter_map(|(i, f)| {
                ((!query.unexplained_only || f.status.is_failure())
                    && compiled.matches_facets(f.status, f.category, || kind_ok[f.kind as usize]))
                .then_some(i)
            }));
            return Ok(());
        }
        let built;
        let tags = match (tags, &tag) {
            (Some(t), _) => t,
            (None, Some(_)) => {
                built = TagIndex::new(&self.matrix);
                &built
            }
            (None, None) => {
                built = TagIndex::default();
                &built
            }
        };
        let rows = &self.matrix.rows;
        *out = (0..rows.len())
            .into_par_iter()
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
                if let Some(t) = &tag {
                    if !tags.has(&row.key, t) {
                        return false;
                    }
                }
                compiled.matches(row)
            })
            .collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_parsed_with_the_input_named() {
        assert_eq!(
            parse_statuses(&["drift".into(), " same".into()], "--status").unwrap(),
            vec![Status::Drift, Status::Same]
        );
        let err = parse_statuses(&["drifted".into()], "--status").unwrap_err();
        assert!(err.message.starts_with("--status: "), "{}", err.message);
        assert!(parse_categories(&["colour".into()], "--category")
            .unwrap_err()
            .message
            .contains("--category"));
        assert_eq!(
            parse_pair("staging, prod", "--pair").unwrap(),
            ("staging".into(), "prod".into())
        );
        assert!(parse_pair("staging", "--pair")
            .unwrap_err()
            .message
            .contains("--pair `staging`"));
    }
}

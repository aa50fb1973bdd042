//! Row filtering: which rows of a computed matrix to show ([`RowFilter`]: statuses, categories,
//! kinds, a pair of columns, a search text), compiled once into a [`CompiledFilter`].

use globset::GlobMatcher;

use super::types::Row;
use crate::exception::glob;
use crate::model::Category;
use crate::status::Status;
use crate::CoreError;

/// Which rows to keep (all conditions must hold; empty lists mean "any").
#[derive(Debug, Clone, Default)]
pub struct RowFilter {
    pub statuses: Vec<Status>,
    pub categories: Vec<Category>,
    /// Globs on the kind (`ec2.*`).
    pub kinds: Vec<String>,
    /// Only rows where this pair of columns was compared (and, with `statuses`, has one of them).
    pub pair: Option<(usize, usize)>,
    /// Case-insensitive substring of the key, attribute or any value.
    pub search: Option<String>,
}

impl RowFilter {
    pub fn compile(&self) -> Result<CompiledFilter<'_>, CoreError> {
        Ok(CompiledFilter {
            filter: self,
            kinds: self
                .kinds
                .iter()
                .map(|k| KindPattern::new(k))
                .collect::<Result<_, _>>()?,
            search: self.search.as_ref().map(|s| s.to_lowercase()),
        })
    }
}

/// A kind filter: a plain kind name is compared as a string (a glob match per row would cost
/// tens of milliseconds over a 300,000-row matrix); one with glob syntax is a glob.
#[derive(Debug)]
enum KindPattern {
    Exact(String),
    Glob(GlobMatcher),
}

impl KindPattern {
    fn new(pattern: &str) -> Result<KindPattern, CoreError> {
        if pattern.contains(['*', '?', '[', ']', '{', '}', '\\']) {
            glob(pattern).map(KindPattern::Glob)
        } else {
            Ok(KindPattern::Exact(pattern.to_string()))
        }
    }

    fn matches(&self, kind: &str) -> bool {
        match self {
            KindPattern::Exact(k) => k == kind,
            KindPattern::Glob(g) => g.is_match(kind),
        }
    }
}

/// A filter with its globs compiled.
#[derive(Debug)]
pub struct CompiledFilter<'a> {
    filter: &'a RowFilter,
    kinds: Vec<KindPattern>,
    search: Option<String>,
}

impl CompiledFilter<'_> {
    /// Whether a row of this kind passes the kind condition (any kind when there is none).
    pub fn kind_matches(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k.matches(kind))
    }

    /// Whether the filter reads more of a row than its status, category and kind: a pair of
    /// columns or a search. Without, [`CompiledFilter::matches_facets`] decides alone.
    pub fn needs_row(&self) -> bool {
        self.filter.pair.is_some() || self.search.is_some()
    }

    /// The status, category and kind conditions for a row of this status (the pair's, with a
    /// pair), category, and kind (`kind_ok` says whether [`CompiledFilter::kind_matches`] it;
    /// asked last).
    pub fn matches_facets(
        &self,
        status: Status,
        category: Category,
        kind_ok: impl FnOnce() -> bool,
    ) -> bool {
        let f = self.filter;
        (f.statuses.is_empty() || f.statuses.contains(&status))
            && (f.categories.is_empty() || f.categories.contains(&category))
            && kind_ok()
    }

    pub fn matches(&self, row: &Row) -> bool {
        let status = match self.filter.pair {
            Some((a, b)) => match row.pair_status(a, b) {
                Some(s) => s,
                None => return false,
            },
            None => row.status,
        };
        if !self.matches_facets(status, row.category, || self.kind_matches(&row.kind)) {
            return false;
        }
        if let Some(needle) = &self.search {
            let hit = row.key.to_lowercase().contains(needle)
                || row.attribute.to_lowercase().contains(needle)
                || row.raw.iter().any(|v| {
                    crate::normalize::canonical(v)
                        .to_lowercase()
                        .contains(needle)
                });
            if !hit {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::KindPattern;

    #[test]
    fn kind_filters_are_exact_names_or_globs() {
        let exact = KindPattern::new("ec2.instance").unwrap();
        assert!(matches!(exact, KindPattern::Exact(_)));
        assert!(exact.matches("ec2.instance"));
        assert!(!exact.matches("ec2.instances"));
        assert!(!exact.matches("ec2"));
        let glob = KindPattern::new("ec2.*").unwrap();
        assert!(matches!(glob, KindPattern::Glob(_)));
        assert!(glob.matches("ec2.instance") && glob.matches("ec2.vpc"));
        assert!(!glob.matches("rds.db_instance"));
        assert!(KindPattern::new("ec2.[").is_err());
    }
}

//! Building the matrix: compiles the options, prepares every column (logical keys, resources
//! grouped by key, children counted per parent, every name interned once), computes each key's
//! rows in parallel, then scores every pair of columns.

use std::collections::BTreeSet;
use std::sync::Arc;

use globset::GlobMatcher;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::rows::{KeyRows, Shared, SpecCache};
use super::types::{AmbiguousKey, Column, Matrix, MatrixOptions, PairScore, Row};
use crate::exception::{glob, CompiledException};
use crate::identity::{key_snapshot_with, CompiledRule, KeyedSnapshot, TokenSet};
use crate::normalize::EnvContext;
use crate::workspace::GroupNumbered;
use crate::CoreError;

/// Attribute names every kind may have besides its own.
const KIND_INDEPENDENT_ATTRIBUTES: [&str; 3] = ["exists", "count", super::rows::ZONE_SPREAD];

/// An `[[ignore]]` rule with its globs compiled.
pub(super) struct CompiledIgnore {
    pub kind: GlobMatcher,
    pub attribute: GlobMatcher,
}

/// Shared strings: keys, kinds and attribute names are allocated once per computation.
#[derive(Default)]
pub(super) struct Interner {
    pub strings: FxHashMap<Box<str>, Arc<str>>,
    /// tag key → `tags.<key>`
    pub tags: FxHashMap<Box<str>, Arc<str>>,
    /// child kind → `children.<kind>`
    pub children: FxHashMap<Box<str>, Arc<str>>,
}

impl Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(s.into(), a.clone());
        a
    }

    fn tag(&mut self, key: &str) {
        if !self.tags.contains_key(key) {
            let a: Arc<str> = Arc::from(format!("tags.{key}").as_str());
            self.tags.insert(key.into(), a);
        }
    }

    fn child(&mut self, kind: &str) {
        if !self.children.contains_key(kind) {
            let a: Arc<str> = Arc::from(format!("children.{kind}").as_str());
            self.children.insert(kind.into(), a);
        }
    }

    /// A string interned in phase 1 (or a fresh one, which cannot happen for known names).
    pub(super) fn get_existing(&self, s: &str) -> Arc<str> {
        self.strings.get(s).cloned().unwrap_or_else(|| Arc::from(s))
    }
}

/// One column with its resources keyed and grouped.
pub(super) struct PreparedColumn<'a> {
    pub column: &'a Column<'a>,
    pub keyed: KeyedSnapshot,
    /// key → indices of the column's resources holding it
    pub groups: FxHashMap<Arc<str>, SmallVec<[usize; 1]>>,
    /// parent resource index → (child kind, number of children)
    pub children: FxHashMap<usize, Vec<(Arc<str>, i64)>>,
    /// VPC resource index → the distinct availability zones of its subnets
    pub subnet_zones: FxHashMap<usize, BTreeSet<&'a str>>,
}

impl<'a> PreparedColumn<'a> {
    /// Keys the column's resources, groups them by key, counts children per parent, and interns
    /// every key, attribute name, tag name and child kind.
    fn new(
        column: &'a Column<'a>,
        tokens: &TokenSet,
        rules: &[CompiledRule],
        group_numbered: &GroupNumbered,
        interner: &mut Interner,
    ) -> Self {
        let keyed = key_snapshot_with(
            column.snapshot,
            tokens,
            &column.env.effective_ssm_prefix(),
            rules,
            group_numbered,
        );
        let mut groups: FxHashMap<Arc<str>, SmallVec<[usize; 1]>> = FxHashMap::default();
        for (i, key) in keyed.keys.iter().enumerate() {
            groups.entry(interner.get(key)).or_default().push(i);
        }
        let mut children: FxHashMap<usize, Vec<(Arc<str>, i64)>> = FxHashMap::default();
        let mut subnet_zones: FxHashMap<usize, BTreeSet<&'a str>> = FxHashMap::default();
        let snapshot: &'a crate::model::Snapshot = column.snapshot;
        for r in &snapshot.resources {
            for a in r.attributes.keys() {
                interner.get(a);
            }
            for t in r.tags.keys() {
                interner.tag(t);
            }
            if let Some(parent) = r.parent.as_deref().and_then(|p| keyed.by_id.get(p)) {
                if r.kind == "ec2.subnet" {
                    if let Some(zone) = r
                        .attributes
                        .get("availability_zone")
                        .and_then(|z| z.as_str())
                    {
                        subnet_zones.entry(*parent).or_default().insert(zone);
                    }
                }
                let kinds = children.entry(*parent).or_default();
                match kinds.iter_mut().find(|(k, _)| **k == *r.kind) {
                    Some((_, count)) => *count += 1,
                    None => {
                        interner.child(&r.kind);
                        kinds.push((interner.get(&r.kind), 1));
                    }
                }
            }
        }
        PreparedColumn {
            column,
            keyed,
            groups,
            children,
            subnet_zones,
        }
    }
}

/// The options with their patterns compiled.
struct CompiledOptions<'o> {
    rules: Vec<CompiledRule>,
    ignores: Vec<CompiledIgnore>,
    /// Empty in a change view, where exceptions do not apply.
    exceptions: Vec<CompiledException<'o>>,
}

impl<'o> CompiledOptions<'o> {
    fn new(options: &MatrixOptions<'o>, change_view: bool) -> Result<Self, CoreError> {
        let rules: Vec<CompiledRule> = options
            .rules
            .iter()
            .map(CompiledRule::new)
            .collect::<Result<_, _>>()?;
        let ignores: Vec<CompiledIgnore> = options
            .ignores
            .iter()
            .map(|i| {
                Ok(CompiledIgnore {
                    kind: glob(&i.kind)?,
                    attribute: glob(&i.attribute)?,
                })
            })
            .collect::<Result<_, CoreError>>()?;
        let exceptions: Vec<CompiledException> = if change_view {
            Vec::new()
        } else {
            options
                .exceptions
                .iter()
                .map(CompiledException::new)
                .collect::<Result<_, _>>()?
        };
        Ok(CompiledOptions {
            rules,
            ignores,
            exceptions,
        })
    }
}

impl Matrix {
    /// Computes the matrix of `columns`.
    pub fn compute(
        columns: &[Column<'_>],
        options: MatrixOptions<'_>,
    ) -> Result<Matrix, CoreError> {
        let change_view = is_change_view(columns);
        let compiled = CompiledOptions::new(&options, change_view)?;

        // Phase 1 (sequential): keys, groups, children and every attribute name, interned once.
        let mut interner = Interner::default();
        let tokens: Vec<TokenSet> = columns.iter().map(|c| TokenSet::for_env(c.env)).collect();
        let prepared: Vec<PreparedColumn> = columns
            .iter()
            .zip(&tokens)
            .map(|(column, tokens)| {
                PreparedColumn::new(
                    column,
                    tokens,
                    &compiled.rules,
                    options.group_numbered,
                    &mut interner,
                )
            })
            .collect();
        for name in KIND_INDEPENDENT_ATTRIBUTES {
            interner.get(name);
        }
        let contexts: Vec<EnvContext> = prepared
            .iter()
            .zip(&tokens)
            .map(|(p, tokens)| EnvContext::new(p.column.snapshot, tokens, &p.keyed))
            .collect();

        // Phase 2 (parallel over keys): rows of each key.
        let shared = Shared {
            columns,
            prepared: &prepared,
            contexts: &contexts,
            interner: &interner,
            ignores: &compiled.ignores,
            exceptions: &compiled.exceptions,
            change_view,
            today: options.today,
        };
        let (rows, ambiguous) = all_rows(&shared, &all_keys(&prepared));

        let keys = resource_keys(&prepared, &interner);
        let explanations: Vec<Vec<String>> =
            prepared.into_iter().map(|p| p.keyed.explanations).collect();
        let scores = scores(columns.len(), &rows);
        // Exceptions apply to the finding even in a change view's absence of policy: a change
        // view compares one environment, so it never has a shared secret anyway.
        let all_exceptions: Vec<CompiledException> = options
            .exceptions
            .iter()
            .map(CompiledException::new)
            .collect::<Result<_, _>>()?;
        let shared_secrets =
            super::shared::shared_secrets(columns, &rows, &all_exceptions, options.today);
        Ok(Matrix {
            labels: columns.iter().map(|c| c.label.clone()).collect(),
            environments: columns.iter().map(|c| c.env.name.clone()).collect(),
            change_view,
            rows,
            keys,
            explanations,
            ambiguous,
            scores,
            shared_secrets,
        })
    }
}

/// All columns are snapshots of one environment.
fn is_change_view(columns: &[Column<'_>]) -> bool {
    columns.len() > 1 && columns.iter().all(|c| c.env.name == columns[0].env.name)
}

/// Every key of every column, in a stable order.
fn all_keys(prepared: &[PreparedColumn]) -> Vec<Arc<str>> {
    let mut all_keys: Vec<Arc<str>> = prepared
        .iter()
        .flat_map(|p| p.groups.keys().cloned())
        .collect();
    all_keys.sort_unstable();
    all_keys.dedup();
    all_keys
}

/// The rows and ambiguity warnings of every key, computed in parallel, in key order.
fn all_rows(shared: &Shared, keys: &[Arc<str>]) -> (Vec<Row>, Vec<AmbiguousKey>) {
    let outputs: Vec<KeyRows> = keys
        .par_iter()
        .map_init(SpecCache::default, |cache, key| shared.key_rows(key, cache))
        .collect();
    let mut rows = Vec::with_capacity(outputs.iter().map(|o| o.rows.len()).sum());
    let mut ambiguous = Vec::new();
    for o in outputs {
        rows.extend(o.rows);
        ambiguous.extend(o.ambiguous);
    }
    (rows, ambiguous)
}

/// Each column's resources' keys, as interned strings.
fn resource_keys(prepared: &[PreparedColumn], interner: &Interner) -> Vec<Vec<Arc<str>>> {
    prepared
        .iter()
        .map(|p| {
            p.keyed
                .keys
                .iter()
                .map(|k| interner.get_existing(k))
                .collect()
        })
        .collect()
}

/// The parity score of every pair of `n` columns over the pairs compared on `rows`.
fn scores(n: usize, rows: &[Row]) -> Vec<PairScore> {
    let mut scores = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            scores.push(PairScore {
                a,
                b,
                compared: 0,
                parity: 0,
            });
        }
    }
    for row in rows {
        for p in &row.pairs {
            let idx = pair_index(n, p.a, p.b);
            scores[idx].compared += 1;
            if p.status.is_parity() {
                scores[idx].parity += 1;
            }
        }
    }
    scores
}

fn pair_index(n: usize, a: usize, b: usize) -> usize {
    // index of (a, b), a < b, in the row-major enumeration of pairs
    a * (2 * n - a - 1) / 2 + (b - a - 1)
}

//! The environment matrix: rows are logical resources and their attributes, columns are
//! environments (or snapshots of one environment), and every pair of columns gets a status
//! (CONTRACTS.md "Statuses").

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use globset::GlobMatcher;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::Value;
use smallvec::SmallVec;

use crate::exception::{glob, CompiledException, ExceptionRule, ExceptionState};
use crate::identity::{key_snapshot, CompiledRule, KeyedSnapshot, TokenSet};
use crate::model::{Category, Snapshot};
use crate::normalize::{sort_dedup, EnvContext};
use crate::schema::{self, AttributeSpec};
use crate::status::Status;
use crate::workspace::{EnvironmentConfig, IgnoreRule, RewriteRule};
use crate::CoreError;

/// One column of the matrix: a label (`prod`, or `prod@12` in a change view), the environment's
/// configuration and the snapshot shown.
#[derive(Debug, Clone)]
pub struct Column<'a> {
    pub label: String,
    pub env: &'a EnvironmentConfig,
    pub snapshot: &'a Snapshot,
}

/// What the matrix is computed with besides the columns.
#[derive(Debug, Clone, Copy)]
pub struct MatrixOptions<'a> {
    pub rules: &'a [RewriteRule],
    pub ignores: &'a [IgnoreRule],
    pub exceptions: &'a [ExceptionRule],
    /// Today (UTC), for exception expiry.
    pub today: NaiveDate,
}

/// The status of one pair of columns on one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PairStatus {
    pub a: usize,
    pub b: usize,
    pub status: Status,
}

/// Per-column values of a row, inline for up to four columns (the common case: no allocation).
pub type Cells<T> = SmallVec<[T; 4]>;

/// One row: an attribute (or `exists` / `count`) of one logical resource across the columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: Arc<str>,
    pub key: Arc<str>,
    pub attribute: Arc<str>,
    pub category: Category,
    pub status: Status,
    /// Normalised values per column where normalisation changed the raw value (`None`: the
    /// normalised value is the raw one). Read them with [`Row::value`].
    pub normalized: Cells<Option<Value>>,
    /// Raw values per column.
    pub raw: Cells<Value>,
    /// Cell status per column; `None` where the column's source never produces this kind.
    pub cells: Cells<Option<Status>>,
    /// Every compared pair (including `same`).
    pub pairs: SmallVec<[PairStatus; 3]>,
    /// Ids of the exceptions covering any compared pair of this row.
    pub exceptions: Vec<String>,
}

impl Row {
    /// The normalised (compared) value of column `c` (`Null` where absent, unknown or not
    /// covered).
    pub fn value(&self, c: usize) -> &Value {
        self.normalized[c].as_ref().unwrap_or(&self.raw[c])
    }

    /// The normalised values of every column.
    pub fn values(&self) -> impl Iterator<Item = &Value> + '_ {
        (0..self.raw.len()).map(|c| self.value(c))
    }

    /// The status of pair (a, b), if that pair was compared on this row.
    pub fn pair_status(&self, a: usize, b: usize) -> Option<Status> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        self.pairs
            .iter()
            .find(|p| p.a == a && p.b == b)
            .map(|p| p.status)
    }
}

/// Why one resource of one column got its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pairing {
    pub column: usize,
    pub native_id: String,
    pub explanation: String,
}

/// A key that should be unique but holds several resources in one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmbiguousKey {
    pub key: String,
    pub column: usize,
    pub native_ids: Vec<String>,
}

/// Parity of one pair of columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairScore {
    pub a: usize,
    pub b: usize,
    pub compared: usize,
    pub parity: usize,
}

impl PairScore {
    /// (same + allowed + intentional) / rows compared; 1.0 when nothing was compared.
    pub fn score(&self) -> f64 {
        if self.compared == 0 {
            1.0
        } else {
            self.parity as f64 / self.compared as f64
        }
    }
}

/// The computed matrix.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub labels: Vec<String>,
    pub environments: Vec<String>,
    /// True when all columns are snapshots of one environment: statuses are only same, drift,
    /// missing (and unknown); policy and exceptions do not apply.
    pub change_view: bool,
    pub rows: Vec<Row>,
    /// Each column's resources' keys (index-aligned with its snapshot's resources).
    keys: Vec<Vec<Arc<str>>>,
    /// Why each resource got its key, index-aligned like `keys`.
    explanations: Vec<Vec<String>>,
    pub ambiguous: Vec<AmbiguousKey>,
    pub scores: Vec<PairScore>,
}

/// How a column stands on one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    NotCovered,
    Unknown,
    Absent,
    Present,
}

struct PreparedColumn<'a> {
    column: &'a Column<'a>,
    keyed: KeyedSnapshot,
    groups: FxHashMap<Arc<str>, SmallVec<[usize; 1]>>,
    /// parent resource index → (child kind, number of children)
    children: FxHashMap<usize, Vec<(Arc<str>, i64)>>,
}

/// Attribute names every kind may have besides its own.
const KIND_INDEPENDENT_ATTRIBUTES: [&str; 2] = ["exists", "count"];

/// Shared strings: keys, kinds and attribute names are allocated once per computation.
#[derive(Default)]
struct Interner {
    strings: FxHashMap<Box<str>, Arc<str>>,
    /// tag key → `tags.<key>`
    tags: FxHashMap<Box<str>, Arc<str>>,
    /// child kind → `children.<kind>`
    children: FxHashMap<Box<str>, Arc<str>>,
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
    fn get_existing(&self, s: &str) -> Arc<str> {
        self.strings.get(s).cloned().unwrap_or_else(|| Arc::from(s))
    }
}

/// Per-thread cache of attribute specs and ignore decisions: `None` means ignored.
#[derive(Default)]
struct SpecCache {
    specs: FxHashMap<(Arc<str>, Arc<str>), Option<AttributeSpec>>,
}

/// The rows (and warnings) of one key.
struct KeyRows {
    rows: Vec<Row>,
    ambiguous: Vec<AmbiguousKey>,
}

/// What every key's computation reads.
struct Shared<'s, 'a> {
    columns: &'s [Column<'a>],
    prepared: &'s [PreparedColumn<'s>],
    contexts: &'s [EnvContext<'s>],
    interner: &'s Interner,
    ignores: &'s [CompiledIgnore],
    exceptions: &'s [CompiledException<'s>],
    change_view: bool,
    today: NaiveDate,
}

impl Shared<'_, '_> {
    fn spec(
        &self,
        cache: &mut SpecCache,
        kind: &Arc<str>,
        attribute: &Arc<str>,
    ) -> Option<AttributeSpec> {
        *cache
            .specs
            .entry((kind.clone(), attribute.clone()))
            .or_insert_with(|| {
                let ignored = self
                    .ignores
                    .iter()
                    .any(|i| i.kind.is_match(&**kind) && i.attribute.is_match(&**attribute));
                let spec = schema::spec(kind, attribute);
                (!ignored && !spec.volatile).then_some(spec)
            })
    }

    fn key_rows(&self, key: &Arc<str>, cache: &mut SpecCache) -> KeyRows {
        let n = self.columns.len();
        let kind: Arc<str> = self
            .interner
            .get_existing(key.split_once('/').map_or(key, |(k, _)| k));
        let members: SmallVec<[&[usize]; 4]> = self
            .prepared
            .iter()
            .map(|p| p.groups.get(key).map_or(&[][..], |g| g.as_slice()))
            .collect();
        let presence: SmallVec<[Presence; 4]> = self
            .prepared
            .iter()
            .zip(&members)
            .map(|(p, m)| {
                let snap = p.column.snapshot;
                if !snap.covers(&kind) {
                    Presence::NotCovered
                } else if snap.failed(&kind) {
                    Presence::Unknown
                } else if m.is_empty() {
                    Presence::Absent
                } else {
                    Presence::Present
                }
            })
            .collect();

        let mut ambiguous = Vec::new();
        if schema::UNIQUE_KINDS.contains(&&*kind) {
            for (c, m) in members.iter().enumerate() {
                if m.len() > 1 {
                    ambiguous.push(AmbiguousKey {
                        key: key.to_string(),
                        column: c,
                        native_ids: m
                            .iter()
                            .map(|&i| {
                                self.prepared[c].column.snapshot.resources[i]
                                    .native_id
                                    .clone()
                            })
                            .collect(),
                    });
                }
            }
        }

        let builder = RowBuilder {
            columns: self.columns,
            presence: &presence,
            exceptions: self.exceptions,
            change_view: self.change_view,
            today: self.today,
        };
        let mut rows = Vec::new();

        // exists
        let exists_raw: Cells<Value> = presence
            .iter()
            .map(|p| match p {
                Presence::Present => Value::Bool(true),
                Presence::Absent => Value::Bool(false),
                _ => Value::Null,
            })
            .collect();
        let exists_row = builder.build(
            kind.clone(),
            key.clone(),
            self.interner.get_existing("exists"),
            schema::exists_category(&kind),
            exists_raw,
            smallvec::smallvec![None; n],
            true,
            None,
        );
        let exists_cells = exists_row.cells.clone();
        rows.push(exists_row);

        // count, for groups
        if members.iter().any(|m| m.len() > 1) {
            let counts: Cells<Value> = members
                .iter()
                .zip(&presence)
                .map(|(m, p)| match p {
                    Presence::Present => Value::from(m.len() as i64),
                    _ => Value::Null,
                })
                .collect();
            if let Some(row) = builder.build_attribute(
                kind.clone(),
                key.clone(),
                self.interner.get_existing("count"),
                Category::Size,
                counts,
                smallvec::smallvec![None; n],
                &exists_cells,
            ) {
                rows.push(row);
            }
        }

        // attributes: the union across columns, sorted by name
        let mut attributes: Vec<&Arc<str>> = Vec::new();
        for (c, m) in members.iter().enumerate() {
            for &i in *m {
                let r = &self.prepared[c].column.snapshot.resources[i];
                for a in r.attributes.keys() {
                    if let Some(a) = self.interner.strings.get(a.as_str()) {
                        attributes.push(a);
                    }
                }
                for t in r.tags.keys() {
                    if let Some(a) = self.interner.tags.get(t.as_str()) {
                        attributes.push(a);
                    }
                }
                for (child_kind, _) in self.prepared[c].children.get(&i).into_iter().flatten() {
                    if let Some(a) = self.interner.children.get(&**child_kind) {
                        attributes.push(a);
                    }
                }
            }
        }
        attributes.sort_unstable();
        attributes.dedup();

        for attribute in attributes {
            let Some(spec) = self.spec(cache, &kind, attribute) else {
                continue;
            };
            let mut raw: Cells<Value> = SmallVec::with_capacity(n);
            let mut values: Cells<Option<Value>> = SmallVec::with_capacity(n);
            for c in 0..n {
                if presence[c] != Presence::Present {
                    raw.push(Value::Null);
                    values.push(None);
                    continue;
                }
                let p = &self.prepared[c];
                let resources = &p.column.snapshot.resources;
                if let [i] = members[c] {
                    let value = attribute_value(&resources[*i], attribute, *i, &p.children);
                    values.push(self.contexts[c].normalize(&value, spec.compare));
                    raw.push(value);
                    continue;
                }
                let mut raws = Vec::with_capacity(members[c].len());
                let mut norms = Vec::with_capacity(members[c].len());
                let mut changed = false;
                for &i in members[c] {
                    let value = attribute_value(&resources[i], attribute, i, &p.children);
                    let norm = match self.contexts[c].normalize(&value, spec.compare) {
                        Some(v) => {
                            changed = true;
                            v
                        }
                        None => value.clone(),
                    };
                    raws.push(value);
                    norms.push(norm);
                }
                raw.push(collapse(raws));
                values.push(changed.then(|| collapse(norms)));
            }
            let uncovered = self
                .prepared
                .iter()
                .any(|p| !p.column.snapshot.covers_attribute(&kind, attribute));
            let row = if uncovered {
                // a source that never records this attribute does not take part in its row
                let presence: SmallVec<[Presence; 4]> = self
                    .prepared
                    .iter()
                    .zip(&presence)
                    .map(|(p, pr)| {
                        if p.column.snapshot.covers_attribute(&kind, attribute) {
                            *pr
                        } else {
                            Presence::NotCovered
                        }
                    })
                    .collect();
                RowBuilder {
                    presence: &presence,
                    ..builder
                }
                .build_attribute(
                    kind.clone(),
                    key.clone(),
                    attribute.clone(),
                    spec.category,
                    raw,
                    values,
                    &exists_cells,
                )
            } else {
                builder.build_attribute(
                    kind.clone(),
                    key.clone(),
                    attribute.clone(),
                    spec.category,
                    raw,
                    values,
                    &exists_cells,
                )
            };
            if let Some(row) = row {
                rows.push(row);
            }
        }
        KeyRows { rows, ambiguous }
    }
}

struct CompiledIgnore {
    kind: GlobMatcher,
    attribute: GlobMatcher,
}

impl Matrix {
    /// Computes the matrix of `columns`.
    pub fn compute(
        columns: &[Column<'_>],
        options: MatrixOptions<'_>,
    ) -> Result<Matrix, CoreError> {
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
        let change_view =
            columns.len() > 1 && columns.iter().all(|c| c.env.name == columns[0].env.name);
        let exceptions: Vec<CompiledException> = if change_view {
            Vec::new()
        } else {
            options
                .exceptions
                .iter()
                .map(CompiledException::new)
                .collect::<Result<_, _>>()?
        };

        // Phase 1 (sequential): keys, groups, children and every attribute name, interned once.
        let mut interner = Interner::default();
        let tokens: Vec<TokenSet> = columns.iter().map(|c| TokenSet::for_env(c.env)).collect();
        let mut prepared: Vec<PreparedColumn> = Vec::with_capacity(columns.len());
        for (c, column) in columns.iter().enumerate() {
            let keyed = key_snapshot(
                column.snapshot,
                &tokens[c],
                &column.env.effective_ssm_prefix(),
                &rules,
            );
            let mut groups: FxHashMap<Arc<str>, SmallVec<[usize; 1]>> = FxHashMap::default();
            for (i, key) in keyed.keys.iter().enumerate() {
                groups.entry(interner.get(key)).or_default().push(i);
            }
            let mut children: FxHashMap<usize, Vec<(Arc<str>, i64)>> = FxHashMap::default();
            for r in &column.snapshot.resources {
                for a in r.attributes.keys() {
                    interner.get(a);
                }
                for t in r.tags.keys() {
                    interner.tag(t);
                }
                if let Some(parent) = r.parent.as_deref().and_then(|p| keyed.by_id.get(p)) {
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
            prepared.push(PreparedColumn {
                column,
                keyed,
                groups,
                children,
            });
        }
        for kind in KIND_INDEPENDENT_ATTRIBUTES {
            interner.get(kind);
        }
        let contexts: Vec<EnvContext> = prepared
            .iter()
            .enumerate()
            .map(|(c, p)| EnvContext::new(p.column.snapshot, &tokens[c], &p.keyed))
            .collect();

        // Every key of every column, in a stable order.
        let mut all_keys: Vec<Arc<str>> = prepared
            .iter()
            .flat_map(|p| p.groups.keys().cloned())
            .collect();
        all_keys.sort_unstable();
        all_keys.dedup();

        // Phase 2 (parallel over keys): rows of each key.
        let shared = Shared {
            columns,
            prepared: &prepared,
            contexts: &contexts,
            interner: &interner,
            ignores: &ignores,
            exceptions: &exceptions,
            change_view,
            today: options.today,
        };
        let outputs: Vec<KeyRows> = all_keys
            .par_iter()
            .map_init(SpecCache::default, |cache, key| shared.key_rows(key, cache))
            .collect();
        let mut rows = Vec::with_capacity(outputs.iter().map(|o| o.rows.len()).sum());
        let mut ambiguous = Vec::new();
        for o in outputs {
            rows.extend(o.rows);
            ambiguous.extend(o.ambiguous);
        }
        let n = columns.len();
        let keys: Vec<Vec<Arc<str>>> = prepared
            .iter()
            .map(|p| {
                p.keyed
                    .keys
                    .iter()
                    .map(|k| interner.get_existing(k))
                    .collect()
            })
            .collect();
        let explanations: Vec<Vec<String>> =
            prepared.into_iter().map(|p| p.keyed.explanations).collect();

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
        for row in &rows {
            for p in &row.pairs {
                let idx = pair_index(n, p.a, p.b);
                scores[idx].compared += 1;
                if p.status.is_parity() {
                    scores[idx].parity += 1;
                }
            }
        }

        Ok(Matrix {
            labels: columns.iter().map(|c| c.label.clone()).collect(),
            environments: columns.iter().map(|c| c.env.name.clone()).collect(),
            change_view,
            rows,
            keys,
            explanations,
            ambiguous,
            scores,
        })
    }

    /// The key of every resource of column `c` (index-aligned with its snapshot's resources).
    pub fn resource_keys(&self, c: usize) -> &[Arc<str>] {
        self.keys.get(c).map_or(&[], Vec::as_slice)
    }

    /// Why each resource of `key` got that key, per column. `snapshots` are the columns'
    /// snapshots (for native ids).
    pub fn pairings(&self, key: &str, snapshots: &[&Snapshot]) -> Vec<Pairing> {
        let mut out = Vec::new();
        for (c, keys) in self.keys.iter().enumerate() {
            for (i, k) in keys.iter().enumerate() {
                if &**k == key {
                    out.push(Pairing {
                        column: c,
                        native_id: snapshots
                            .get(c)
                            .and_then(|s| s.resources.get(i))
                            .map(|r| r.native_id.clone())
                            .unwrap_or_default(),
                        explanation: self.explanations[c][i].clone(),
                    });
                }
            }
        }
        out
    }

    /// The score of pair (a, b).
    pub fn score(&self, a: usize, b: usize) -> Option<&PairScore> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        self.scores.iter().find(|s| s.a == a && s.b == b)
    }

    pub fn column(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    /// Row counts by status.
    pub fn counts(&self) -> BTreeMap<Status, usize> {
        let mut out = BTreeMap::new();
        for r in &self.rows {
            *out.entry(r.status).or_insert(0) += 1;
        }
        out
    }
}

fn pair_index(n: usize, a: usize, b: usize) -> usize {
    // index of (a, b), a < b, in the row-major enumeration of pairs
    a * (2 * n - a - 1) / 2 + (b - a - 1)
}

/// The raw value of `attribute` on resource `i`: attributes, `tags.<Key>`, `children.<kind>`.
fn attribute_value(
    r: &crate::model::Resource,
    attribute: &str,
    index: usize,
    children: &FxHashMap<usize, Vec<(Arc<str>, i64)>>,
) -> Value {
    if let Some(v) = r.attributes.get(attribute) {
        return v.clone();
    }
    if let Some(tag) = attribute.strip_prefix("tags.") {
        return r
            .tags
            .get(tag)
            .map_or(Value::Null, |v| Value::String(v.clone()));
    }
    if let Some(kind) = attribute.strip_prefix("children.") {
        let n = children
            .get(&index)
            .and_then(|kinds| kinds.iter().find(|(k, _)| &**k == kind))
            .map_or(0, |(_, n)| *n);
        return Value::from(n);
    }
    Value::Null
}

/// A group's values: one value when they agree, else the sorted set of distinct values.
fn collapse(mut values: Vec<Value>) -> Value {
    if values.len() == 1 {
        return values.pop().unwrap_or(Value::Null);
    }
    sort_dedup(&mut values);
    if values.len() == 1 {
        values.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(values)
    }
}

struct RowBuilder<'a, 'b> {
    columns: &'a [Column<'a>],
    presence: &'a [Presence],
    exceptions: &'a [CompiledException<'b>],
    change_view: bool,
    today: NaiveDate,
}

impl RowBuilder<'_, '_> {
    /// An attribute row: pairs where one side lacks the resource are not compared here (the
    /// `exists` row reports absence once); cells without a compared pair take the `exists` row's
    /// cell. Returns `None` when no pair was compared.
    #[allow(clippy::too_many_arguments)]
    fn build_attribute(
        &self,
        kind: Arc<str>,
        key: Arc<str>,
        attribute: Arc<str>,
        category: Category,
        raw: Cells<Value>,
        normalized: Cells<Option<Value>>,
        exists_cells: &[Option<Status>],
    ) -> Option<Row> {
        let row = self.build(
            kind,
            key,
            attribute,
            category,
            raw,
            normalized,
            false,
            Some(exists_cells),
        );
        (!row.pairs.is_empty()).then_some(row)
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        kind: Arc<str>,
        key: Arc<str>,
        attribute: Arc<str>,
        category: Category,
        raw: Cells<Value>,
        normalized: Cells<Option<Value>>,
        is_exists: bool,
        exists_cells: Option<&[Option<Status>]>,
    ) -> Row {
        let n = self.columns.len();
        let mut pairs: SmallVec<[PairStatus; 3]> = SmallVec::new();
        let mut covering: BTreeSet<String> = BTreeSet::new();
        let covering_rules: SmallVec<[&CompiledException; 2]> = if self.exceptions.is_empty() {
            SmallVec::new()
        } else {
            self.exceptions
                .iter()
                .filter(|e| e.matches_row(&key, &attribute))
                .collect()
        };
        for a in 0..n {
            for b in a + 1..n {
                let (pa, pb) = (self.presence[a], self.presence[b]);
                if pa == Presence::NotCovered || pb == Presence::NotCovered {
                    continue;
                }
                let base = match (pa, pb) {
                    (Presence::Present, Presence::Present) => {
                        let value = |c: usize| normalized[c].as_ref().unwrap_or(&raw[c]);
                        if value(a) == value(b) {
                            Status::Same
                        } else {
                            Status::Drift
                        }
                    }
                    (Presence::Unknown, Presence::Present)
                    | (Presence::Present, Presence::Unknown) => Status::Unknown,
                    (Presence::Present, Presence::Absent)
                    | (Presence::Absent, Presence::Present) => {
                        if is_exists {
                            Status::Missing
                        } else {
                            continue;
                        }
                    }
                    _ => continue,
                };
                let status = if base == Status::Same || base == Status::Unknown || self.change_view
                {
                    base
                } else {
                    self.judge(base, a, b, category, &covering_rules, &raw, &mut covering)
                };
                pairs.push(PairStatus { a, b, status });
            }
        }
        let mut cells: Cells<Option<Status>> = SmallVec::with_capacity(n);
        for c in 0..n {
            let cell = pairs
                .iter()
                .filter(|p| p.a == c || p.b == c)
                .map(|p| p.status)
                .reduce(Status::worst);
            cells.push(match (self.presence[c], cell) {
                (Presence::NotCovered, _) => None,
                (_, Some(s)) => Some(s),
                (Presence::Unknown, None) => Some(Status::Unknown),
                (_, None) => Some(exists_cells.and_then(|e| e[c]).unwrap_or(Status::Same)),
            });
        }
        let status = pairs
            .iter()
            .map(|p| p.status)
            .reduce(Status::worst)
            .unwrap_or(Status::Same);
        Row {
            kind,
            key,
            attribute,
            category,
            status,
            normalized,
            raw,
            cells,
            pairs,
            exceptions: covering.into_iter().collect(),
        }
    }

    /// Steps 3 and 4 of the contract for a differing pair: policy, then exceptions.
    #[allow(clippy::too_many_arguments)]
    fn judge(
        &self,
        base: Status,
        a: usize,
        b: usize,
        category: Category,
        rules: &[&CompiledException],
        raw: &[Value],
        covering: &mut BTreeSet<String>,
    ) -> Status {
        let (ea, eb) = (self.columns[a].env, self.columns[b].env);
        if ea.may_differ_in.contains(&category) || eb.may_differ_in.contains(&category) {
            return Status::Allowed;
        }
        let mut best: Option<ExceptionState> = None;
        for e in rules {
            if !(e.names_env(&ea.name) || e.names_env(&eb.name)) {
                continue;
            }
            covering.insert(e.rule.effective_id());
            let observed = |env: &str| -> Option<Value> {
                self.columns
                    .iter()
                    .position(|c| c.env.name == env)
                    .filter(|&c| self.presence[c] != Presence::NotCovered)
                    .map(|c| raw[c].clone())
            };
            let state = e.rule.state(self.today, observed);
            best = Some(match best {
                None => state,
                Some(prev) => prev.min(state),
            });
        }
        match best {
            Some(ExceptionState::Intentional) => Status::Intentional,
            Some(ExceptionState::Violated) => Status::Violated,
            Some(ExceptionState::Expired) => Status::Expired,
            None => base,
        }
    }
}

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
    pub fn matches(&self, row: &Row) -> bool {
        let f = self.filter;
        let status = match f.pair {
            Some((a, b)) => match row.pair_status(a, b) {
                Some(s) => s,
                None => return false,
            },
            None => row.status,
        };
        if !f.statuses.is_empty() && !f.statuses.contains(&status) {
            return false;
        }
        if !f.categories.is_empty() && !f.categories.contains(&row.category) {
            return false;
        }
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k.matches(&row.kind)) {
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

//! Building the matrix: compiles the options, prepares every column (logical keys, resources
//! grouped by key, children counted per parent, every name interned once), computes each key's
//! rows in parallel, then scores every pair of columns.

use std::collections::BTreeSet;
use std::sync::Arc;

use globset::GlobMatcher;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use super::rows::{KeyRows, Shared, SpecCache, ZoneRanks};
use super::types::{AmbiguousKey, Column, Matrix, MatrixOptions, PairScore, Row};
use crate::exception::{glob, CompiledException};
use crate::identity::{key_snapshot_with, CompiledRule, KeyedSnapshot, TokenSet};
use crate::name::TextIds;
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

/// An interned name and its rank: names compare by rank exactly as by text.
pub(super) type Name = (Arc<str>, u32);

/// Shared strings: kinds and attribute names are allocated once per computation, each with its
/// rank in the text order of all names (so that rows sort by attribute without comparing text).
#[derive(Default)]
pub(super) struct Interner {
    pub strings: FxHashMap<Box<str>, Name>,
    /// tag key → `tags.<key>`
    pub tags: FxHashMap<Box<str>, Name>,
    /// child kind → `children.<kind>`
    pub children: FxHashMap<Box<str>, Name>,
}

impl Interner {
    fn get(&mut self, s: &str) {
        if !self.strings.contains_key(s) {
            self.strings.insert(s.into(), (Arc::from(s), 0));
        }
    }

    fn tag(&mut self, key: &str) {
        if !self.tags.contains_key(key) {
            let a: Arc<str> = Arc::from(format!("tags.{key}").as_str());
            self.tags.insert(key.into(), (a, 0));
        }
    }

    fn child(&mut self, kind: &str) {
        if !self.children.contains_key(kind) {
            let a: Arc<str> = Arc::from(format!("children.{kind}").as_str());
            self.children.insert(kind.into(), (a, 0));
        }
    }

    /// Ranks every name by its text; equal texts (an attribute named `tags.x` and the tag `x`)
    /// share a rank.
    fn rank(&mut self) {
        let mut all: Vec<Arc<str>> = self
            .strings
            .values()
            .chain(self.tags.values())
            .chain(self.children.values())
            .map(|(a, _)| a.clone())
            .collect();
        all.sort_unstable();
        all.dedup();
        let rank: FxHashMap<Arc<str>, u32> = all
            .into_iter()
            .enumerate()
            .map(|(i, a)| (a, i as u32))
            .collect();
        for (a, r) in self
            .strings
            .values_mut()
            .chain(self.tags.values_mut())
            .chain(self.children.values_mut())
        {
            *r = rank[a];
        }
    }

    /// A string interned in phase 1 (or a fresh one, which cannot happen for known names).
    pub(super) fn get_existing(&self, s: &str) -> Arc<str> {
        self.get_ranked(s).0
    }

    /// A string interned in phase 1 with its rank (`None` for a fresh one, which cannot happen
    /// for known names).
    pub(super) fn get_ranked(&self, s: &str) -> (Arc<str>, Option<u32>) {
        match self.strings.get(s) {
            Some((a, rank)) => (a.clone(), Some(*rank)),
            None => (Arc::from(s), None),
        }
    }
}

/// The distinct names one column brings to the [`Interner`], each with a column-local id, and
/// the ids of every resource's attribute and tag names in the order the resource holds them (so
/// that building rows looks names up by index instead of hashing their text again).
#[derive(Default)]
struct Names<'a> {
    /// Resource kinds and attribute names → local id (a snapshot's resources share each
    /// attribute name's text, so those are looked up by its address).
    strings: TextIds<'a>,
    /// Tag keys → local id.
    tags: TextIds<'a>,
    children: FxHashSet<&'a str>,
}

/// Per resource of a column, the local ids of its attribute names and tag keys, flat: resource
/// `i`'s attribute ids are `attributes[attribute_start[i]..attribute_start[i + 1]]`, in the
/// order of its `attributes` map (likewise tags).
#[derive(Default)]
pub(super) struct NameIds {
    attributes: Vec<u32>,
    attribute_start: Vec<u32>,
    tags: Vec<u32>,
    tag_start: Vec<u32>,
}

impl NameIds {
    pub(super) fn attributes(&self, i: usize) -> &[u32] {
        &self.attributes[self.attribute_start[i] as usize..self.attribute_start[i + 1] as usize]
    }

    pub(super) fn tags(&self, i: usize) -> &[u32] {
        &self.tags[self.tag_start[i] as usize..self.tag_start[i + 1] as usize]
    }
}

/// A column's local name ids mapped to interned names: `attributes[id]`, `tags[id]`.
pub(super) struct LocalNames {
    pub attributes: Vec<Name>,
    pub tags: Vec<Name>,
}

/// One column with its resources keyed and grouped.
pub(super) struct PreparedColumn<'a> {
    pub column: &'a Column<'a>,
    pub keyed: KeyedSnapshot<'a>,
    /// Each resource's key (index-aligned with the snapshot's resources); the resources of one
    /// key share one string.
    pub keys: Vec<Arc<str>>,
    /// key → indices of the column's resources holding it
    pub groups: FxHashMap<Arc<str>, SmallVec<[usize; 1]>>,
    /// parent resource index → (child kind, number of children)
    pub children: FxHashMap<usize, Vec<(&'a str, i64)>>,
    /// VPC resource index → the distinct availability zones of its subnets
    pub subnet_zones: FxHashMap<usize, BTreeSet<&'a str>>,
    /// Each resource's attribute and tag names as local ids (see [`LocalNames`]).
    pub name_ids: NameIds,
    names: Names<'a>,
}

impl<'a> PreparedColumn<'a> {
    /// Keys the column's resources, groups them by key, counts children per parent, and collects
    /// every kind, attribute name, tag name and child kind for the interner. Columns are prepared
    /// in parallel: nothing here is shared. Within a column, the names are collected while the
    /// resources are keyed (they do not depend on the keys), so that a core left without a
    /// column to prepare (three columns on two cores) takes that part.
    fn new(
        column: &'a Column<'a>,
        tokens: &TokenSet,
        rules: &[CompiledRule],
        group_numbered: &GroupNumbered,
    ) -> Self {
        let snapshot: &'a crate::model::Snapshot = column.snapshot;
        let (keyed, (mut names, name_ids)) = rayon::join(
            || {
                key_snapshot_with(
                    snapshot,
                    tokens,
                    &column.env.effective_ssm_prefix(),
                    rules,
                    group_numbered,
                )
            },
            || Names::of(snapshot),
        );
        let mut groups: FxHashMap<Arc<str>, SmallVec<[usize; 1]>> =
            FxHashMap::with_capacity_and_hasher(keyed.keys.len(), Default::default());
        let mut keys: Vec<Arc<str>> = Vec::with_capacity(keyed.keys.len());
        for (i, key) in keyed.keys.iter().enumerate() {
            match groups.get_mut(key.as_str()) {
                Some(members) => {
                    // the key's string is the one its first member holds
                    let shared = keys[members[0]].clone();
                    members.push(i);
                    keys.push(shared);
                }
                None => {
                    let k: Arc<str> = Arc::from(key.as_str());
                    keys.push(k.clone());
                    groups.insert(k, smallvec::smallvec![i]);
                }
            }
        }
        let mut children: FxHashMap<usize, Vec<(&'a str, i64)>> = FxHashMap::default();
        let mut subnet_zones: FxHashMap<usize, BTreeSet<&'a str>> = FxHashMap::default();
        for r in &snapshot.resources {
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
                match kinds.iter_mut().find(|(k, _)| *k == r.kind) {
                    Some((_, count)) => *count += 1,
                    None => {
                        names.children.insert(&r.kind);
                        kinds.push((&r.kind, 1));
                    }
                }
            }
        }
        PreparedColumn {
            column,
            keyed,
            keys,
            groups,
            children,
            subnet_zones,
            name_ids,
            names,
        }
    }
}

impl<'a> Names<'a> {
    /// Every kind, attribute name and tag key of `snapshot`, and each resource's names as local
    /// ids (child kinds are added once parents are known).
    fn of(snapshot: &'a crate::model::Snapshot) -> (Self, NameIds) {
        let mut names = Names::default();
        let n = snapshot.resources.len();
        let mut name_ids = NameIds {
            attributes: Vec::with_capacity(n * 16),
            attribute_start: Vec::with_capacity(n + 1),
            tags: Vec::with_capacity(n * 4),
            tag_start: Vec::with_capacity(n + 1),
        };
        name_ids.attribute_start.push(0);
        name_ids.tag_start.push(0);
        for r in &snapshot.resources {
            names.strings.id(&r.kind);
            for a in r.attributes.keys() {
                let id = names.strings.id_at(a.addr(), a);
                name_ids.attributes.push(id);
            }
            name_ids
                .attribute_start
                .push(name_ids.attributes.len() as u32);
            for t in r.tags.keys() {
                let id = names.tags.id_at(t.addr(), t);
                name_ids.tags.push(id);
            }
            name_ids.tag_start.push(name_ids.tags.len() as u32);
        }
        (names, name_ids)
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
        if columns.len() > super::types::MAX_COLUMNS {
            return Err(CoreError::Invalid(format!(
                "{} columns: a matrix compares at most {}",
                columns.len(),
                super::types::MAX_COLUMNS
            )));
        }
        let change_view = is_change_view(columns);
        let compiled = CompiledOptions::new(&options, change_view)?;

        // Phase 1 (parallel over columns): keys, groups, children and the names each column
        // uses; then every name interned once.
        let tokens: Vec<TokenSet> = columns.iter().map(|c| TokenSet::for_env(c.env)).collect();
        let prepared: Vec<PreparedColumn> = columns
            .par_iter()
            .zip(tokens.par_iter())
            .map(|(column, tokens)| {
                PreparedColumn::new(column, tokens, &compiled.rules, options.group_numbered)
            })
            .collect();
        let mut interner = Interner::default();
        for p in &prepared {
            for s in p.names.strings.list() {
                interner.get(s);
            }
            for t in p.names.tags.list() {
                interner.tag(t);
            }
            for c in &p.names.children {
                interner.get(c);
                interner.child(c);
            }
        }
        for name in KIND_INDEPENDENT_ATTRIBUTES {
            interner.get(name);
        }
        interner.rank();
        let local_names: Vec<LocalNames> = prepared
            .iter()
            .map(|p| LocalNames {
                attributes: p
                    .names
                    .strings
                    .list()
                    .iter()
                    .map(|s| interner.strings[*s].clone())
                    .collect(),
                tags: p
                    .names
                    .tags
                    .list()
                    .iter()
                    .map(|t| interner.tags[*t].clone())
                    .collect(),
            })
            .collect();
        let contexts: Vec<EnvContext> = prepared
            .par_iter()
            .zip(tokens.par_iter())
            .map(|(p, tokens)| EnvContext::new(p.column.snapshot, tokens, &p.keyed))
            .collect();

        // Phase 2 (parallel over keys): rows of each key.
        let shared = Shared {
            columns,
            prepared: &prepared,
            local_names: &local_names,
            contexts: &contexts,
            interner: &interner,
            ignores: &compiled.ignores,
            exceptions: &compiled.exceptions,
            change_view,
            today: options.today,
            zone_ranks: ZoneRanks {
                zone: interner.strings.get("availability_zone").map(|(_, r)| *r),
                zones: interner.strings.get("availability_zones").map(|(_, r)| *r),
            },
        };
        let (rows, ambiguous, tally) = all_rows(&shared, &all_keys(&prepared));

        // the rest of each prepared column (its maps) is dropped in parallel
        let (keys, explanations): (Vec<Vec<Arc<str>>>, Vec<Vec<String>>) = prepared
            .into_par_iter()
            .map(|p| (p.keys, p.keyed.explanations))
            .unzip();
        let scores = scores(columns.len(), &tally.pairs);
        // Exceptions apply to the finding even in a change view's absence of policy: a change
        // view compares one environment, so it never has a shared secret anyway.
        let all_exceptions: Vec<CompiledException> = options
            .exceptions
            .iter()
            .map(CompiledException::new)
            .collect::<Result<_, _>>()?;
        let shared_secrets = super::shared::shared_secrets(
            columns,
            &rows,
            &tally.secret_rows,
            &all_exceptions,
            options.today,
        );
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
    let mut seen: FxHashSet<&str> = FxHashSet::with_capacity_and_hasher(
        prepared.first().map_or(0, |p| p.groups.len()),
        Default::default(),
    );
    let mut all_keys: Vec<Arc<str>> = Vec::with_capacity(seen.capacity());
    for p in prepared {
        for k in p.groups.keys() {
            if seen.insert(k) {
                all_keys.push(k.clone());
            }
        }
    }
    all_keys.par_sort_unstable();
    all_keys
}

/// What the row phase counts of its rows: per pair of columns the rows compared and those at
/// parity, and the rows holding a secret fingerprint.
pub(super) struct RowTally {
    /// Indexed by [`pair_index`]: (compared, parity).
    pub pairs: Vec<(usize, usize)>,
    /// Indices of the rows with a secret fingerprint in some value, ascending.
    pub secret_rows: Vec<usize>,
}

impl RowTally {
    fn new(columns: usize) -> Self {
        RowTally {
            pairs: vec![(0, 0); columns * columns.saturating_sub(1) / 2],
            secret_rows: Vec::new(),
        }
    }

    /// Counts a chunk's `rows` into its (empty) tally: row indices are the chunk's own until
    /// [`RowTally::append`] shifts them.
    fn count(&mut self, columns: usize, rows: &[Row]) {
        for (i, row) in rows.iter().enumerate() {
            for p in &row.pairs {
                let c = &mut self.pairs[pair_index(columns, p.a(), p.b())];
                c.0 += 1;
                if p.status.is_parity() {
                    c.1 += 1;
                }
            }
            if super::shared::holds_fingerprint(row) {
                self.secret_rows.push(i);
            }
        }
    }

    /// Adds a later run of rows' tally, its row indices shifted by `offset`.
    fn append(&mut self, other: &mut RowTally, offset: usize) {
        for (x, y) in self.pairs.iter_mut().zip(&mut other.pairs) {
            x.0 += std::mem::take(&mut y.0);
            x.1 += std::mem::take(&mut y.1);
        }
        self.secret_rows
            .extend(other.secret_rows.drain(..).map(|i| i + offset));
    }
}

/// The rows and ambiguity warnings of every key, computed in parallel, in key order, with the
/// rows' [`RowTally`]. Keys are
/// taken in chunks so that each worker appends to one vector per chunk rather than one per key,
/// and chunks in batches whose rows are moved into the one result before the next batch runs:
/// the chunks' memory is then reused, not all held beside the result (a large matrix's rows
/// would otherwise sit in memory twice, and every page of both be faulted in). The chunks'
/// vectors are kept from batch to batch, not freed and allocated again: freed, the allocator
/// hands their pages back to the kernel, which zeroed them again for every batch (in a profile
/// at 3 × 20,000 resources, the kernel's page zeroing under `key_rows` fell from 10 % of the
/// diff's time to 7 %). Each chunk's rows are counted for the scores and scanned for secret
/// fingerprints right after they are built, while they are in the worker's cache, rather than
/// in passes over all rows afterwards. Each slot also keeps its [`SpecCache`] from batch to batch
/// (a slot is used by one worker at a time).
fn all_rows(shared: &Shared, keys: &[Arc<str>]) -> (Vec<Row>, Vec<AmbiguousKey>, RowTally) {
    const CHUNK: usize = 256;
    let columns = shared.columns.len();
    let slots = 4 * rayon::current_num_threads().max(1);
    let batch = CHUNK * slots;
    let mut outputs: Vec<(KeyRows, RowTally, SpecCache)> = (0..slots
        .min(keys.len().div_ceil(CHUNK)))
        .map(|_| {
            let rows = KeyRows {
                rows: Vec::with_capacity(CHUNK * 16),
                ambiguous: Vec::new(),
            };
            (rows, RowTally::new(columns), SpecCache::default())
        })
        .collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut ambiguous = Vec::new();
    let mut tally = RowTally::new(columns);
    for (b, batch_keys) in keys.chunks(batch).enumerate() {
        // one buffer per chunk (`zip` would drop the keys of chunks without one)
        debug_assert!(batch_keys.len().div_ceil(CHUNK) <= outputs.len());
        batch_keys
            .par_chunks(CHUNK)
            .zip(outputs.par_iter_mut())
            .for_each(|(chunk, (out, chunk_tally, cache))| {
                for key in chunk {
                    shared.key_rows(key, cache, out);
                }
                chunk_tally.count(columns, &out.rows);
            });
        let produced: usize = outputs.iter().map(|(o, _, _)| o.rows.len()).sum();
        if b == 0 {
            // the first batch's rows per key, with a margin, for the whole
            let estimate = produced * keys.len() / batch_keys.len().max(1);
            rows.reserve_exact(estimate + estimate / 8 + produced);
        } else {
            rows.reserve(produced);
        }
        // moved out in chunk order (a batch's last chunks may have had no keys: empty)
        for (o, chunk_tally, _) in &mut outputs {
            tally.append(chunk_tally, rows.len());
            rows.par_extend(o.rows.par_drain(..));
            ambiguous.append(&mut o.ambiguous);
        }
    }
    (rows, ambiguous, tally)
}

/// The parity score of every pair of `n` columns from the rows' tally.
fn scores(n: usize, pairs: &[(usize, usize)]) -> Vec<PairScore> {
    let mut scores = Vec::with_capacity(pairs.len());
    for a in 0..n {
        for b in a + 1..n {
            let (compared, parity) = pairs[pair_index(n, a, b)];
            scores.push(PairScore {
                a,
                b,
                compared,
                parity,
            });
        }
    }
    scores
}

fn pair_index(n: usize, a: usize, b: usize) -> usize {
    // index of (a, b), a < b, in the row-major enumeration of pairs
    a * (2 * n - a - 1) / 2 + (b - a - 1)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::{Resource, Snapshot, Source};

    #[test]
    fn names_of_one_text_at_two_addresses_get_one_id() {
        let make = || {
            Resource::named("ec2.instance", "i-1", "api")
                .with_attr("instance_type", "t3.large")
                .with_tag("Team", "platform")
        };
        let here = make();
        // made on another thread: the same names' text at other addresses
        let there = std::thread::spawn(make).join().unwrap();
        let addr = |r: &Resource| r.attributes.keys().next().unwrap().addr();
        assert_ne!(addr(&here), addr(&there));
        let snapshot = Snapshot {
            id: None,
            environment: "prod".into(),
            taken_at: Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap(),
            source: Source::Aws,
            missing: vec![],
            resources: vec![here, there],
        };
        let (names, ids) = Names::of(&snapshot);
        assert_eq!(ids.attributes(0), ids.attributes(1));
        assert_eq!(ids.tags(0), ids.tags(1));
        let mut texts = names.strings.list().to_vec();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(
            texts.len(),
            names.strings.list().len(),
            "{:?}",
            names.strings.list()
        );
        assert_eq!(names.tags.list(), ["Team"]);
    }
}

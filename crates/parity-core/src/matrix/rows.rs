//! The rows of one logical key: each column's presence, the `exists` row, the `count` row of a
//! group, then one row per attribute (attributes, `tags.<Key>`, `children.<kind>`) with its raw
//! and normalised values per column, handed to the judge.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde_json::Value;
use smallvec::SmallVec;

use super::build::{CompiledIgnore, Interner, LocalNames, PreparedColumn};
use super::judge::{Presence, RowBuilder, RowValues};
use super::types::{AmbiguousKey, Cells, Column, RawBuilder, RawValues, Row};
use crate::exception::CompiledException;
use crate::model::{Category, Resource};
use crate::normalize::{sort_dedup, EnvContext};
use crate::schema::{self, AttributeSpec};
use crate::status::Status;

/// The derived attribute holding the number of distinct availability zones a group, an Auto
/// Scaling group or a VPC spans (docs/CONTRACTS.md "Availability zones: spread, not names").
pub(super) const ZONE_SPREAD: &str = "zone_spread";

/// What one slot of the row phase keeps from key to key and from batch to batch (a slot is used
/// by one worker at a time): attribute specs and ignore decisions (`None` means ignored), the
/// builder of its rows' raw values, and its own copies of the interned names.
#[derive(Default)]
pub(super) struct SpecCache {
    /// (kind's rank, attribute's rank) → spec: interned names, so no text is hashed
    specs: FxHashMap<(u32, u32), Option<AttributeSpec>>,
    /// Reused for every row (see [`RawBuilder`]).
    raw: RawBuilder,
    /// By rank, this slot's copy of an interned name, which its rows hold: every row holds its
    /// kind and attribute, and were all rows to count references on the one shared copy, the
    /// cores would take turns at its counter.
    names: Vec<Option<Arc<str>>>,
}

impl SpecCache {
    /// This slot's copy of `name`, interned with rank `rank`.
    fn local(&mut self, name: &Arc<str>, rank: u32) -> Arc<str> {
        let r = rank as usize;
        if self.names.len() <= r {
            self.names.resize(r + 1, None);
        }
        self.names[r]
            .get_or_insert_with(|| Arc::from(&**name))
            .clone()
    }
}

/// The rows (and warnings) of a run of keys.
pub(super) struct KeyRows {
    pub rows: Vec<Row>,
    pub ambiguous: Vec<AmbiguousKey>,
}

/// What every key's computation reads.
pub(super) struct Shared<'s, 'a> {
    pub columns: &'s [Column<'a>],
    pub prepared: &'s [PreparedColumn<'s>],
    /// Per column, its local name ids → interned names.
    pub local_names: &'s [LocalNames],
    pub contexts: &'s [EnvContext<'s>],
    pub interner: &'s Interner,
    pub ignores: &'s [CompiledIgnore],
    pub exceptions: &'s [CompiledException<'s>],
    pub change_view: bool,
    pub today: NaiveDate,
    pub zone_ranks: ZoneRanks,
}

/// The interned ranks of `availability_zone` and `availability_zones` (`None` where no resource
/// has that attribute), for [`Shared::has_zone_spread`].
#[derive(Clone, Copy)]
pub(super) struct ZoneRanks {
    pub zone: Option<u32>,
    pub zones: Option<u32>,
}

/// One key and how each column holds it.
struct KeyContext<'k> {
    kind: Arc<str>,
    /// The kind's rank in the interner (always known: every kind is interned).
    kind_rank: Option<u32>,
    key: &'k Arc<str>,
    /// Per column, the indices of the resources holding the key (several for a group).
    members: SmallVec<[&'k [usize]; 4]>,
    presence: SmallVec<[Presence; 4]>,
}

impl<'s> Shared<'s, '_> {
    /// Appends the rows of `key` to `out`, in order: `exists`, `count` (groups only), then the attributes sorted
    /// by name.
    pub(super) fn key_rows(&self, key: &Arc<str>, cache: &mut SpecCache, out: &mut KeyRows) {
        let mut k = self.key_context(key);
        if let Some(rank) = k.kind_rank {
            k.kind = cache.local(&k.kind, rank);
        }
        out.ambiguous.extend(self.ambiguous_keys(&k));
        let builder = RowBuilder {
            columns: self.columns,
            presence: &k.presence,
            exceptions: self.exceptions,
            change_view: self.change_view,
            today: self.today,
        };
        let rows = &mut out.rows;
        let exists_row = self.exists_row(&k, &builder, cache);
        let exists_cells = exists_row.cells.clone();
        rows.push(exists_row);
        rows.extend(self.count_row(&k, &builder, &exists_cells, cache));
        let (names, held) = self.attribute_table(&k);
        // One resource per column (the common case): values come from the table, no lookups.
        let single = k.members.iter().all(|m| m.len() <= 1);
        let mut cursor = 0;
        for (attribute, rank) in names {
            while cursor < held.len() && held[cursor].rank < rank {
                cursor += 1;
            }
            let start = cursor;
            while cursor < held.len() && held[cursor].rank == rank {
                cursor += 1;
            }
            let Some(spec) = self.spec(cache, &k, attribute, rank) else {
                continue;
            };
            let (raw, normalized) = if single && &**attribute != ZONE_SPREAD {
                self.single_values(&k, attribute, spec, &held[start..cursor], &mut cache.raw)
            } else {
                self.attribute_values(&k, attribute, spec, &mut cache.raw)
            };
            let values = RowValues {
                kind: k.kind.clone(),
                key: key.clone(),
                attribute: cache.local(attribute, rank),
                category: spec.category,
                raw,
                normalized,
            };
            rows.extend(self.attribute_row(&k, &builder, values, &exists_cells));
        }
    }

    /// The key's kind, members and presence in every column.
    fn key_context<'k>(&'k self, key: &'k Arc<str>) -> KeyContext<'k> {
        let (kind, kind_rank) = self
            .interner
            .get_ranked(key.split_once('/').map_or(key, |(k, _)| k));
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
        KeyContext {
            kind,
            kind_rank,
            key,
            members,
            presence,
        }
    }

    /// A warning per column where a kind expected to be unique holds several resources.
    fn ambiguous_keys(&self, k: &KeyContext) -> Vec<AmbiguousKey> {
        let mut ambiguous = Vec::new();
        if schema::UNIQUE_KINDS.contains(&&*k.kind) {
            for (c, m) in k.members.iter().enumerate() {
                if m.len() > 1 {
                    ambiguous.push(AmbiguousKey {
                        key: k.key.to_string(),
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
        ambiguous
    }

    /// The `exists` row: `true`/`false` where the kind was collected, `null` elsewhere.
    fn exists_row(&self, k: &KeyContext, builder: &RowBuilder, cache: &mut SpecCache) -> Row {
        cache.raw.start(k.presence.len());
        for p in &k.presence {
            cache.raw.push(match p {
                Presence::Present => Value::Bool(true),
                Presence::Absent => Value::Bool(false),
                _ => Value::Null,
            });
        }
        let raw = cache.raw.finish();
        builder.build_exists(RowValues {
            kind: k.kind.clone(),
            key: k.key.clone(),
            attribute: self.local_name(cache, "exists"),
            category: schema::exists_category(&k.kind),
            raw,
            normalized: Vec::new(),
        })
    }

    /// The slot's copy of the interned name `text` (see [`SpecCache::local`]).
    fn local_name(&self, cache: &mut SpecCache, text: &str) -> Arc<str> {
        match self.interner.strings.get(text) {
            Some((name, rank)) => cache.local(name, *rank),
            None => self.interner.get_existing(text),
        }
    }

    /// The `count` row, when some column holds a group (several resources) under the key.
    fn count_row(
        &self,
        k: &KeyContext,
        builder: &RowBuilder,
        exists_cells: &[Option<Status>],
        cache: &mut SpecCache,
    ) -> Option<Row> {
        if !k.members.iter().any(|m| m.len() > 1) {
            return None;
        }
        let counts: Vec<Value> = k
            .members
            .iter()
            .zip(&k.presence)
            .map(|(m, p)| match p {
                Presence::Present => Value::from(m.len() as i64),
                _ => Value::Null,
            })
            .collect();
        let values = RowValues {
            kind: k.kind.clone(),
            key: k.key.clone(),
            attribute: self.local_name(cache, "count"),
            category: Category::Size,
            raw: RawValues::from(counts),
            normalized: Vec::new(),
        };
        if &*k.kind != "ec2.instance" {
            return builder.build_attribute(values, exists_cells);
        }
        let capacity: Cells<Option<Arc<str>>> = (0..self.columns.len())
            .map(|c| {
                (k.presence[c] == Presence::Present)
                    .then(|| self.capacity_group(c, k.members[c]))
                    .flatten()
            })
            .collect();
        builder.build_derived_count(values, exists_cells, &capacity)
    }

    /// The key of the Auto Scaling group whose desired capacity explains the instance count of
    /// column `c`: every member names that one group (collected in the column) and the count
    /// equals its `desired_capacity` (docs/CONTRACTS.md "Groups: numbered replicas and Auto
    /// Scaling instances").
    fn capacity_group(&self, c: usize, members: &[usize]) -> Option<Arc<str>> {
        let p = &self.prepared[c];
        let resources = &p.column.snapshot.resources;
        let mut group: Option<usize> = None;
        for &i in members {
            let name = resources[i].attributes.get("autoscaling_group")?.as_str()?;
            let g = *p.keyed.by_id.get(name)?;
            if resources[g].kind != "autoscaling.group" || group.is_some_and(|x| x != g) {
                return None;
            }
            group = Some(g);
        }
        let g = group?;
        let desired = resources[g].attributes.get("desired_capacity")?.as_i64()?;
        (desired == members.len() as i64).then(|| p.keys[g].clone())
    }

    /// Whether the key gets a derived `zone_spread` row: some column holds a group with known
    /// zones, or a member lists `availability_zones`, or is a VPC with zoned subnets. Read from
    /// the key's `held` values (by interned rank, no lookups by name).
    fn has_zone_spread(&self, k: &KeyContext, held: &[Held]) -> bool {
        let ZoneRanks { zone, zones } = self.zone_ranks;
        held.iter().any(|h| match h.value {
            HeldValue::Attribute(Value::Array(_)) => Some(h.rank) == zones,
            HeldValue::Attribute(Value::String(_)) => {
                Some(h.rank) == zone && k.members[h.column].len() > 1
            }
            _ => false,
        }) || k.members.iter().enumerate().any(|(c, m)| {
            let zones = &self.prepared[c].subnet_zones;
            !zones.is_empty() && m.iter().any(|i| zones.contains_key(i))
        })
    }

    /// The number of distinct availability zones the members of column `c` span (`null` when
    /// none is known).
    fn zone_spread(&self, c: usize, members: &[usize]) -> Value {
        let p = &self.prepared[c];
        let mut zones: BTreeSet<&str> = BTreeSet::new();
        for &i in members {
            let r = &p.column.snapshot.resources[i];
            if let Some(z) = r
                .attributes
                .get("availability_zone")
                .and_then(Value::as_str)
            {
                zones.insert(z);
            }
            if let Some(Value::Array(list)) = r.attributes.get("availability_zones") {
                zones.extend(list.iter().filter_map(Value::as_str));
            }
            if let Some(subnet_zones) = p.subnet_zones.get(&i) {
                zones.extend(subnet_zones.iter().copied());
            }
        }
        if zones.is_empty() {
            Value::Null
        } else {
            Value::from(zones.len() as i64)
        }
    }

    /// The attribute names of the key's resources (the union across columns, sorted by name,
    /// each with its rank) and every value they hold, sorted by (rank, column, attributes before
    /// tags before child counts).
    fn attribute_table(&self, k: &KeyContext) -> (Vec<(&'s Arc<str>, u32)>, Vec<Held<'s>>) {
        let interner: &'s Interner = self.interner;
        let prepared: &'s [PreparedColumn<'s>] = self.prepared;
        let mut held: Vec<Held<'s>> = Vec::with_capacity(64);
        for (c, m) in k.members.iter().enumerate() {
            let p = &prepared[c];
            let resources: &'s [Resource] = &p.column.snapshot.resources;
            let local: &'s LocalNames = &self.local_names[c];
            for &i in *m {
                let r = &resources[i];
                // names by their ids from phase 1, in the order the maps hold them
                for (v, &id) in r.attributes.values().zip(p.name_ids.attributes(i)) {
                    let (name, rank) = &local.attributes[id as usize];
                    held.push(Held::new(name, *rank, c, HeldValue::Attribute(v)));
                }
                for (v, &id) in r.tags.values().zip(p.name_ids.tags(i)) {
                    let (name, rank) = &local.tags[id as usize];
                    held.push(Held::new(name, *rank, c, HeldValue::Tag(v)));
                }
                for (child_kind, n) in p.children.get(&i).into_iter().flatten() {
                    if let Some((name, rank)) = interner.children.get(*child_kind) {
                        held.push(Held::new(name, *rank, c, HeldValue::Children(*n)));
                    }
                }
            }
        }
        held.sort_by_key(|h| (h.rank, h.column, h.value.order()));
        let mut names: Vec<(&'s Arc<str>, u32)> = Vec::with_capacity(held.len() / 2 + 1);
        for h in &held {
            if names.last().is_none_or(|(_, r)| *r != h.rank) {
                names.push((h.name, h.rank));
            }
        }
        if self.has_zone_spread(k, &held) {
            if let Some((name, rank)) = interner.strings.get(ZONE_SPREAD) {
                if let Err(at) = names.binary_search_by_key(rank, |(_, r)| *r) {
                    names.insert(at, (name, *rank));
                }
            }
        }
        (names, held)
    }

    /// Raw and normalised values of `attribute` per column when every column holds at most one
    /// resource, from `held` (the table's entries of this attribute); as
    /// [`Shared::attribute_values`] computes them.
    fn single_values(
        &self,
        k: &KeyContext,
        attribute: &str,
        spec: AttributeSpec,
        held: &[Held],
        raw: &mut RawBuilder,
    ) -> (RawValues, Vec<Option<Value>>) {
        let n = self.columns.len();
        raw.start(n);
        let mut normalized: Vec<Option<Value>> = Vec::new();
        for c in 0..n {
            if k.presence[c] != Presence::Present {
                raw.push(Value::Null);
                continue;
            }
            // the first entry of the column wins: attributes before tags before child counts
            match held.iter().find(|h| h.column == c) {
                Some(h) => match h.value {
                    HeldValue::Attribute(v) => raw.push_ref(v),
                    HeldValue::Tag(t) => raw.push_str(t),
                    HeldValue::Children(n) => raw.push(Value::from(n)),
                },
                None => {
                    let p = &self.prepared[c];
                    let i = k.members[c][0];
                    raw.push(attribute_value(
                        &p.column.snapshot.resources[i],
                        attribute,
                        i,
                        &p.children,
                    ));
                }
            }
            if let Some(v) = self.contexts[c].normalize(raw.last(), spec.compare) {
                if normalized.is_empty() {
                    normalized.reserve_exact(n); // boxed as is: no spare capacity
                    normalized.resize(n, None);
                }
                normalized[c] = Some(v);
            }
        }
        (raw.finish(), normalized)
    }

    /// The spec of `attribute` (of interned rank `rank`) on the key's kind, or `None` when it is
    /// ignored or volatile.
    fn spec(
        &self,
        cache: &mut SpecCache,
        k: &KeyContext,
        attribute: &str,
        rank: u32,
    ) -> Option<AttributeSpec> {
        let compute = || {
            let ignored = self
                .ignores
                .iter()
                .any(|i| i.kind.is_match(&*k.kind) && i.attribute.is_match(attribute));
            let spec = schema::spec(&k.kind, attribute);
            (!ignored && !spec.volatile).then_some(spec)
        };
        match k.kind_rank {
            Some(kind_rank) => *cache.specs.entry((kind_rank, rank)).or_insert_with(compute),
            None => compute(),
        }
    }

    /// Raw and normalised values of `attribute` per column (`null` where the resource is not
    /// present; a group's values collapsed into one). The normalised values are empty when
    /// normalisation changed none.
    fn attribute_values(
        &self,
        k: &KeyContext,
        attribute: &str,
        spec: AttributeSpec,
        raw: &mut RawBuilder,
    ) -> (RawValues, Vec<Option<Value>>) {
        let n = self.columns.len();
        raw.start(n);
        let mut normalized: Vec<Option<Value>> = Vec::new();
        let mut set_normalized = |c: usize, v: Option<Value>| {
            if let Some(v) = v {
                if normalized.is_empty() {
                    normalized.reserve_exact(n); // boxed as is: no spare capacity
                    normalized.resize(n, None);
                }
                normalized[c] = Some(v);
            }
        };
        let derived_spread = attribute == ZONE_SPREAD
            && !k.members.iter().enumerate().any(|(c, m)| {
                m.iter().any(|&i| {
                    self.prepared[c].column.snapshot.resources[i]
                        .attributes
                        .contains_key(ZONE_SPREAD)
                })
            });
        for c in 0..n {
            if k.presence[c] != Presence::Present {
                raw.push(Value::Null);
                continue;
            }
            if derived_spread {
                raw.push(self.zone_spread(c, k.members[c]));
                continue;
            }
            let p = &self.prepared[c];
            let resources = &p.column.snapshot.resources;
            if let [i] = k.members[c] {
                let value = attribute_value(&resources[*i], attribute, *i, &p.children);
                set_normalized(c, self.contexts[c].normalize(&value, spec.compare));
                raw.push(value);
                continue;
            }
            let (group_raw, group_normalized) = self.group_values(c, k.members[c], attribute, spec);
            raw.push(group_raw);
            set_normalized(c, group_normalized);
        }
        (raw.finish(), normalized)
    }

    /// The raw and normalised values of a group of resources in column `c`, each collapsed.
    fn group_values(
        &self,
        c: usize,
        members: &[usize],
        attribute: &str,
        spec: AttributeSpec,
    ) -> (Value, Option<Value>) {
        let p = &self.prepared[c];
        let resources = &p.column.snapshot.resources;
        let mut raws = Vec::with_capacity(members.len());
        let mut norms = Vec::with_capacity(members.len());
        let mut changed = false;
        for &i in members {
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
        (collapse(raws), changed.then(|| collapse(norms)))
    }

    /// An attribute's row. A source that never records this attribute does not take part in it.
    fn attribute_row(
        &self,
        k: &KeyContext,
        builder: &RowBuilder,
        values: RowValues,
        exists_cells: &[Option<Status>],
    ) -> Option<Row> {
        let covers = |p: &PreparedColumn| {
            p.column
                .snapshot
                .covers_attribute(&values.kind, &values.attribute)
        };
        // A per-resource call failed for this attribute in that column: unknown, not drift.
        let unknown: SmallVec<[bool; 4]> = self
            .prepared
            .iter()
            .zip(&k.members)
            .map(|(p, m)| {
                m.iter().any(|&i| {
                    p.column
                        .snapshot
                        .resources
                        .get(i)
                        .is_some_and(|r| r.is_unknown(&values.attribute))
                })
            })
            .collect();
        if self.prepared.iter().all(covers) && !unknown.contains(&true) {
            return builder.build_attribute(values, exists_cells);
        }
        let presence: SmallVec<[Presence; 4]> = self
            .prepared
            .iter()
            .zip(&k.presence)
            .zip(&unknown)
            .map(|((p, pr), u)| {
                if !covers(p) {
                    Presence::NotCovered
                } else if *u && *pr == Presence::Present {
                    Presence::Unknown
                } else {
                    *pr
                }
            })
            .collect();
        RowBuilder {
            presence: &presence,
            ..*builder
        }
        .build_attribute(values, exists_cells)
    }
}

/// One value a key's resource holds, under its interned attribute name.
pub(super) struct Held<'s> {
    name: &'s Arc<str>,
    rank: u32,
    column: usize,
    value: HeldValue<'s>,
}

impl<'s> Held<'s> {
    fn new(name: &'s Arc<str>, rank: u32, column: usize, value: HeldValue<'s>) -> Self {
        Held {
            name,
            rank,
            column,
            value,
        }
    }
}

/// Where a held value comes from (see [`attribute_value`]).
#[derive(Clone, Copy)]
enum HeldValue<'s> {
    Attribute(&'s Value),
    Tag(&'s str),
    Children(i64),
}

impl HeldValue<'_> {
    /// Which wins when one resource holds several values under one name.
    fn order(self) -> u8 {
        match self {
            HeldValue::Attribute(_) => 0,
            HeldValue::Tag(_) => 1,
            HeldValue::Children(_) => 2,
        }
    }
}

/// The raw value of `attribute` on resource `i`: attributes, `tags.<Key>`, `children.<kind>`.
fn attribute_value(
    r: &Resource,
    attribute: &str,
    index: usize,
    children: &FxHashMap<usize, Vec<(&str, i64)>>,
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
            .and_then(|kinds| kinds.iter().find(|(k, _)| *k == kind))
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

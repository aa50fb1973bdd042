//! The inventory model: snapshots of one environment, holding resources of many kinds.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use smallvec::SmallVec;

use crate::name::Name;

/// The category of an attribute row (docs/CONTRACTS.md "Values and categories").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Size,
    Version,
    Network,
    Security,
    Resilience,
    Config,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Size,
        Category::Version,
        Category::Network,
        Category::Security,
        Category::Resilience,
        Category::Config,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Size => "size",
            Category::Version => "version",
            Category::Network => "network",
            Category::Security => "security",
            Category::Resilience => "resilience",
            Category::Config => "config",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!("unknown category `{s}` (expected one of size, version, network, security, resilience, config)")
            })
    }
}

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Aws,
    Terraform,
    Demo,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Aws => "aws",
            Source::Terraform => "terraform",
            Source::Demo => "demo",
        }
    }

    /// Whether this source ever produces resources of `kind`. A pair where one side's source never
    /// produces the row's kind is *not covered* and skipped (docs/CONTRACTS.md "Statuses").
    pub fn covers(self, kind: &str) -> bool {
        let terraform_only = kind.starts_with("tf.");
        match self {
            Source::Aws => !terraform_only,
            // Terraform snapshots map the API kinds they know and keep the rest as `tf.*`.
            Source::Terraform => {
                terraform_only || crate::schema::TERRAFORM_MAPPED_KINDS.contains(&kind)
            }
            Source::Demo => true,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "aws" => Ok(Source::Aws),
            "terraform" => Ok(Source::Terraform),
            "demo" => Ok(Source::Demo),
            other => Err(format!("unknown snapshot source `{other}`")),
        }
    }
}

/// A resource type that a partial snapshot failed to collect, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingKind {
    pub kind: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotStatus {
    Complete,
    Partial,
}

/// How a resource's logical name is derived (docs/CONTRACTS.md "Kinds and logical keys").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Identity {
    /// A Name tag or identifier; the environment's tokens are stripped as whole segments.
    Name { name: String },
    /// An SSM parameter path; the environment's prefix is removed.
    Path { path: String },
    /// An unnamed resource keyed by its parent (a native id) and its role. A role that is the
    /// native id of another resource becomes that resource's logical name.
    Child { parent: String, role: String },
    /// A Terraform address for types with no mapping (module path, type, name, index key).
    Address { address: String },
    /// Nothing to go by: `<kind>/unnamed` (or `<kind>/<parent>/unnamed`).
    Unnamed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<String>,
    },
}

/// A resource's attributes by name, sorted by name (see [`SortedMap`]).
pub type Attributes = SortedMap<Value>;

/// A resource's tags by key, sorted by key (see [`SortedMap`]).
pub type Tags = SortedMap<String>;

/// A map from names to values kept as one vector sorted by name (names are shared text, see
/// [`Name`]), with the part of the
/// `BTreeMap` interface the product uses. Chosen over a `BTreeMap` for memory (issue 19,
/// "Memory"): a `BTreeMap` of the 15–20 attributes a resource typically has takes three nodes of
/// about a kilobyte each, this one allocation of its entries; lookups are binary searches,
/// iteration is in name order, and serde reads and writes a JSON object, as with a `BTreeMap`
/// (a stored map comes sorted: each entry is appended without a search). Written here rather
/// than taken from `litemap`: that crate's `alloc` feature is off in the dependency graph, and
/// turning it on rebuilds everything above it (ICU, `url`, the AWS SDK, Tauri).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SortedMap<V> {
    entries: Vec<(Name, V)>,
}

impl<V> Default for SortedMap<V> {
    fn default() -> Self {
        SortedMap {
            entries: Vec::new(),
        }
    }
}

impl<V> SortedMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut V> {
        self.find(name).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Sets `name` to `value`; returns the value it replaced.
    pub fn insert(&mut self, name: impl Into<Name>, value: V) -> Option<V> {
        let name = name.into();
        // appending in name order (how maps are built and stored) needs no search
        if self
            .entries
            .last()
            .is_none_or(|(last, _)| last.as_str() < name.as_str())
        {
            self.entries.push((name, value));
            return None;
        }
        match self.find(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (name, value));
                None
            }
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn remove(&mut self, name: &str) -> Option<V> {
        self.find(name).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Name, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Name, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&Name, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Name> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<V> std::ops::Index<&str> for SortedMap<V> {
    type Output = V;

    /// Panics when `name` is absent, as a `BTreeMap` does.
    fn index(&self, name: &str) -> &V {
        self.get(name)
            .unwrap_or_else(|| panic!("no entry `{name}` in the map"))
    }
}

impl<V: fmt::Debug> fmt::Debug for SortedMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<Name>, V> Extend<(K, V)> for SortedMap<V> {
    /// Later entries replace earlier ones of the same name, as in a `BTreeMap`.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Into<Name>, V> FromIterator<(K, V)> for SortedMap<V> {
    /// Later entries replace earlier ones of the same name, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = SortedMap::new();
        map.extend(iter);
        map
    }
}

impl<'a, V> IntoIterator for &'a SortedMap<V> {
    type Item = (&'a Name, &'a V);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Name, V)>, fn(&'a (Name, V)) -> (&'a Name, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<V> IntoIterator for SortedMap<V> {
    type Item = (Name, V);
    type IntoIter = std::vec::IntoIter<(Name, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<V: Serialize> Serialize for SortedMap<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SortedMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for MapVisitor<V> {
            type Value = SortedMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                // Entries gather on the stack, then move into one vector of exactly their
                // number: JSON gives no size hint, and a vector grown by doubling keeps up to
                // half its capacity unused for as long as the resource lives (issue 19,
                // "Memory": 60,000 resources hold 720,000 attributes).
                let mut gathered: SmallVec<[(Name, V); 32]> = SmallVec::new();
                let mut sorted = true;
                while let Some((key, value)) = access.next_entry::<Name, V>()? {
                    sorted &= gathered
                        .last()
                        .is_none_or(|(last, _)| last.as_str() < key.as_str());
                    gathered.push((key, value));
                }
                if sorted {
                    let mut entries = Vec::with_capacity(gathered.len());
                    entries.extend(gathered);
                    return Ok(SortedMap { entries });
                }
                // out of order or repeated names: inserted one by one (later ones win)
                let mut map = SortedMap {
                    entries: Vec::with_capacity(gathered.len()),
                };
                map.extend(gathered);
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// One resource as collected: identity, native id, tags and attributes (raw values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub kind: String,
    pub native_id: String,
    pub identity: Identity,
    /// Other ids this resource answers to (ARNs, names) so references to it can be resolved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Native id of the parent (VPC of a subnet, route table, NAT gateway, security group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    #[serde(default)]
    pub attributes: Attributes,
    /// Attributes that could not be read for this resource (a per-resource call failed), with
    /// the reason: `attribute` or `prefix.*` (every attribute under `prefix.`). Their cells are
    /// `unknown`, not drift; the resource and its other attributes count as usual.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unknown: BTreeMap<String, String>,
    /// Where the resource is declared in its source, when that is not its native id: the
    /// Terraform address of a mapped resource (`aws_db_instance.orders`), for fix hints
    /// (docs/CONTRACTS.md "Fix hints and the incident view").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_address: Option<String>,
}

impl Resource {
    pub fn new(kind: &str, native_id: &str, identity: Identity) -> Self {
        Resource {
            kind: kind.to_string(),
            native_id: native_id.to_string(),
            identity,
            aliases: Vec::new(),
            region: None,
            parent: None,
            tags: Tags::new(),
            attributes: Attributes::new(),
            unknown: BTreeMap::new(),
            source_address: None,
        }
    }

    /// Records that `attribute` (or `prefix.*`) could not be read, and why.
    pub fn mark_unknown(&mut self, attribute: &str, reason: &str) {
        self.unknown
            .insert(attribute.to_string(), reason.to_string());
    }

    /// Whether `attribute` is unknown on this resource ([`Resource::unknown`]).
    pub fn is_unknown(&self, attribute: &str) -> bool {
        !self.unknown.is_empty()
            && (self.unknown.contains_key(attribute)
                || self.unknown.keys().any(|k| {
                    k.strip_suffix('*').is_some_and(|prefix| {
                        prefix.ends_with('.') && attribute.starts_with(prefix)
                    })
                }))
    }

    pub fn named(kind: &str, native_id: &str, name: &str) -> Self {
        Self::new(
            kind,
            native_id,
            Identity::Name {
                name: name.to_string(),
            },
        )
    }

    pub fn with_attr(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.attributes.insert(name.to_string(), value.into());
        self
    }

    pub fn with_tag(mut self, key: &str, value: &str) -> Self {
        self.tags.insert(key.to_string(), value.to_string());
        self
    }

    pub fn with_parent(mut self, parent: &str) -> Self {
        self.parent = Some(parent.to_string());
        self
    }

    pub fn with_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_string());
        self
    }
}

/// One environment's inventory at one point in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub environment: String,
    pub taken_at: DateTime<Utc>,
    pub source: Source,
    /// Kinds that failed to collect; non-empty means the snapshot is partial.
    #[serde(default)]
    pub missing: Vec<MissingKind>,
    pub resources: Vec<Resource>,
}

impl Snapshot {
    pub fn status(&self) -> SnapshotStatus {
        if self.missing.is_empty() {
            SnapshotStatus::Complete
        } else {
            SnapshotStatus::Partial
        }
    }

    /// Whether this snapshot's source produces `kind` at all.
    pub fn covers(&self, kind: &str) -> bool {
        self.source.covers(kind)
    }

    /// Whether this snapshot's source records `attribute` of `kind` at all.
    pub fn covers_attribute(&self, kind: &str, attribute: &str) -> bool {
        self.source != Source::Terraform || crate::schema::terraform_records(kind, attribute)
    }

    /// Whether `kind` failed to collect (its cells are `unknown`).
    pub fn failed(&self, kind: &str) -> bool {
        self.missing.iter().any(|m| m.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A `SortedMap` behaves as the `BTreeMap` it replaced: name order whatever the insertion
    /// order, the later of two equal names wins (inserted, collected or read from JSON), and
    /// JSON is an object (`{}` when empty), byte for byte what a `BTreeMap` writes.
    #[test]
    fn a_sorted_map_reads_writes_and_orders_as_a_btree_map() {
        let pairs = [("b", 1), ("a", 2), ("c", 3), ("a", 4), ("b", 5)];
        let mut map: SortedMap<i64> = SortedMap::new();
        let mut btree: BTreeMap<String, i64> = BTreeMap::new();
        for (k, v) in pairs {
            assert_eq!(map.insert(k.to_string(), v), btree.insert(k.to_string(), v));
        }
        let collected: SortedMap<i64> = pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(collected, map);
        assert_eq!(
            map.iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<Vec<_>>(),
            btree.clone().into_iter().collect::<Vec<_>>()
        );
        assert_eq!(map["a"], 4);
        assert_eq!(map.get("z"), None);
        assert_eq!(map.remove("c"), Some(3));
        assert!(!map.contains_key("c"));
        btree.remove("c");
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            serde_json::to_string(&btree).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&SortedMap::<i64>::new()).unwrap(),
            "{}"
        );
        let read: SortedMap<i64> = serde_json::from_value(json!({"b": 1, "a": 2, "c": 3})).unwrap();
        assert_eq!(read.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        let read: SortedMap<i64> = serde_json::from_str(r#"{"b": 1, "a": 2, "b": 7}"#).unwrap();
        assert_eq!(read["b"], 7);
        assert_eq!(read.len(), 2);
        // in order, a name repeated next to itself: the later value wins there too
        let read: SortedMap<i64> = serde_json::from_str(r#"{"a": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!((read["a"], read.len()), (2, 2));
        // more entries than gather on the stack, in order and not
        let many: BTreeMap<String, i64> = (0..100).map(|i| (format!("k{i:03}"), i)).collect();
        let text = serde_json::to_string(&many).unwrap();
        let read: SortedMap<i64> = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
        let reversed: serde_json::Map<String, Value> = many
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let read: SortedMap<i64> = serde_json::from_value(Value::Object(reversed)).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
        assert!(serde_json::from_str::<SortedMap<i64>>("[1]").is_err());
    }
}

//! The inventory model: snapshots of one environment, holding resources of many kinds.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// A map from names to values kept as one vector sorted by name ([`litemap::LiteMap`], which it
/// derefs to for the map methods: `get`, `insert`, `iter`, `keys`, `values`, `retain`, …).
/// Chosen over a `BTreeMap` for memory (issue 19, "Memory"): a `BTreeMap` of the 15–20
/// attributes a resource typically has takes three nodes of about a kilobyte each, this one
/// allocation of its entries. Iteration is in name order, and serde reads and writes a JSON
/// object, as with a `BTreeMap`; `map["name"]` panics when the name is absent, as there.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SortedMap<V>(litemap::LiteMap<String, V>);

impl<V> SortedMap<V> {
    pub fn new() -> Self {
        SortedMap(litemap::LiteMap::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<V> std::ops::Deref for SortedMap<V> {
    type Target = litemap::LiteMap<String, V>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<V> std::ops::DerefMut for SortedMap<V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<V> std::ops::Index<&str> for SortedMap<V> {
    type Output = V;

    fn index(&self, name: &str) -> &V {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("no entry `{name}` in the map"))
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for SortedMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl<V> FromIterator<(String, V)> for SortedMap<V> {
    /// Later entries replace earlier ones of the same name, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        SortedMap(iter.into_iter().collect())
    }
}

impl<V> Extend<(String, V)> for SortedMap<V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.0.insert(k, v);
        }
    }
}

impl<'a, V> IntoIterator for &'a SortedMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = <&'a litemap::LiteMap<String, V> as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        (&self.0).into_iter()
    }
}

impl<V> IntoIterator for SortedMap<V> {
    type Item = (String, V);
    type IntoIter = <litemap::LiteMap<String, V> as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<V: Serialize> Serialize for SortedMap<V> {
    /// Always a JSON object (litemap alone writes an empty map as `[]`).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SortedMap<V> {
    /// An object in any key order (stored ones come sorted: appended without a search).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        litemap::LiteMap::deserialize(deserializer).map(SortedMap)
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

//! The incident view (docs/CONTRACTS.md "Fix hints and the incident view"): everything that
//! differs between two columns for one service — its resources (by service tag or by a whole
//! segment of their logical name) and what they reference, followed generically through the
//! logical keys their normalised values hold — ordered by what most often breaks a deployment.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hints::has_segment;
use crate::identity::name_part;
use crate::matrix::Matrix;
use crate::model::{Category, Snapshot};
use crate::status::Status;

/// How many times references are followed from the service's own resources (a database, then
/// its parameter group; a load balancer, then its target group).
pub const REFERENCE_DEPTH: usize = 2;

/// One resource the incident view covers, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentResource {
    pub key: String,
    /// `tag`, `name` or `reference`.
    pub why: String,
    /// For `reference`: the key that referenced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// The incident view of one service between columns `a` and `b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The resources covered, by key.
    pub resources: Vec<IncidentResource>,
    /// Indices of the matrix rows that differ between `a` and `b`, in incident order.
    pub rows: Vec<usize>,
}

/// The order of categories in the incident view: security, network, version, resilience,
/// config, size.
pub fn category_rank(c: Category) -> u8 {
    match c {
        Category::Security => 0,
        Category::Network => 1,
        Category::Version => 2,
        Category::Resilience => 3,
        Category::Config => 4,
        Category::Size => 5,
    }
}

/// Computes the incident view of `service` between columns `a` and `b` of `matrix`
/// (`snapshots` column-aligned), finding tagged resources by `service_tag`.
pub fn incident(
    matrix: &Matrix,
    snapshots: &[&Snapshot],
    a: usize,
    b: usize,
    service: &str,
    service_tag: &str,
) -> Incident {
    let mut rows_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in matrix.rows.iter().enumerate() {
        rows_of.entry(&*r.key).or_default().push(i);
    }
    let mut covered: BTreeMap<String, IncidentResource> = BTreeMap::new();
    for c in [a, b] {
        let Some(snap) = snapshots.get(c) else {
            continue;
        };
        for (key, res) in matrix.resource_keys(c).iter().zip(&snap.resources) {
            let why = if res
                .tags
                .get(service_tag)
                .is_some_and(|v| v.eq_ignore_ascii_case(service))
            {
                "tag"
            } else if has_segment(name_part(key), service) {
                "name"
            } else {
                continue;
            };
            let entry = covered
                .entry(key.to_string())
                .or_insert_with(|| IncidentResource {
                    key: key.to_string(),
                    why: why.to_string(),
                    from: None,
                });
            if why == "tag" {
                entry.why = "tag".into();
            }
        }
    }
    let mut frontier: Vec<String> = covered.keys().cloned().collect();
    for _ in 0..REFERENCE_DEPTH {
        let mut next = Vec::new();
        for key in &frontier {
            let mut found = BTreeSet::new();
            for &i in rows_of.get(key.as_str()).into_iter().flatten() {
                let row = &matrix.rows[i];
                for c in [a, b] {
                    collect_keys(row.value(c), &rows_of, &mut found);
                }
            }
            for k in found {
                if k != key.as_str() && !covered.contains_key(k) {
                    covered.insert(
                        k.to_string(),
                        IncidentResource {
                            key: k.to_string(),
                            why: "reference".into(),
                            from: Some(key.clone()),
                        },
                    );
                    next.push(k.to_string());
                }
            }
        }
        frontier = next;
    }
    let mut rows: Vec<usize> = covered
        .keys()
        .flat_map(|k| rows_of.get(k.as_str()).into_iter().flatten().copied())
        .filter(|&i| {
            matrix.rows[i]
                .pair_status(a, b)
                .is_some_and(|s| s != Status::Same)
        })
        .collect();
    rows.sort_by(|&x, &y| {
        let (rx, ry) = (&matrix.rows[x], &matrix.rows[y]);
        (category_rank(rx.category), &rx.key, x).cmp(&(category_rank(ry.category), &ry.key, y))
    });
    Incident {
        resources: covered.into_values().collect(),
        rows,
    }
}

/// Every logical key (a key some row has) held in `v`: a string, an array item, an object field.
fn collect_keys<'k>(v: &Value, keys: &HashMap<&'k str, Vec<usize>>, out: &mut BTreeSet<&'k str>) {
    match v {
        Value::String(s) => {
            if let Some((k, _)) = keys.get_key_value(s.as_str()) {
                out.insert(k);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_keys(i, keys, out)),
        Value::Object(m) => m.values().for_each(|i| collect_keys(i, keys, out)),
        _ => {}
    }
}

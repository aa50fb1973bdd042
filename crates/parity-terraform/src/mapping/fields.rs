//! Reading Terraform attribute values: strings, lists, tags and region, and copying known fields
//! onto a resource under their attribute names.

use std::collections::BTreeMap;

use parity_core::Resource;
use serde_json::{Map, Value};

pub(super) fn str_attr<'a>(a: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    a.get(field).and_then(Value::as_str)
}

pub(super) fn non_empty_str<'a>(a: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    str_attr(a, field).filter(|s| !s.is_empty())
}

pub(super) fn list<'a>(a: &'a Map<String, Value>, field: &str) -> &'a [Value] {
    match a.get(field) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// The non-empty strings of a list field.
pub(super) fn strings(a: &Map<String, Value>, field: &str) -> Vec<String> {
    list(a, field)
        .iter()
        .filter_map(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Copies `(terraform field, attribute name)` pairs whose value is known (not null, not "").
pub(super) fn copy(a: &Map<String, Value>, r: &mut Resource, fields: &[(&str, &str)]) {
    for (from, to) in fields {
        match a.get(*from) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(v) => {
                r.attributes.insert((*to).to_string(), v.clone());
            }
        }
    }
}

/// A set-like list: sorted by canonical text, duplicates removed (the inline rules of a group
/// and its separate rule resources often describe the same rule twice).
pub(super) fn set_of(mut items: Vec<Value>) -> Value {
    items.sort_by_cached_key(Value::to_string);
    items.dedup();
    Value::Array(items)
}

/// `tags_all` (tags including provider default tags, what the API sees) or else `tags`.
pub(super) fn raw_tags(a: &Map<String, Value>) -> BTreeMap<String, String> {
    let pick = |field: &str| match a.get(field) {
        Some(Value::Object(map)) if !map.is_empty() => Some(map),
        _ => None,
    };
    pick("tags_all")
        .or_else(|| pick("tags"))
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The region from the resource's ARN, or else its availability zone.
pub(super) fn region_of(a: &Map<String, Value>) -> Option<String> {
    if let Some(region) = non_empty_str(a, "arn")
        .and_then(|arn| arn.split(':').nth(3))
        .filter(|r| !r.is_empty())
    {
        return Some(region.to_string());
    }
    non_empty_str(a, "availability_zone")
        .filter(|az| az.len() > 1 && az.ends_with(|c: char| c.is_ascii_lowercase()))
        .map(|az| az[..az.len() - 1].to_string())
}

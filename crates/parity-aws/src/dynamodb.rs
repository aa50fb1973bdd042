//! Feature flags in DynamoDB (opt-in per environment, `feature_flags` in its configuration): the
//! named table is scanned (read-only, paginated, filtered server-side to the environment's items)
//! and each item becomes a `dynamodb.item` named by its name attribute, with the item's other
//! attributes compared. Values under secret-looking attribute names are kept only as keyed
//! fingerprints.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use parity_core::{FeatureFlags, Identity, Resource};
use serde_json::{json, Map, Number, Value};

use crate::failure::{describe, CallFailure};
use crate::secrets::{looks_secret, token, ValueFingerprinter};

pub(crate) const KIND: &str = "dynamodb.item";

/// An attribute value as JSON: strings, numbers (as JSON numbers when they parse), booleans,
/// null, lists, maps; string and number sets as arrays (compared as sets); binary as
/// `base64:<…>`-free `"<binary N bytes>"` (never meaningful to show).
pub(crate) fn to_json(v: &AttributeValue) -> Value {
    let number = |s: &str| -> Value {
        if let Ok(i) = s.parse::<i64>() {
            return json!(i);
        }
        s.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| json!(s))
    };
    match v {
        AttributeValue::S(s) => json!(s),
        AttributeValue::N(n) => number(n),
        AttributeValue::Bool(b) => json!(b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::L(items) => Value::Array(items.iter().map(to_json).collect()),
        // keys in sorted order: the SDK hands maps over as a HashMap, whose order varies
        AttributeValue::M(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), to_json(v)))
                    .collect::<Map<String, Value>>(),
            )
        }
        AttributeValue::Ss(items) => json!(items),
        AttributeValue::Ns(items) => Value::Array(items.iter().map(|n| number(n)).collect()),
        AttributeValue::B(b) => json!(format!("<binary {} bytes>", b.as_ref().len())),
        AttributeValue::Bs(items) => json!(format!("<{} binary values>", items.len())),
        _ => Value::Null,
    }
}

fn item_resource(
    item: &HashMap<String, AttributeValue>,
    flags: &FeatureFlags,
    region: &str,
    fingerprinter: Option<&ValueFingerprinter>,
) -> Option<Resource> {
    let name = match item.get(&flags.name_attribute)? {
        AttributeValue::S(s) => s.clone(),
        other => to_json(other).to_string(),
    };
    let mut r =
        Resource::new(KIND, &name, Identity::Name { name: name.clone() }).with_region(region);
    for (key, value) in item {
        if key == &flags.name_attribute || key == &flags.environment_attribute {
            continue;
        }
        let value = to_json(value);
        if looks_secret(key) {
            let text = value
                .as_str()
                .map(str::to_string)
                .unwrap_or(value.to_string());
            r.attributes
                .insert(key.clone(), json!(token(fingerprinter, &text)));
        } else {
            r.attributes.insert(key.clone(), value);
        }
    }
    Some(r)
}

/// The environment's flags: items whose environment attribute is its name or an alias.
pub(crate) async fn items(
    client: &Client,
    flags: &FeatureFlags,
    env_tokens: &[String],
    region: &str,
    fingerprinter: Option<&ValueFingerprinter>,
) -> Result<Vec<Resource>, CallFailure> {
    let mut filter = Vec::new();
    let mut values = HashMap::new();
    for (i, token) in env_tokens.iter().enumerate() {
        filter.push(format!("#env = :env{i}"));
        values.insert(format!(":env{i}"), AttributeValue::S(token.clone()));
    }
    let mut pages = client
        .scan()
        .table_name(&flags.table)
        .filter_expression(filter.join(" OR "))
        .expression_attribute_names("#env", &flags.environment_attribute)
        .set_expression_attribute_values(Some(values))
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            let f = describe(&e).during("dynamodb:Scan");
            CallFailure::new(format!("table `{}`: {}", flags.table, f.reason))
        })?;
        out.extend(
            page.items()
                .iter()
                .filter_map(|item| item_resource(item, flags, region, fingerprinter)),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_become_json() {
        assert_eq!(to_json(&AttributeValue::N("25".into())), json!(25));
        assert_eq!(to_json(&AttributeValue::N("0.5".into())), json!(0.5));
        assert_eq!(to_json(&AttributeValue::Bool(true)), json!(true));
        let m = AttributeValue::M(HashMap::from([(
            "a".to_string(),
            AttributeValue::L(vec![AttributeValue::S("x".into())]),
        )]));
        assert_eq!(to_json(&m), json!({"a": ["x"]}));
    }
}

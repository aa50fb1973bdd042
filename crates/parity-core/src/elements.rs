//! Element-level differences of set-valued rows (docs/CONTRACTS.md "Element differences"): which
//! rows are set-valued, the elements one side of a pair has and the other lacks, and the one
//! canonical, readable text of a value or element (`tcp 443 from 0.0.0.0/0`) that the CLI, the
//! reports, the desktop and exception `elements` share.

use std::collections::HashSet;

use serde_json::Value;

use crate::schema::{self, Compare};

/// The extra elements of one pair of a set-valued row, in normalised form: what `a` has and `b`
/// lacks (`only_a`), and the reverse (`only_b`), each in the order of its side's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairElements {
    pub only_a: Vec<Value>,
    pub only_b: Vec<Value>,
}

impl PairElements {
    pub fn is_empty(&self) -> bool {
        self.only_a.is_empty() && self.only_b.is_empty()
    }

    /// The canonical text of every extra element, `only_a` then `only_b`.
    pub fn texts(&self) -> impl Iterator<Item = String> + '_ {
        self.only_a.iter().chain(&self.only_b).map(element_text)
    }
}

/// Whether a row of `kind`/`attribute` holding `values` (normalised, one per column) is
/// set-valued: the attribute compares as a set and some column's value is an array.
pub fn is_set_valued<'v>(
    kind: &str,
    attribute: &str,
    mut values: impl Iterator<Item = &'v Value>,
) -> bool {
    values.any(Value::is_array) && schema::spec(kind, attribute).compare != Compare::Ordered
}

/// A value read as a set of elements: an array's items, none for `null`, else the value itself.
pub fn elements_of(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        Value::Null => &[],
        other => std::slice::from_ref(other),
    }
}

/// The elements `a` has and `b` lacks, and the reverse (compared by canonical JSON, as sets).
/// The one function both element diffs and fix hints build on.
pub fn pair_elements(a: &Value, b: &Value) -> PairElements {
    let (ea, eb) = (elements_of(a), elements_of(b));
    let set = |items: &[Value]| -> HashSet<String> { items.iter().map(key).collect() };
    let (sa, sb) = (set(ea), set(eb));
    let only = |items: &[Value], other: &HashSet<String>| -> Vec<Value> {
        let mut seen = HashSet::new();
        items
            .iter()
            .filter(|v| {
                let k = key(v);
                !other.contains(&k) && seen.insert(k)
            })
            .cloned()
            .collect()
    };
    PairElements {
        only_a: only(ea, &sb),
        only_b: only(eb, &sa),
    }
}

fn key(v: &Value) -> String {
    // strings and JSON text of other values never collide: a string's JSON text is quoted
    v.to_string()
}

/// The canonical, readable text of a value or element: security-group rules as
/// `tcp 443 from 0.0.0.0/0`, routes as `0.0.0.0/0 → target`, strings bare, `null` as `—`,
/// arrays as `[a, b]`, other objects as `{key=value, …}`.
pub fn element_text(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(element_text).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            if let (Some(proto), Some(source)) = (map.get("protocol"), map.get("source")) {
                let ports = match (map.get("from_port"), map.get("to_port")) {
                    (Some(Value::Number(a)), Some(Value::Number(b))) if a == b => format!(" {a}"),
                    (Some(Value::Number(a)), Some(Value::Number(b))) => format!(" {a}-{b}"),
                    _ => String::new(),
                };
                return format!(
                    "{}{ports} from {}",
                    element_text(proto),
                    element_text(source)
                );
            }
            if let (Some(dest), Some(target)) = (map.get("destination"), map.get("target")) {
                return format!("{} → {}", element_text(dest), element_text(target));
            }
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", element_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// An element text as an exception lists it, made comparable with [`element_text`]: surrounding
/// and repeated spaces ignored, `->` read as `→`.
pub fn comparable_text(text: &str) -> String {
    text.replace("->", "→")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether every extra element of a pair is among `accepted` (texts as an exception lists them).
pub fn elements_accepted(extra: &PairElements, accepted: &[String]) -> bool {
    let accepted: HashSet<String> = accepted.iter().map(|t| comparable_text(t)).collect();
    extra
        .texts()
        .all(|t| accepted.contains(&comparable_text(&t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(port: i64, source: &str) -> Value {
        json!({"protocol": "tcp", "from_port": port, "to_port": port, "source": source})
    }

    #[test]
    fn rules_and_routes_read_naturally() {
        assert_eq!(
            element_text(&rule(443, "0.0.0.0/0")),
            "tcp 443 from 0.0.0.0/0"
        );
        assert_eq!(
            element_text(
                &json!({"protocol": "tcp", "from_port": 1024, "to_port": 2048, "source": "sg"})
            ),
            "tcp 1024-2048 from sg"
        );
        assert_eq!(
            element_text(
                &json!({"protocol": "all", "from_port": null, "to_port": null, "source": "x"})
            ),
            "all from x"
        );
        assert_eq!(
            element_text(&json!({"destination": "0.0.0.0/0", "target": "ec2.nat_gateway/main/a"})),
            "0.0.0.0/0 → ec2.nat_gateway/main/a"
        );
        assert_eq!(element_text(&json!(null)), "—");
        assert_eq!(element_text(&json!(["a", 1])), "[a, 1]");
        assert_eq!(element_text(&json!({"k": true})), "{k=true}");
    }

    #[test]
    fn pair_elements_are_the_set_differences() {
        let a = json!([rule(22, "10.0.0.0/8"), rule(443, "0.0.0.0/0")]);
        let b = json!([
            rule(443, "0.0.0.0/0"),
            rule(80, "0.0.0.0/0"),
            rule(8080, "x")
        ]);
        let d = pair_elements(&a, &b);
        assert_eq!(d.only_a, vec![rule(22, "10.0.0.0/8")]);
        assert_eq!(d.only_b, vec![rule(80, "0.0.0.0/0"), rule(8080, "x")]);
        assert!(pair_elements(&a, &a).is_empty());
        // null is the empty set, a scalar a one-element set; "1" and 1 differ
        let d = pair_elements(&json!(null), &json!(["x"]));
        assert_eq!((d.only_a.len(), d.only_b), (0, vec![json!("x")]));
        let d = pair_elements(&json!("1"), &json!([1]));
        assert_eq!((d.only_a, d.only_b), (vec![json!("1")], vec![json!(1)]));
        // duplicates count once
        let d = pair_elements(&json!(["a", "a"]), &json!([]));
        assert_eq!(d.only_a, vec![json!("a")]);
    }

    #[test]
    fn set_valued_rows() {
        let arr = json!(["a"]);
        let s = json!("a");
        assert!(is_set_valued(
            "ec2.security_group",
            "ingress",
            [&arr, &s].into_iter()
        ));
        assert!(!is_set_valued(
            "ec2.instance",
            "instance_type",
            [&s, &s].into_iter()
        ));
        assert!(!is_set_valued(
            "lambda.function",
            "layers",
            [&arr].into_iter()
        ));
    }

    #[test]
    fn accepted_elements_compare_by_canonical_text() {
        let d = pair_elements(
            &json!([]),
            &json!([rule(443, "0.0.0.0/0"), {"destination": "0.0.0.0/0", "target": "igw"}]),
        );
        let ok = vec![
            "  tcp  443 from 0.0.0.0/0".to_string(),
            "0.0.0.0/0 -> igw".into(),
        ];
        assert!(elements_accepted(&d, &ok));
        assert!(!elements_accepted(&d, &ok[..1]));
        assert!(elements_accepted(&PairElements::default(), &[]));
    }
}

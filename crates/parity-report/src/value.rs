//! Short, readable text for a value in a cell: strings bare, security-group rules as
//! `tcp 443 from X`, lists joined, absent as `—`.

use serde_json::Value;

/// Text for one cell value.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(display_value).collect();
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
                    display_value(proto),
                    display_value(source)
                );
            }
            if let (Some(dest), Some(target)) = (map.get("destination"), map.get("target")) {
                return format!("{} → {}", display_value(dest), display_value(target));
            }
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", display_value(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_and_routes_read_naturally() {
        assert_eq!(
            display_value(
                &json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"})
            ),
            "tcp 443 from 0.0.0.0/0"
        );
        assert_eq!(
            display_value(&json!({"destination": "0.0.0.0/0", "target": "ec2.nat_gateway/main/a"})),
            "0.0.0.0/0 → ec2.nat_gateway/main/a"
        );
        assert_eq!(display_value(&json!(null)), "—");
        assert_eq!(display_value(&json!(["a", 1])), "[a, 1]");
    }
}

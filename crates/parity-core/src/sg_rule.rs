//! Security-group rules in their one canonical JSON form, built here for every source (the EC2
//! API collector in parity-aws, the Terraform state importer in parity-terraform), so that the
//! same rule compares equal whichever source reported it.
//!
//! # Canonical form
//!
//! `ec2.security_group`'s `ingress` and `egress` attributes (KINDS.md) are lists of objects, one
//! per source of a rule, with the keys in this order:
//!
//! ```json
//! {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"}
//! ```
//!
//! - `protocol`, from a string or a JSON number, case and surrounding spaces ignored:
//!   - every protocol — `-1`, `all`, an empty string, or no protocol at all — is `"all"`;
//!   - the protocol numbers 6, 17, 1 and 58 become the names the EC2 API reports for them:
//!     `"tcp"`, `"udp"`, `"icmp"`, `"icmpv6"` (so `"6"`, `6` and `"TCP"` are all `"tcp"`);
//!   - any other protocol number is a JSON number (`47`); any other name is lower-cased.
//! - `from_port`, `to_port`: JSON integers (for ICMP, the type and the code, `-1` meaning any);
//!   `null` when the protocol is `"all"` or the source gave none.
//! - `source`: the CIDR, IPv6 CIDR, prefix-list id or security-group id, as given.

use serde_json::{Map, Value};

/// An IP protocol in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// Every protocol (`-1`).
    All,
    /// 6
    Tcp,
    /// 17
    Udp,
    /// 1
    Icmp,
    /// 58
    Icmpv6,
    /// Any other protocol number.
    Number(i64),
    /// Any other protocol name, lower-cased.
    Name(String),
}

impl Protocol {
    /// From its text: the EC2 API's `IpProtocol`, Terraform's `protocol` or `ip_protocol`.
    pub fn parse(text: &str) -> Protocol {
        let text = text.trim().to_ascii_lowercase();
        if let Ok(n) = text.parse::<i64>() {
            return Protocol::from_number(n);
        }
        match text.as_str() {
            "" | "all" => Protocol::All,
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            "icmpv6" => Protocol::Icmpv6,
            _ => Protocol::Name(text),
        }
    }

    /// From a protocol number (`-1`: every protocol).
    pub fn from_number(n: i64) -> Protocol {
        match n {
            -1 => Protocol::All,
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            1 => Protocol::Icmp,
            58 => Protocol::Icmpv6,
            n => Protocol::Number(n),
        }
    }

    /// From a JSON value as Terraform stores it: a string or a number. Anything else (`null`,
    /// absent) means every protocol.
    pub fn from_json(value: Option<&Value>) -> Protocol {
        match value {
            Some(Value::String(s)) => Protocol::parse(s),
            Some(Value::Number(n)) => Protocol::parse(&n.to_string()),
            _ => Protocol::All,
        }
    }

    /// The canonical JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            Protocol::All => Value::from("all"),
            Protocol::Tcp => Value::from("tcp"),
            Protocol::Udp => Value::from("udp"),
            Protocol::Icmp => Value::from("icmp"),
            Protocol::Icmpv6 => Value::from("icmpv6"),
            Protocol::Number(n) => Value::from(*n),
            Protocol::Name(name) => Value::from(name.as_str()),
        }
    }
}

/// A rule's protocol and port range, shared by each of its sources (an EC2 `IpPermission`, a
/// Terraform rule block or rule resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroupRule {
    pub protocol: Protocol,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
}

impl SecurityGroupRule {
    pub fn new(protocol: Protocol, from_port: Option<i64>, to_port: Option<i64>) -> Self {
        SecurityGroupRule {
            protocol,
            from_port,
            to_port,
        }
    }

    /// The canonical object of this rule for one `source` (see the module documentation).
    pub fn to_value(&self, source: &str) -> Value {
        let port = |p: Option<i64>| match p {
            Some(n) if self.protocol != Protocol::All => Value::from(n),
            _ => Value::Null,
        };
        let mut rule = Map::with_capacity(4);
        rule.insert("protocol".into(), self.protocol.to_value());
        rule.insert("from_port".into(), port(self.from_port));
        rule.insert("to_port".into(), port(self.to_port));
        rule.insert("source".into(), Value::from(source));
        Value::Object(rule)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The same rule as the EC2 API reports it (`IpProtocol` text, `i32` ports).
    fn api_form(protocol: Option<&str>, from: Option<i32>, to: Option<i32>, source: &str) -> Value {
        SecurityGroupRule::new(
            protocol.map_or(Protocol::All, Protocol::parse),
            from.map(i64::from),
            to.map(i64::from),
        )
        .to_value(source)
    }

    /// The same rule as a Terraform state stores it (JSON protocol and ports).
    fn terraform_form(protocol: Value, from: Value, to: Value, source: &str) -> Value {
        SecurityGroupRule::new(
            Protocol::from_json(Some(&protocol)),
            from.as_i64(),
            to.as_i64(),
        )
        .to_value(source)
    }

    #[test]
    fn api_and_terraform_forms_of_a_rule_are_equal() {
        let https =
            json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"});
        // protocol "6" from one source, "tcp" from the other
        let api = api_form(Some("6"), Some(443), Some(443), "0.0.0.0/0");
        let tf = terraform_form(json!("tcp"), json!(443), json!(443), "0.0.0.0/0");
        assert_eq!(api, tf);
        assert_eq!(api, https);
        assert_eq!(
            api_form(Some("tcp"), Some(443), Some(443), "0.0.0.0/0"),
            terraform_form(json!("6"), json!(443), json!(443), "0.0.0.0/0")
        );
        assert_eq!(
            terraform_form(json!(6), json!(443), json!(443), "0.0.0.0/0"),
            https
        );
        // same key order too (the snapshot JSON keeps it)
        assert_eq!(
            serde_json::to_string(&api).unwrap(),
            serde_json::to_string(&tf).unwrap()
        );

        for (api_protocol, tf_protocol, name) in [
            ("17", json!("udp"), "udp"),
            ("1", json!("ICMP"), "icmp"),
            ("58", json!("icmpv6"), "icmpv6"),
            ("udp", json!(17), "udp"),
        ] {
            let api = api_form(Some(api_protocol), Some(53), Some(53), "sg-1");
            let tf = terraform_form(tf_protocol, json!(53), json!(53), "sg-1");
            assert_eq!(api, tf, "{api_protocol}");
            assert_eq!(api["protocol"], json!(name));
        }
    }

    #[test]
    fn every_protocol_is_all_without_ports() {
        let all = json!({"protocol": "all", "from_port": null, "to_port": null, "source": "::/0"});
        assert_eq!(api_form(Some("-1"), None, None, "::/0"), all);
        assert_eq!(api_form(None, Some(0), Some(0), "::/0"), all);
        for protocol in [
            json!("-1"),
            json!("all"),
            json!("ALL"),
            json!(-1),
            json!(""),
            json!(null),
        ] {
            assert_eq!(
                terraform_form(protocol.clone(), json!(0), json!(0), "::/0"),
                all,
                "{protocol}"
            );
        }
    }

    #[test]
    fn other_protocols_are_numbers_or_lower_case_names() {
        assert_eq!(
            api_form(Some("47"), None, None, "10.0.0.0/8"),
            json!({"protocol": 47, "from_port": null, "to_port": null, "source": "10.0.0.0/8"})
        );
        assert_eq!(
            terraform_form(json!(" 47 "), json!(null), json!(null), "10.0.0.0/8"),
            api_form(Some("47"), None, None, "10.0.0.0/8")
        );
        assert_eq!(Protocol::parse("ESP"), Protocol::Name("esp".into()));
        assert_eq!(Protocol::parse("ESP").to_value(), json!("esp"));
        // ICMP keeps its type and code, -1 meaning any
        assert_eq!(
            api_form(Some("icmp"), Some(-1), Some(-1), "10.0.0.0/8"),
            json!({"protocol": "icmp", "from_port": -1, "to_port": -1, "source": "10.0.0.0/8"})
        );
    }
}

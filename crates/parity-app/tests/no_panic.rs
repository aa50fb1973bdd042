//! Any input, no panic (issue 14 §3): property tests over every parser a user's text reaches —
//! Terraform state, the workspace file, column specs, globs and patterns, durations, expected
//! values. Each gets thousands of generated cases, both unstructured (any bytes or text) and
//! structured (a valid document with random parts replaced), and must return Ok or an error
//! that names the input; never panic.

use chrono::{TimeZone, Utc};
use parity_app::check::parse_duration;
use parity_app::compare::parse_spec;
use parity_app::exceptions::{expected_value, parse_date, parse_expected};
use parity_app::WorkspaceFile;
use parity_core::exception::CompiledException;
use parity_core::ExceptionRule;
use proptest::prelude::*;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("10.0.0.0/16"),
            Just("sg-123"),
            Just("aws_vpc.main"),
            Just("arn:aws:iam::1:role/x"),
            Just("tcp"),
            Just("-1"),
            Just("0.0.0.0/0"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,10}",
                    Just("id".to_string()),
                    Just("tags".to_string()),
                    Just("name".to_string()),
                    Just("vpc_id".to_string()),
                    Just("ingress".to_string()),
                    Just("cidr_block".to_string()),
                    Just("security_groups".to_string()),
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const TYPES: &[&str] = &[
    "aws_instance",
    "aws_db_instance",
    "aws_db_parameter_group",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc",
    "aws_subnet",
    "aws_route_table",
    "aws_route",
    "aws_nat_gateway",
    "aws_ssm_parameter",
    "aws_lambda_function",
    "aws_s3_bucket",
    "aws_default_vpc",
    "aws_main_route_table_association",
    "aws_unknown_thing",
];

/// A format-4 state whose resources have random types, modes, names and attribute values.
fn any_state() -> impl Strategy<Value = Value> {
    let instance = (any_json(), prop::option::of(any_json()), any_json()).prop_map(
        |(attributes, index_key, extra)| {
            let mut i = json!({ "schema_version": 0, "attributes": attributes });
            if let Some(k) = index_key {
                i["index_key"] = k;
            }
            i["sensitive_attributes"] = extra;
            i
        },
    );
    let resource = (
        prop::sample::select(TYPES),
        prop_oneof![
            Just("managed".to_string()),
            Just("data".to_string()),
            ".{0,5}"
        ],
        "[a-z0-9_-]{0,8}",
        prop::option::of("module\\.[a-z]{1,4}(\\[[0-9]\\])?"),
        prop::collection::vec(instance, 0..4),
    )
        .prop_map(|(ty, mode, name, module, instances)| {
            let mut r = json!({
                "mode": mode, "type": ty, "name": name,
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": instances,
            });
            if let Some(m) = module {
                r["module"] = json!(m);
            }
            r
        });
    (
        prop::collection::vec(resource, 0..6),
        any_json(),
        any::<u8>(),
    )
        .prop_map(|(resources, junk, pick)| {
            let mut state = json!({
                "version": 4, "terraform_version": "1.9.0", "serial": 1,
                "lineage": "x", "outputs": {}, "resources": resources,
            });
            // sometimes break the envelope itself
            match pick % 8 {
                0 => state["resources"] = junk,
                1 => state["version"] = junk,
                _ => {}
            }
            state
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tfstate_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(e) = parity_terraform::parse_state(&bytes, "any.tfstate") {
            prop_assert!(e.to_string().contains("any.tfstate"), "{e}");
        }
    }

    #[test]
    fn tfstate_structured(state in any_state(), env in "[a-z]{1,6}") {
        let bytes = serde_json::to_vec(&state).unwrap();
        match parity_terraform::parse_state(&bytes, "gen.tfstate") {
            Ok(parsed) => {
                let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
                let import = parity_terraform::import_state(&parsed, &env, now);
                // what is imported must survive the store's encoding
                serde_json::to_string(&import.snapshot).unwrap();
            }
            Err(e) => prop_assert!(e.to_string().contains("gen.tfstate"), "{e}"),
        }
    }

    #[test]
    fn workspace_file_any_text(text in "(?s).{0,300}") {
        if let Err(e) = WorkspaceFile::parse(&text, "any.toml") {
            prop_assert!(e.message.contains("any.toml"), "{}", e.message);
        }
    }

    #[test]
    fn workspace_file_mutated(lines in prop::collection::vec(
        (0usize..TEMPLATE_LINES, prop_oneof![
            Just(String::new()),
            ".{0,20}",
            "[a-z_]{1,10} = \"[^\"\\\\]{0,10}\"",
            "[a-z_]{1,10} = [0-9-]{1,20}",
            "[a-z_]{1,10} = \\[\"[*?\\[\\]{}a-z]{0,6}\"\\]",
            Just("[[exception]]".to_string()),
            Just("[[environment]]".to_string()),
            Just("expires = 2027-13-45".to_string()),
            Just("created = 0000-01-01".to_string()),
            "pattern = \"[()*+?\\[\\]{}a-z]{0,8}\"",
            "resource = \"[*?\\[\\]{}!a-z/]{0,10}\"",
        ]),
        0..6,
    )) {
        let mut doc: Vec<String> = TEMPLATE.lines().map(str::to_string).collect();
        for (at, line) in lines {
            let at = at % doc.len();
            doc[at] = line;
        }
        let text = doc.join("\n");
        if let Err(e) = WorkspaceFile::parse(&text, "mutated.toml") {
            prop_assert!(e.message.contains("mutated.toml"), "{}", e.message);
        }
    }

    #[test]
    fn column_specs(spec in prop_oneof![
        "(?s).{0,30}",
        "[a-z]{0,6}@[0-9-]{0,24}",
        "[a-z]{0,6}@[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}",
    ]) {
        if let Err(e) = parse_spec(&spec) {
            prop_assert!(e.message.contains(&spec), "{}", e.message);
        }
    }

    #[test]
    fn globs_and_patterns(
        resource in prop_oneof!["(?s).{0,20}", "[*?\\[\\]{}!,a-z/\\\\-]{0,16}"],
        attribute in prop_oneof!["(?s).{0,12}", "[*?\\[\\]{}!a-z.]{0,12}"],
        key in ".{0,20}",
        pattern in prop_oneof!["(?s).{0,20}", "[()*+?\\[\\]{}^$|a-z\\\\0-9]{0,16}"],
    ) {
        let rule = ExceptionRule {
            id: "gen".into(),
            resource,
            attribute,
            environments: vec!["prod".into()],
            expected: Default::default(),
            elements: vec![],
            justification: "j".into(),
            owner: "o".into(),
            created: None,
            expires: None,
            ticket: None,
        };
        let _ = rule.validate();
        if let Ok(c) = CompiledException::new(&rule) {
            let _ = c.matches_row(&key, &key);
        }
        let rewrite = parity_core::RewriteRule {
            kind: "ec2.instance".into(),
            pattern,
            replace: "$1".into(),
        };
        if let Ok(re) = rewrite.compile() {
            let _ = re.replace_all(&key, rewrite.replace.as_str());
        }
    }

    #[test]
    fn durations(text in prop_oneof![
        "(?s).{0,24}",
        "[0-9]{1,30}[smhdwy]?",
        " ?[0-9]{1,3}[smhdw] ?",
    ]) {
        if let Err(e) = parse_duration(&text) {
            prop_assert!(e.message.contains(&text), "{}", e.message);
        }
    }

    #[test]
    fn expected_values_and_dates(text in prop_oneof![
        "(?s).{0,30}",
        "[a-z]{0,5}=[\\[\\]{}\"0-9eE.+-]{0,20}",
        "[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}",
    ]) {
        match parse_expected(&text) {
            Ok((_, value)) => { serde_json::to_string(&value).unwrap(); }
            Err(e) => prop_assert!(e.message.contains(&text), "{}", e.message),
        }
        let _ = expected_value(&text);
        if let Err(e) = parse_date(&text, "--expires") {
            prop_assert!(e.message.contains(&text), "{}", e.message);
        }
    }
}

const TEMPLATE_LINES: usize = 40;

const TEMPLATE: &str = r#"name = "shop"

[[environment]]
name = "prod"
aliases = ["prd"]
credentials = { profile = "shop-prod" }
regions = ["us-east-1"]
tags = { Environment = "prod" }
ssm_prefix = "/prod/"
endpoint_url = "http://127.0.0.1:4566"

[[environment]]
name = "staging"
credentials = { keyring = true }
regions = ["us-east-1"]
may_differ_in = ["size"]

[[rule]]
kind = "ec2.instance"
pattern = "^(.*)-blue$"
replace = "$1"

[[ignore]]
kind = "ec2.instance"
attribute = "tags.LastDeployedBy"

[[exception]]
id = "prod-multi-az"
resource = "rds.db_instance/orders-db*"
attribute = "multi_az"
environments = ["prod"]
expected = { prod = true }
justification = "Prod needs redundancy."
owner = "platform-team"
created = "2026-11-26"
expires = "2027-06-30"
ticket = "https://tracker.example/OPS-42"
"#;

#[test]
fn the_template_is_valid_and_as_long_as_the_mutation_range() {
    WorkspaceFile::parse(TEMPLATE, "t.toml").unwrap();
    assert!(TEMPLATE.lines().count() <= TEMPLATE_LINES);
}

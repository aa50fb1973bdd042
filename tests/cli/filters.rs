//! `diff` output formats and row filters: Markdown is a GFM table, `--status`, `--pair`,
//! `--kind` and `--category` keep exactly the rows they name, and `-o` writes what stdout shows.

use serde_json::Value;

use crate::support::{rows, Sandbox};

fn keys(doc: &Value) -> Vec<(String, String)> {
    rows(doc)
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap_or_default().to_string(),
                r["attribute"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn has(doc: &Value, key: &str, attribute: &str) -> bool {
    rows(doc)
        .iter()
        .any(|r| r["key"] == key && r["attribute"] == attribute)
}

fn pair_status<'a>(row: &'a Value, a: &str, b: &str) -> Option<&'a str> {
    row["pairs"]
        .as_array()?
        .iter()
        .find(|p| (p["a"] == a && p["b"] == b) || (p["a"] == b && p["b"] == a))
        .and_then(|p| p["status"].as_str())
}

#[test]
fn markdown_output_is_a_gfm_table_of_the_matrix() {
    let s = Sandbox::demo();
    let md = s.run(&["diff", "--format", "markdown"]).ok().to_string();
    let lines: Vec<&str> = md.lines().collect();
    let is_delimiter = |l: &str| {
        l.starts_with('|')
            && l.contains("---")
            && l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
    };
    let header = lines
        .iter()
        .zip(lines.iter().skip(1))
        .find(|(h, d)| {
            h.starts_with('|') && h.contains("dev") && h.contains("prod") && is_delimiter(d)
        })
        .map(|(h, _)| *h);
    let header = header.unwrap_or_else(|| panic!("no GFM table with the environments:\n{md}"));
    assert!(
        header.contains("staging"),
        "the matrix header lacks staging: {header}"
    );
    // a failing row as a table row; Markdown escapes `_`
    assert!(
        md.lines()
            .any(|l| l.starts_with("| drift |") && l.contains("api/log\\_level")),
        "{md}"
    );
}

#[test]
fn status_filter_keeps_only_rows_of_those_statuses() {
    let s = Sandbox::demo();
    let all = s.diff_json(&[]);
    let count = |status: &str| rows(&all).iter().filter(|r| r["status"] == status).count();

    let drift = s.diff_json(&["--status", "drift"]);
    assert!(!rows(&drift).is_empty());
    assert!(rows(&drift).iter().all(|r| r["status"] == "drift"));
    assert_eq!(rows(&drift).len(), count("drift"));
    assert_eq!(drift["summary"]["rows"], rows(&drift).len());

    let two = s.diff_json(&["--status", "drift,missing"]);
    assert_eq!(rows(&two).len(), count("drift") + count("missing"));
    let repeated = s.diff_json(&["--status", "drift", "--status", "missing"]);
    assert_eq!(keys(&repeated), keys(&two));

    s.run(&["diff", "--status", "drift,bogus"])
        .code(2)
        .stderr_has(&["--status", "bogus"]);
}

#[test]
fn pair_filter_keeps_rows_where_that_pair_was_compared() {
    let s = Sandbox::demo();
    let all = s.diff_json(&[]);

    // the CPU alarm and the NAT gateways exist only in prod: dev and staging were not compared
    let dev_staging = s.diff_json(&["--pair", "dev,staging"]);
    let staging_prod = s.diff_json(&["--pair", "staging,prod"]);
    for (key, attribute) in [
        ("cloudwatch.alarm/api/AWS/EC2/CPUUtilization", "exists"),
        ("ec2.nat_gateway/main-vpc/private-a", "exists"),
    ] {
        assert!(
            !has(&dev_staging, key, attribute),
            "{key} kept for dev,staging"
        );
        assert!(
            has(&staging_prod, key, attribute),
            "{key} dropped for staging,prod"
        );
    }
    assert!(rows(&dev_staging).len() < rows(&all).len());
    // rows keep all their columns
    assert_eq!(
        dev_staging["environments"],
        serde_json::json!(["dev", "staging", "prod"])
    );

    // with --status, the pair's own status decides
    let drift = s.diff_json(&["--pair", "staging,prod", "--status", "drift"]);
    assert!(!rows(&drift).is_empty());
    for r in rows(&drift) {
        assert_eq!(pair_status(r, "staging", "prod"), Some("drift"), "{r}");
    }
    // the Redis version differs only in dev: staging and prod agree
    assert!(has(&all, "elasticache.cluster/sessions", "engine_version"));
    assert!(!has(
        &drift,
        "elasticache.cluster/sessions",
        "engine_version"
    ));
    assert!(has(&drift, "ssm.parameter/api/log_level", "value"));
    // dev may differ in size: the worker's instance type is allowed between dev and staging
    let dev_drift = s.diff_json(&["--pair", "dev,staging", "--status", "drift"]);
    assert!(!has(&dev_drift, "ec2.instance/worker", "instance_type"));
    assert!(has(&drift, "ec2.instance/worker", "instance_type"));

    s.run(&["diff", "--pair", "prod,nope"])
        .code(2)
        .stderr_has(&["--pair", "nope"]);
    s.run(&["diff", "--pair", "prod,prod"])
        .code(2)
        .stderr_has(&["--pair"]);
    s.run(&["diff", "--pair", "prod"])
        .code(2)
        .stderr_has(&["A,B"]);
}

#[test]
fn kind_and_category_filters_keep_only_matching_rows() {
    let s = Sandbox::demo();
    let rds = s.diff_json(&["--kind", "rds.*"]);
    assert!(rows(&rds)
        .iter()
        .all(|r| r["kind"].as_str().unwrap_or_default().starts_with("rds.")));
    for kind in ["rds.db_instance", "rds.db_parameter_group"] {
        assert!(
            rows(&rds).iter().any(|r| r["kind"] == kind),
            "--kind rds.* dropped {kind}"
        );
    }
    let security = s.diff_json(&["--category", "security"]);
    assert!(!rows(&security).is_empty());
    assert!(rows(&security).iter().all(|r| r["category"] == "security"));
    assert!(has(&security, "ec2.security_group/web", "ingress"));
    s.run(&["diff", "--category", "colour"])
        .code(2)
        .stderr_has(&["colour"]);
}

#[test]
fn diff_exits_0_whatever_it_finds_and_output_file_matches_stdout() {
    let s = Sandbox::demo();
    let stdout = s.run(&["diff", "--format", "json"]).ok().to_string();
    let out = s.path("matrix.json");
    let out_arg = out.display().to_string();
    s.run(&["diff", "--format", "json", "-o", &out_arg]).code(0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stdout);
    // the table hides same rows unless --all
    let table = s.run(&["diff"]).ok().to_string();
    let all = s.run(&["diff", "--all"]).ok().to_string();
    assert!(table.contains("log_level"));
    assert!(all.len() > table.len());
}

/// `--tag` and `--unexplained` are the desktop matrix's filters, answered by the same query.
#[test]
fn tag_and_unexplained_filters_keep_what_they_name() {
    let s = Sandbox::demo();
    let all = s.diff_json(&[]);
    let tagged_keys: std::collections::BTreeSet<String> = rows(&all)
        .iter()
        .filter(|r| r["attribute"] == "tags.Team" && r["raw"]["prod"] == "platform")
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    assert!(
        tagged_keys.len() > 3,
        "the demo tags resources: {tagged_keys:?}"
    );

    let by_tag = s.diff_json(&["--tag", "Team=platform"]);
    let kept: std::collections::BTreeSet<String> = rows(&by_tag)
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kept, tagged_keys,
        "--tag Team=platform keeps every row of the tagged resources"
    );
    // a key alone matches any value; a value nobody has matches nothing
    assert_eq!(
        rows(&s.diff_json(&["--tag", "Team"])).len(),
        rows(&by_tag).len()
    );
    assert!(rows(&s.diff_json(&["--tag", "Team=payments"])).is_empty());

    let unexplained = s.diff_json(&["--unexplained"]);
    let failing = ["drift", "missing", "violated", "expired"];
    assert!(!rows(&unexplained).is_empty());
    assert_eq!(
        rows(&unexplained).len(),
        rows(&all)
            .iter()
            .filter(|r| failing.contains(&r["status"].as_str().unwrap()))
            .count()
    );
    // with --pair, the pair's status decides
    let pair = s.diff_json(&["--unexplained", "--pair", "staging,prod"]);
    for r in rows(&pair) {
        let st = pair_status(r, "staging", "prod").unwrap();
        assert!(failing.contains(&st), "{st} in {r}");
    }
    assert!(!rows(&pair).is_empty());
}

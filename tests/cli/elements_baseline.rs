//! Element-level differences and the baseline (docs/CONTRACTS.md "Element differences",
//! "Baseline"): `only_a`/`only_b` in the diff JSON, `+`/`-` lines in the table, exceptions that
//! name the elements they accept, `baseline write`, `check --baseline` and `report --baseline`.

use serde_json::{json, Value};

use crate::support::{row, rows, status_of, Sandbox};

const WEB: &str = "ec2.security_group/web";
const WORLD_443: &str = "tcp 443 from 0.0.0.0/0";

fn pair<'a>(row: &'a Value, a: &str, b: &str) -> &'a Value {
    row["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| p["a"] == a && p["b"] == b)
        .unwrap_or_else(|| panic!("no pair {a},{b} in {row}"))
}

fn world_443() -> Value {
    json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"})
}

#[test]
fn set_valued_rows_list_each_pairs_extra_elements_and_other_rows_do_not() {
    let s = Sandbox::demo();
    let doc = s.diff_json(&[]);
    // staging's web security group has one extra rule
    let web = row(&doc, WEB, "ingress");
    let ds = pair(web, "dev", "staging");
    assert_eq!(ds["only_a"], json!([]));
    assert_eq!(ds["only_b"], json!([world_443()]));
    let sp = pair(web, "staging", "prod");
    assert_eq!(sp["only_a"], json!([world_443()]));
    assert_eq!(sp["only_b"], json!([]));
    // every listed pair of every set-valued row has both fields; no other row has them
    let mut set_valued = 0;
    for r in rows(&doc) {
        let is_set = r["values"]
            .as_object()
            .unwrap()
            .values()
            .any(Value::is_array)
            && r["attribute"] != "layers";
        for p in r["pairs"].as_array().unwrap() {
            assert_eq!(p.get("only_a").is_some(), is_set, "{r}");
            assert_eq!(p.get("only_b").is_some(), is_set, "{r}");
        }
        set_valued += usize::from(is_set && !r["pairs"].as_array().unwrap().is_empty());
        assert!(r.get("baselined").is_none(), "no baseline, no `baselined`");
    }
    assert!(set_valued > 1, "the demo has several set-valued rows");

    // the table prints them as `+`/`-` lines under the row, in the canonical text
    let table = s.run(&["diff", "--kind", "ec2.security_group"]);
    let out = table.ok();
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(WEB) && l.contains("ingress"))
        .expect("the web ingress row");
    assert!(lines[at + 1].contains(&format!("+ {WORLD_443}")), "{out}");
    assert!(lines[at + 1].contains("dev → staging"), "{out}");
    assert!(lines[at + 2].contains(&format!("- {WORLD_443}")), "{out}");
    assert!(lines[at + 2].contains("staging → prod"), "{out}");
    assert!(
        !out.contains("\"protocol\""),
        "no raw JSON in the table:\n{out}"
    );
}

#[test]
fn an_exception_naming_its_elements_accepts_only_those() {
    let s = Sandbox::demo();
    assert_eq!(status_of(&s.diff_json(&[]), WEB, "ingress"), "drift");
    let add = |element: &str| {
        s.run(&[
            "exception",
            "add",
            "--id",
            "web-world",
            "--resource",
            WEB,
            "--attribute",
            "ingress",
            "--env",
            "staging",
            "--justification",
            "public preview",
            "--owner",
            "web-team",
            "--element",
            element,
        ])
    };
    // an element other than the one that differs: the exception no longer describes reality
    add("tcp 443 from 10.0.0.0/8").ok();
    let doc = s.diff_json(&[]);
    assert_eq!(status_of(&doc, WEB, "ingress"), "violated");
    assert_eq!(
        pair(row(&doc, WEB, "ingress"), "dev", "staging")["status"],
        "violated"
    );
    let list = s.run(&["exception", "list"]);
    assert!(list
        .ok()
        .lines()
        .any(|l| l.starts_with("web-world") && l.contains("violated")));

    // the extra rule, written as the table shows it (spaces do not matter)
    s.run(&[
        "exception",
        "edit",
        "web-world",
        "--element",
        &format!("  {WORLD_443} "),
    ])
    .ok();
    let doc = s.diff_json(&[]);
    assert_eq!(status_of(&doc, WEB, "ingress"), "intentional");
    s.run(&["exception", "list"]).stdout_has(&["web-world"]);

    // the workspace file carries `elements` and round-trips it
    let exported = s.run(&["export"]).ok().to_string();
    assert!(
        exported.contains(&format!("elements = [\"{WORLD_443}\"]")),
        "{exported}"
    );
    let other = Sandbox::new();
    let file = other.file("ws.toml", &exported);
    other.run(&["import", &file]).ok();
    assert_eq!(other.run(&["export"]).ok(), exported);

    // a blank element is bad input, and nothing changes
    s.run(&["exception", "edit", "web-world", "--element", "  "])
        .code(2)
        .stderr_has(&["web-world", "blank element"]);
    assert_eq!(status_of(&s.diff_json(&[]), WEB, "ingress"), "intentional");
}

/// The entry lines of a baseline file (after the format line, not comments).
fn entries(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| *l != "envparity-baseline 1")
        .skip(1)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
}

#[test]
fn a_baseline_passes_todays_drift_and_fails_what_is_new_or_changed() {
    let s = Sandbox::demo();
    let before = s.run(&["check"]);
    before.code(1);
    let doc = s.diff_json(&[]);
    let failing_pairs: usize = rows(&doc)
        .iter()
        .map(|r| {
            r["pairs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| {
                    ["drift", "missing", "violated", "expired"]
                        .contains(&p["status"].as_str().unwrap())
                })
                .count()
        })
        .sum();
    // and the secret staging and prod share, which no exception accepts
    let shared = doc["shared_secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["accepted_by"].is_null())
        .count();
    assert_eq!(shared, 1);
    let failing_pairs = failing_pairs + shared;

    let file = s.path("baseline.txt").display().to_string();
    s.run(&["baseline", "write", &file])
        .stdout_has(&[&format!("{failing_pairs} unexplained differences")]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# EnvParity baseline"), "{text}");
    assert!(text.contains(&format!(
        "# {failing_pairs} entries across dev, staging, prod"
    )));
    assert!(text.contains("#   by status: drift"), "{text}");
    let lines = entries(&text);
    assert_eq!(lines.len(), failing_pairs, "{text}");
    let web_line = format!("drift\t{WEB}\tingress\tdev\tstaging\tsha256:");
    assert!(lines.iter().any(|l| l.starts_with(&web_line)), "{text}");
    assert!(
        text.contains(&format!("#   staging has {WORLD_443}")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("shared\tlambda.function/checkout-handler\t")),
        "{text}"
    );
    // no clock in the file: writing it again gives the same bytes
    s.run_at("2026-12-01T00:00:00Z", &["baseline", "write", &file])
        .ok();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    // everything baselined: the gate passes
    let run = s.run(&["check", "--baseline", &file]);
    run.code(0).stdout_has(&[
        "baselined: 37 rows and 1 shared secrets",
        "0 entries no longer occur",
        "check: parity",
    ]);

    // an entry dropped from the file: that row fails again, alone
    let web_entry = lines.iter().find(|l| l.starts_with(&web_line)).unwrap();
    let without = text.replace(&format!("{web_entry}\n"), "");
    let shrunk = s.file("shrunk.txt", &without);
    let run = s.run(&["check", "--baseline", &shrunk]);
    run.code(1)
        .stdout_has(&["check: 1 rows of unexplained drift"]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("drift") && l.contains(WEB)),
        "{}",
        run.stdout
    );

    // values changed since: the fingerprint no longer matches
    let fp = web_entry.rsplit('\t').next().unwrap();
    let changed = s.file(
        "changed.txt",
        &text.replace(web_entry, &web_entry.replace(fp, "sha256:0000000000000000")),
    );
    let run = s.run(&["check", "--baseline", &changed]);
    run.code(1)
        .stdout_has(&["changed since the baseline: dev,staging"]);

    // an entry that no longer occurs is listed and does not change the exit code
    let gone = s.file(
        "gone.txt",
        &format!("{text}drift\tec2.instance/retired\tinstance_type\tdev\tprod\tsha256:0123456789abcdef\n"),
    );
    s.run(&["check", "--baseline", &gone]).code(0).stdout_has(&[
        "gone      ec2.instance/retired instance_type  dev,prod",
        "1 entries no longer occur",
    ]);

    // reports mark the baselined rows
    let json = s
        .run(&["report", "--format", "json", "--baseline", &shrunk])
        .ok()
        .to_string();
    let report: Value = serde_json::from_str(&json).unwrap();
    let web = row(&report["diff"], WEB, "ingress");
    assert!(
        web.get("baselined").is_none(),
        "the dropped entry's row is not baselined"
    );
    assert!(pair(web, "dev", "staging").get("baselined").is_none());
    assert_eq!(pair(web, "staging", "prod")["baselined"], true);
    let baselined = rows(&report["diff"])
        .iter()
        .filter(|r| r["baselined"] == true)
        .count();
    assert!(baselined > 0);
    assert!(rows(&report["diff"])
        .iter()
        .filter(|r| r["baselined"] == true)
        .all(|r| ["drift", "missing", "violated", "expired"]
            .contains(&r["status"].as_str().unwrap())));
    let md = s
        .run(&["report", "--format", "markdown", "--baseline", &file])
        .ok()
        .to_string();
    assert!(md.contains("(baselined)"), "{md}");
    assert!(md.contains(&format!("`+ {WORLD_443}`")), "{md}");
    let html = s
        .run(&["report", "--format", "html", "--baseline", &file])
        .ok()
        .to_string();
    assert!(html.contains("badge baselined"));
    assert!(html.contains("<code class=\"add\">+ tcp 443 from 0.0.0.0&#x2f;0</code>"));
    // check --report marks them too
    let out = s.path("r.json").display().to_string();
    s.run(&["check", "--baseline", &file, "--report", &out])
        .code(0);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("\"baselined\": true"));
}

#[test]
fn a_file_that_is_not_a_baseline_is_bad_input_naming_the_file_and_line() {
    let s = Sandbox::demo();
    let not = s.file("notes.txt", "hello\n");
    s.run(&["check", "--baseline", &not])
        .code(2)
        .stderr_has(&["notes.txt: line 1", "not an EnvParity baseline"]);
    let short = s.file("short.txt", "envparity-baseline 1\ndrift\tx\n");
    s.run(&["report", "--baseline", &short])
        .code(2)
        .stderr_has(&["short.txt: line 2", "6 tab-separated fields"]);
    s.run(&[
        "check",
        "--baseline",
        &s.path("absent.txt").display().to_string(),
    ])
    .code(2)
    .stderr_has(&["absent.txt"]);
    // an unknown database is refused before anything is written
    let target = s.path("b.txt");
    s.run_on(
        &s.path("none.sqlite"),
        &["baseline", "write", &target.display().to_string()],
    )
    .code(2);
    assert!(!target.exists());
}

//! Reports on the demo workspace: golden files for every format (UPDATE_GOLDEN=1 rewrites them),
//! the HTML parsed with a real HTML parser, the JUnit XML parsed, malicious tag values in every
//! format, and the HTML rendered by headless Chromium to PNG and PDF.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use parity_app::demo::{demo_file, demo_snapshots};
use parity_app::{DbOpenMode, Workspace};
use parity_core::{Snapshot, Status};
use parity_report::{
    html, json_report, junit, report_markdown, JsonReport, MarkdownOptions, ReportInput,
    REPORT_VERSION,
};
use parity_store::Via;
use parity_testkit::golden::assert_golden;
use scraper::{ElementRef, Html, Selector};

const IMG: &str = "<img src=x onerror=alert(1)>";
const SCRIPT: &str = "</script><script>alert(1)</script>";
const PIPE: &str = "blue|green";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// The demo workspace in a temporary database, its snapshots passed through `edit` before they
/// are stored, and the report input of all its environments.
fn demo_report(edit: impl Fn(&mut Vec<Snapshot>)) -> ReportInput {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(
        &dir.path().join("demo.sqlite"),
        DbOpenMode::CreateIfMissing,
        now(),
    )
    .unwrap();
    ws.import(&demo_file(now()), "demo", Via::Demo, now())
        .unwrap();
    let mut snapshots = demo_snapshots(now());
    edit(&mut snapshots);
    for s in &snapshots {
        ws.add_snapshot(s).unwrap();
    }
    let cmp = ws.compare(&[], now().date_naive()).unwrap();
    ws.report_input(&cmp, now()).unwrap()
}

fn demo() -> ReportInput {
    demo_report(|_| {})
}

/// Staging's api instance gets malicious tag values.
fn malicious() -> ReportInput {
    demo_report(|snapshots| {
        let staging = snapshots
            .iter_mut()
            .find(|s| s.environment == "staging")
            .unwrap();
        let api = staging
            .resources
            .iter_mut()
            .find(|r| r.kind == "ec2.instance" && r.tags.values().any(|v| v == "platform"))
            .unwrap();
        api.tags.insert("Team", IMG.into());
        api.tags.insert("Service", SCRIPT.into());
        api.tags.insert("Color", PIPE.into());
    })
}

/// Compares `actual` with `tests/golden/<name>` (`UPDATE_GOLDEN=1` rewrites it).
fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    assert_golden(&path, actual);
}

#[test]
fn golden_files_for_every_format() {
    let input = demo();
    golden("demo.html", &html(&input).unwrap());
    golden(
        "demo.md",
        &report_markdown(&input, MarkdownOptions::default()),
    );
    golden("demo.json", &json_report(&input).unwrap());
    golden("demo.xml", &junit(&input));
}

#[test]
fn streamed_diff_json_is_the_same_bytes() {
    for input in [demo(), malicious()] {
        let mut streamed = Vec::new();
        parity_report::write_json(&input.diff, &mut streamed).unwrap();
        let text = parity_report::json(&input.diff);
        assert!(text.len() > 1000 && text.ends_with("}\n"));
        assert_eq!(String::from_utf8(streamed).unwrap(), text);
    }
}

#[test]
fn rendering_is_deterministic() {
    let a = demo();
    let b = demo();
    assert_eq!(html(&a).unwrap(), html(&b).unwrap());
    assert_eq!(junit(&a), junit(&b));
}

// ---- HTML -----------------------------------------------------------------------------------

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_string()
}

fn classes(e: ElementRef<'_>) -> Vec<String> {
    e.value().classes().map(str::to_string).collect()
}

#[test]
fn html_has_the_sections_in_order_with_drift_first() {
    let input = demo();
    let doc = Html::parse_document(&html(&input).unwrap());

    let title = doc.select(&sel("title")).next().map(text).unwrap();
    assert_eq!(title, "Parity report: shop-demo");
    let meta = doc.select(&sel(".report-head .meta")).next().unwrap();
    assert!(text(meta).contains("shop-demo"));
    assert!(text(meta).contains("2026-11-26T12:00:00Z"));

    let ids: Vec<&str> = doc
        .select(&sel("main > section"))
        .filter_map(|s| s.value().id())
        .collect();
    assert_eq!(
        ids,
        [
            "summary",
            "scores",
            "drift",
            "exceptions-problems",
            "intentional",
            "shared-secrets",
            "matrix"
        ]
    );
    // the demo's staging uses prod's live payment key: the finding, without the value
    let shared = doc
        .select(&sel("#shared-secrets li"))
        .map(text)
        .collect::<Vec<_>>();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert!(
        shared[0].contains("environment.PAYMENT_API_KEY"),
        "{shared:?}"
    );
    assert!(shared[0].contains("staging and prod") && shared[0].contains("fails the gate"));

    // snapshots: one row per environment with time, source and status
    let snaps: Vec<Vec<String>> = doc
        .select(&sel("table.snapshots tbody tr"))
        .map(|tr| tr.select(&sel("th, td")).map(text).collect())
        .collect();
    assert_eq!(snaps.len(), 3);
    assert_eq!(snaps[0][0], "dev");
    assert!(snaps[0][1].starts_with("2026-11-25T10:00:00Z"), "{snaps:?}");
    assert_eq!(snaps[0][2], "demo");
    assert_eq!(snaps[0][3], "complete");

    // the policy names dev's allowance
    let policy: Vec<String> = doc.select(&sel("ul.policy li")).map(text).collect();
    assert!(
        policy[0].starts_with("dev") && policy[0].contains("size"),
        "{policy:?}"
    );
    assert!(policy[2].contains("must match"), "{policy:?}");

    // a score per pair and an SVG bar per category
    let pairs: Vec<ElementRef<'_>> = doc.select(&sel("figure.pair")).collect();
    assert_eq!(pairs.len(), 3);
    assert_eq!(
        text(pairs[2].select(&sel(".pair-name")).next().unwrap()),
        "staging ↔ prod"
    );
    assert_eq!(
        pairs[2].select(&sel("svg rect.bar")).count(),
        input
            .category_scores
            .iter()
            .filter(|c| c.a == "staging" && c.b == "prod")
            .count()
    );

    // the first row of the document is unexplained drift, and #drift holds only drift/missing
    let first_row = doc.select(&sel("tr.row")).next().unwrap();
    let first_classes = classes(first_row);
    assert!(
        first_classes.contains(&"st-drift".to_string())
            || first_classes.contains(&"st-missing".to_string()),
        "{first_classes:?}"
    );
    let drift_rows: Vec<ElementRef<'_>> = doc.select(&sel("#drift tr.row")).collect();
    let expected_drift = input
        .diff
        .rows
        .iter()
        .filter(|r| matches!(r.status, Status::Drift | Status::Missing))
        .count();
    assert_eq!(drift_rows.len(), expected_drift);
    assert!(drift_rows.iter().all(|r| {
        let c = classes(*r);
        c.contains(&"st-drift".to_string()) || c.contains(&"st-missing".to_string())
    }));

    // a given row's cells: the worker's instance type, grouped under its resource
    let worker = doc
        .select(&sel("#drift tbody.resource"))
        .find(|t| {
            t.select(&sel("tr.res-head"))
                .next()
                .is_some_and(|h| text(h) == "ec2.instance/worker")
        })
        .expect("a group for ec2.instance/worker");
    let row = worker
        .select(&sel("tr.row"))
        .find(|r| {
            r.select(&sel("td.attr"))
                .next()
                .is_some_and(|a| text(a) == "instance_type")
        })
        .unwrap();
    let cells: Vec<(String, String, Vec<String>)> = row
        .select(&sel("td.cell"))
        .map(|c| {
            (
                c.value().attr("data-env").unwrap().to_string(),
                c.select(&sel(".v")).map(text).collect::<Vec<_>>().join(" "),
                classes(c),
            )
        })
        .collect();
    assert_eq!(cells[0].0, "dev");
    assert_eq!(cells[0].1, "t3.micro");
    assert!(cells[0].2.contains(&"st-allowed".to_string()));
    assert_eq!(cells[1].1, "t3.small");
    assert!(cells[1].2.contains(&"st-drift".to_string()));
    assert_eq!(cells[2].1, "t3.large");
    assert_eq!(
        text(row.select(&sel("td.expected")).next().unwrap()),
        "staging = prod"
    );

    // violated and expired exceptions, then intentional ones with justification, owner, expiry
    let problems: Vec<String> = doc
        .select(&sel("#exceptions-problems article.exception"))
        .filter_map(|a| a.value().id().map(str::to_string))
        .collect();
    assert_eq!(
        problems,
        [
            "exception-prod-backup-retention",
            "exception-prod-max-connections"
        ]
    );
    let multi_az = doc
        .select(&sel("#intentional article#exception-prod-multi-az"))
        .next()
        .unwrap();
    assert!(text(multi_az).contains("prod needs redundancy"));
    let facts: Vec<String> = multi_az.select(&sel("dl.facts div")).map(text).collect();
    assert!(
        facts.iter().any(|f| f.contains("platform-team")),
        "{facts:?}"
    );
    assert!(facts.iter().any(|f| f.contains("2027-05-25")), "{facts:?}");

    // the full matrix, collapsed
    let details = doc.select(&sel("#matrix details")).next().unwrap();
    assert!(details.value().attr("open").is_none());
    assert_eq!(
        details.select(&sel("tbody tr.row")).count(),
        input.diff.rows.len()
    );
}

#[test]
fn html_is_self_contained() {
    let page = html(&demo()).unwrap();
    let doc = Html::parse_document(&page);
    assert_eq!(doc.select(&sel("script")).count(), 0, "no script at all");
    assert_eq!(
        doc.select(&sel("link, iframe, object, embed, img, base"))
            .count(),
        0
    );
    for e in doc.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            let v = value.trim().to_ascii_lowercase();
            if matches!(
                name,
                "href" | "src" | "srcset" | "action" | "poster" | "data"
            ) {
                assert!(
                    !v.contains("//") && !v.starts_with("javascript:"),
                    "{name}={value}"
                );
            }
            assert!(!name.starts_with("on"), "event handler attribute {name}");
        }
    }
    for style in doc.select(&sel("style")) {
        let css = style.text().collect::<String>().to_ascii_lowercase();
        assert!(!css.contains("url("), "no url() in CSS");
        assert!(!css.contains("@import"), "no @import in CSS");
    }
}

// ---- JUnit ----------------------------------------------------------------------------------

#[test]
fn junit_has_a_suite_per_pair_and_fails_resources_with_drift() {
    let input = demo();
    let xml = junit(&input);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<roxmltree::Node<'_, '_>> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<&str> = suites.iter().filter_map(|s| s.attribute("name")).collect();
    assert_eq!(
        names,
        [
            "dev vs staging",
            "dev vs prod",
            "staging vs prod",
            "shared secrets"
        ]
    );
    // the shared-secret suite: one failed case, staging and prod sharing the payment key
    let shared = suites[3];
    assert_eq!(shared.attribute("failures"), Some("1"));
    let case = shared
        .children()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert!(case
        .attribute("name")
        .unwrap()
        .contains("environment.PAYMENT_API_KEY (staging and prod)"));
    let mut total_failures = 1;
    for suite in &suites[..3] {
        let name = suite.attribute("name").unwrap();
        let (a, b) = name.split_once(" vs ").unwrap();
        let cases: Vec<roxmltree::Node<'_, '_>> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let failed: BTreeSet<&str> = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .filter_map(|c| c.attribute("name"))
            .collect();
        // the attributes agree with the contents
        assert_eq!(suite.attribute("tests").unwrap(), cases.len().to_string());
        assert_eq!(
            suite.attribute("failures").unwrap(),
            failed.len().to_string()
        );
        total_failures += failed.len();
        // a resource fails exactly when one of its rows fails for this pair
        let expected: BTreeSet<&str> = input
            .diff
            .rows
            .iter()
            .filter(|r| {
                r.pairs
                    .iter()
                    .any(|p| p.a == a && p.b == b && p.status.is_failure())
            })
            .map(|r| r.key.as_str())
            .collect();
        assert_eq!(failed, expected, "{name}");
        // one test case per resource: keys are unique within a suite
        let keys: BTreeSet<&str> = cases.iter().filter_map(|c| c.attribute("name")).collect();
        assert_eq!(keys.len(), cases.len());
    }
    assert_eq!(
        root.attribute("failures").unwrap(),
        total_failures.to_string()
    );

    // staging vs prod: the worker drifts, the autoscaling group is intentional
    let sp = suites[2];
    let case = |key: &str| {
        sp.children()
            .find(|c| c.attribute("name") == Some(key))
            .unwrap_or_else(|| panic!("no case {key}"))
    };
    let worker = case("ec2.instance/worker");
    let failure = worker
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failure.attribute("type"), Some("drift"));
    assert!(failure
        .text()
        .unwrap()
        .contains("instance_type [size] drift: staging = t3.small | prod = t3.large"));
    assert!(!case("autoscaling.group/web-asg")
        .children()
        .any(|n| n.has_tag_name("failure")));
    let pg = case("rds.db_parameter_group/orders-pg");
    let text = pg
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        text.contains("parameters.max_connections [config] violated"),
        "{text}"
    );
    assert!(
        text.contains("exception prod-max-connections (violated"),
        "{text}"
    );
}

// ---- malicious values -----------------------------------------------------------------------

#[test]
fn malicious_tag_values_are_inert_in_html() {
    let input = malicious();
    assert!(
        input
            .diff
            .rows
            .iter()
            .any(|r| r.attribute == "tags.Team" && r.status == Status::Drift),
        "the malicious tag makes a drift row"
    );
    let page = html(&input).unwrap();
    let doc = Html::parse_document(&page);
    assert_eq!(doc.select(&sel("img")).count(), 0);
    assert_eq!(doc.select(&sel("script")).count(), 0);
    let texts: Vec<String> = doc.select(&sel("#drift td.cell .v")).map(text).collect();
    assert!(texts.iter().any(|t| t == IMG), "{texts:?}");
    assert!(texts.iter().any(|t| t == SCRIPT));
    assert!(texts.iter().any(|t| t == PIPE));
    assert!(!page.contains(IMG) && !page.contains("<script"));
}

#[test]
fn malicious_tag_values_are_escaped_in_markdown() {
    let md = report_markdown(&malicious(), MarkdownOptions::default());
    assert!(!md.contains("<img"), "{md}");
    assert!(!md.contains("<script") && !md.contains("</script"));
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(md.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(md.contains("blue\\|green"));
    // every table row keeps its column count: unescaped pipes match the header
    let mut columns = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let unescaped = line
            .char_indices()
            .filter(|(i, c)| *c == '|' && (*i == 0 || line.as_bytes()[i - 1] != b'\\'))
            .count();
        match columns {
            None => columns = Some(unescaped),
            Some(n) => assert_eq!(n, unescaped, "{line}"),
        }
    }
}

#[test]
fn malicious_tag_values_round_trip_through_json() {
    let input = malicious();
    let text = json_report(&input).unwrap();
    let parsed: JsonReport = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.report_version, REPORT_VERSION);
    assert_eq!(parsed.report, input);
    let team = parsed
        .report
        .diff
        .rows
        .iter()
        .find(|r| r.key == "ec2.instance/api" && r.attribute == "tags.Team")
        .unwrap();
    assert_eq!(team.raw["staging"], serde_json::json!(IMG));
}

#[test]
fn malicious_tag_values_survive_junit() {
    let xml = junit(&malicious());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failures: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect();
    for needle in [IMG, SCRIPT, PIPE] {
        assert!(
            failures.iter().any(|f| f.contains(needle)),
            "{needle} in a failure"
        );
    }
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("img")).count(),
        0
    );
}

#[test]
fn json_report_embeds_the_diff_document_and_metadata() {
    let input = demo();
    let value: serde_json::Value = serde_json::from_str(&json_report(&input).unwrap()).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "report_version",
            "workspace",
            "generated_at",
            "change_view",
            "policy",
            "exceptions",
            "category_scores",
            "diff"
        ]
    );
    assert_eq!(value["diff"]["schema_version"], 1);
    assert_eq!(
        value["policy"][0]["may_differ_in"],
        serde_json::json!(["size"])
    );
    let backup = value["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "prod-backup-retention")
        .unwrap();
    assert_eq!(backup["standing"], "expired");
    assert_eq!(backup["owner"], "dba-team");
    assert!(backup["justification"]
        .as_str()
        .unwrap()
        .contains("30 days"));
}

// ---- Chromium -------------------------------------------------------------------------------

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium(args: &[String], profile: &Path) -> bool {
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Renders the malicious demo's HTML in headless Chromium to a PNG and a PDF. Runs when
/// /usr/bin/chromium exists; ENVPARITY_REQUIRE_CHROMIUM=1 makes a missing Chromium a failure.
/// With ENVPARITY_RENDER_DIR the files are kept there to look at.
#[test]
fn chromium_renders_the_report_to_png_and_pdf() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("ENVPARITY_REQUIRE_CHROMIUM").is_none(),
            "ENVPARITY_REQUIRE_CHROMIUM is set but {CHROMIUM} is missing"
        );
        eprintln!("skipped: {CHROMIUM} not found");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("ENVPARITY_RENDER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    std::fs::write(&page, html(&malicious()).unwrap()).unwrap();
    let url = format!("file://{}", page.display());
    let png = dir.join("report.png");
    let pdf = dir.join("report.pdf");
    let profile = tempfile::tempdir().unwrap();
    assert!(chromium(
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".into(),
            url.clone()
        ],
        profile.path()
    ));
    assert!(chromium(
        &[format!("--print-to-pdf={}", pdf.display()), url],
        profile.path()
    ));
    let png = std::fs::read(&png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a blank screenshot is tiny: {}",
        png.len()
    );
    let pdf = std::fs::read(&pdf).unwrap();
    assert_eq!(&pdf[..5], b"%PDF-");
    assert!(pdf.len() > 20_000, "a blank PDF is tiny: {}", pdf.len());
}

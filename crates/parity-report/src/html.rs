//! The self-contained HTML report: one file with inline CSS and SVG, no script, nothing loaded
//! from the network, printable to PDF. Rendered by minijinja from templates embedded at build
//! time, with HTML auto-escaping: every string from the cloud (names, tags, values, reasons) is
//! escaped by the engine; the templates never mark data as safe.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value as JValue};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use parity_core::exception::values_match;
use parity_core::{Category, DocRow, Status};
use serde::Serialize;
use serde_json::Value;

use crate::display_value;
use crate::input::{ReportException, ReportInput, Standing};
use crate::ReportError;

const TEMPLATE: &str = include_str!("../templates/report.html");
const STYLE: &str = include_str!("../templates/report.css");

/// Renders the report as one HTML document.
pub fn html(input: &ReportInput) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Everything is HTML-escaped except the stylesheet, which is ours and holds no data.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".css") {
            AutoEscape::None
        } else {
            AutoEscape::Html
        }
    });
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| ReportError::Template(e.to_string()))?;
    env.set_syntax(syntax);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| ReportError::Template(format!("report.html: {e}")))?;
    env.add_template("report.css", STYLE)
        .map_err(|e| ReportError::Template(format!("report.css: {e}")))?;
    let view = View::new(input);
    let tmpl = env
        .get_template("report.html")
        .map_err(|e| ReportError::Template(e.to_string()))?;
    let mut out = tmpl
        .render(JValue::from(Serde(&view)))
        .map_err(|e| ReportError::Template(format!("{e:#}")))?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

// ---- the view model: everything the template shows, precomputed as plain strings ----------------

#[derive(Serialize)]
struct View<'a> {
    title: String,
    workspace: &'a str,
    generated_at: &'a str,
    change_view: bool,
    environments: &'a [String],
    snapshots: Vec<SnapView>,
    policy: Vec<PolicyView>,
    counts: Vec<CountView>,
    total_rows: usize,
    pairs: Vec<PairView>,
    drift_total: usize,
    drift: Vec<KindGroup>,
    problem_total: usize,
    problems: Vec<ExceptionGroup>,
    intentional_total: usize,
    intentional: Vec<ExceptionGroup>,
    allowed_total: usize,
    unknown: Vec<RowView>,
    warnings: Vec<WarningView>,
    shared_secrets: Vec<SharedSecretView>,
    matrix: Vec<RowView>,
}

#[derive(Serialize)]
struct SharedSecretView {
    key: String,
    attribute: String,
    a: String,
    b: String,
    accepted_by: Option<String>,
}

#[derive(Serialize)]
struct SnapView {
    label: String,
    id: Option<i64>,
    taken_at: String,
    age: String,
    source: &'static str,
    partial: bool,
    missing: Vec<(String, String)>,
}

#[derive(Serialize)]
struct PolicyView {
    environment: String,
    may_differ_in: Vec<&'static str>,
}

#[derive(Serialize)]
struct CountView {
    status: &'static str,
    n: usize,
}

#[derive(Serialize)]
struct PairView {
    a: String,
    b: String,
    score: String,
    width: f64,
    compared: usize,
    parity: usize,
    failing: usize,
    categories: Vec<CategoryBar>,
    chart_height: usize,
}

#[derive(Serialize)]
struct CategoryBar {
    category: &'static str,
    y: usize,
    /// Width of the bar, 0–160 px.
    width: f64,
    label: String,
    compared: usize,
    level: &'static str,
}

#[derive(Serialize)]
struct KindGroup {
    kind: String,
    resources: Vec<ResourceGroup>,
}

#[derive(Serialize)]
struct ResourceGroup {
    key: String,
    rows: Vec<RowView>,
}

#[derive(Serialize)]
struct CellView {
    status: &'static str,
    lines: Vec<String>,
    covered: bool,
    absent: bool,
    /// The raw value when normalisation changed it (ids → logical names), else empty.
    raw: String,
}

#[derive(Serialize)]
struct RowView {
    key: String,
    kind: String,
    attribute: String,
    category: &'static str,
    status: &'static str,
    cells: Vec<CellView>,
    /// What the policy (or the exception) expected, one line each.
    expected: Vec<String>,
    exceptions: Vec<String>,
    /// Each pair's extra elements (set-valued rows).
    extra: Vec<crate::PairExtra>,
    baselined: bool,
    /// The fix hints' texts (docs/CONTRACTS.md "Fix hints and the incident view").
    converge: Vec<String>,
}

#[derive(Serialize)]
struct ExceptionView {
    id: String,
    resource: String,
    attribute: String,
    environments: String,
    expected: Vec<String>,
    justification: String,
    owner: String,
    created: String,
    expires: String,
    ticket: String,
    standing: &'static str,
    known: bool,
}

#[derive(Serialize)]
struct ExceptionGroup {
    exception: ExceptionView,
    rows: Vec<RowView>,
}

#[derive(Serialize)]
struct WarningView {
    kind: String,
    key: String,
    environment: String,
    native_ids: String,
}

fn pct(score: f64) -> String {
    format!("{:.1} %", score * 100.0)
}

fn level(score: f64) -> &'static str {
    if score >= 0.95 {
        "good"
    } else if score >= 0.8 {
        "fair"
    } else {
        "poor"
    }
}

/// "26 h before this report" from two RFC 3339 timestamps; empty when either does not parse.
fn age(taken_at: &str, generated_at: &str) -> String {
    let (Ok(t), Ok(g)) = (
        DateTime::parse_from_rfc3339(taken_at),
        DateTime::parse_from_rfc3339(generated_at),
    ) else {
        return String::new();
    };
    let d = g.with_timezone(&Utc) - t.with_timezone(&Utc);
    let minutes = d.num_minutes();
    if minutes < 0 {
        "after this report".to_string()
    } else if minutes < 1 {
        "just before this report".to_string()
    } else if minutes < 120 {
        format!("{minutes} min before this report")
    } else if d.num_hours() < 72 {
        format!("{} h before this report", d.num_hours())
    } else {
        format!("{} days before this report", d.num_days())
    }
}

fn lines(attribute: &str, v: &Value) -> Vec<String> {
    match v {
        Value::Bool(b) if attribute == "exists" => {
            vec![if *b { "present" } else { "absent" }.to_string()]
        }
        Value::Array(items) if !items.is_empty() => items.iter().map(display_value).collect(),
        Value::Array(_) => vec!["(none)".to_string()],
        other => vec![display_value(other)],
    }
}

fn format_expected(expected: &BTreeMap<String, Value>) -> Vec<String> {
    expected
        .iter()
        .map(|(env, v)| format!("{env} = {}", display_value(v)))
        .collect()
}

fn exception_view(id: &str, e: Option<&ReportException>) -> ExceptionView {
    match e {
        Some(e) => ExceptionView {
            id: e.id.clone(),
            resource: e.resource.clone(),
            attribute: e.attribute.clone(),
            environments: e.environments.join(", "),
            expected: format_expected(&e.expected),
            justification: e.justification.clone(),
            owner: e.owner.clone(),
            created: e.created.map(|d| d.to_string()).unwrap_or_default(),
            expires: e
                .expires
                .map(|d| d.to_string())
                .unwrap_or_else(|| "never".into()),
            ticket: e.ticket.clone().unwrap_or_default(),
            standing: e.standing.as_str(),
            known: true,
        },
        None => ExceptionView {
            id: id.to_string(),
            resource: String::new(),
            attribute: String::new(),
            environments: String::new(),
            expected: Vec::new(),
            justification: String::new(),
            owner: String::new(),
            created: String::new(),
            expires: String::new(),
            ticket: String::new(),
            standing: "active",
            known: false,
        },
    }
}

impl<'a> View<'a> {
    fn new(input: &'a ReportInput) -> View<'a> {
        let doc = &input.diff;
        let envs = &doc.environments;
        let row_view = |r: &DocRow| row_view(input, r);

        let snapshots = doc
            .snapshots
            .iter()
            .map(|(label, s)| SnapView {
                label: label.clone(),
                id: s.id,
                taken_at: s.taken_at.clone(),
                age: age(&s.taken_at, &doc.generated_at),
                source: s.source.as_str(),
                partial: !s.missing.is_empty(),
                missing: s
                    .missing
                    .iter()
                    .map(|m| (m.kind.clone(), m.reason.clone()))
                    .collect(),
            })
            .collect();

        let policy = input
            .policy
            .iter()
            .map(|p| PolicyView {
                environment: p.environment.clone(),
                may_differ_in: p.may_differ_in.iter().map(|c| c.as_str()).collect(),
            })
            .collect();

        let counts = Status::ALL
            .iter()
            .filter_map(|s| {
                doc.summary.by_status.get(s).map(|n| CountView {
                    status: s.as_str(),
                    n: *n,
                })
            })
            .collect();

        let pairs = doc
            .summary
            .pairs
            .iter()
            .map(|p| {
                let failing = doc
                    .rows
                    .iter()
                    .filter(|r| {
                        r.pairs
                            .iter()
                            .any(|q| q.a == p.a && q.b == p.b && q.status.is_failure())
                    })
                    .count();
                let categories: Vec<CategoryBar> = Category::ALL
                    .iter()
                    .filter_map(|c| {
                        input
                            .category_scores
                            .iter()
                            .find(|s| s.a == p.a && s.b == p.b && s.category == *c)
                    })
                    .enumerate()
                    .map(|(i, s)| CategoryBar {
                        category: s.category.as_str(),
                        y: i * 20,
                        width: (s.score * 1600.0).round() / 10.0,
                        label: pct(s.score),
                        compared: s.compared,
                        level: level(s.score),
                    })
                    .collect();
                PairView {
                    a: p.a.clone(),
                    b: p.b.clone(),
                    score: pct(p.score),
                    width: (p.score * 1000.0).round() / 10.0,
                    compared: p.compared,
                    parity: p.parity,
                    failing,
                    chart_height: categories.len() * 20,
                    categories,
                }
            })
            .collect();

        // Unexplained drift: drift and missing rows, grouped by kind, then resource.
        let mut drift: Vec<KindGroup> = Vec::new();
        let mut drift_total = 0;
        for r in doc
            .rows
            .iter()
            .filter(|r| matches!(r.status, Status::Drift | Status::Missing))
        {
            drift_total += 1;
            if drift.last().is_none_or(|g| g.kind != r.kind) {
                drift.push(KindGroup {
                    kind: r.kind.clone(),
                    resources: Vec::new(),
                });
            }
            if let Some(kind) = drift.last_mut() {
                if kind.resources.last().is_none_or(|g| g.key != r.key) {
                    kind.resources.push(ResourceGroup {
                        key: r.key.clone(),
                        rows: Vec::new(),
                    });
                }
                if let Some(res) = kind.resources.last_mut() {
                    res.rows.push(row_view(r));
                }
            }
        }

        let group_by_exception = |statuses: &[Status], include: &dyn Fn(Standing) -> bool| {
            let mut groups: Vec<ExceptionGroup> = Vec::new();
            let mut total = 0;
            for r in doc.rows.iter().filter(|r| statuses.contains(&r.status)) {
                total += 1;
                let ids: Vec<&String> = if r.exceptions.is_empty() {
                    Vec::new()
                } else {
                    r.exceptions.iter().collect()
                };
                for id in ids {
                    match groups.iter_mut().find(|g| &g.exception.id == id) {
                        Some(g) => g.rows.push(row_view(r)),
                        None => groups.push(ExceptionGroup {
                            exception: exception_view(id, input.exception(id)),
                            rows: vec![row_view(r)],
                        }),
                    }
                }
            }
            // exceptions in this state that cover no differing row are still worth a line
            for e in input.exceptions.iter().filter(|e| include(e.standing)) {
                if !groups.iter().any(|g| g.exception.id == e.id) {
                    groups.push(ExceptionGroup {
                        exception: exception_view(&e.id, Some(e)),
                        rows: Vec::new(),
                    });
                }
            }
            (groups, total)
        };
        let (problems, problem_total) =
            group_by_exception(&[Status::Violated, Status::Expired], &|s| s.is_problem());
        let (intentional, intentional_total) =
            group_by_exception(&[Status::Intentional], &|_| false);

        View {
            title: format!("Parity report: {}", input.workspace),
            workspace: &input.workspace,
            generated_at: &doc.generated_at,
            change_view: input.change_view,
            environments: envs,
            snapshots,
            policy,
            counts,
            total_rows: doc.summary.rows,
            pairs,
            drift_total,
            drift,
            problem_total,
            problems,
            intentional_total,
            intentional,
            allowed_total: doc
                .rows
                .iter()
                .filter(|r| r.status == Status::Allowed)
                .count(),
            unknown: doc
                .rows
                .iter()
                .filter(|r| r.status == Status::Unknown)
                .map(row_view)
                .collect(),
            warnings: doc
                .warnings
                .iter()
                .map(|w| WarningView {
                    kind: w.kind.clone(),
                    key: w.key.clone(),
                    environment: w.environment.clone(),
                    native_ids: w.native_ids.join(", "),
                })
                .collect(),
            shared_secrets: doc
                .shared_secrets
                .iter()
                .map(|s| SharedSecretView {
                    key: s.key.clone(),
                    attribute: s.attribute.clone(),
                    a: s.environments.first().cloned().unwrap_or_default(),
                    b: s.environments.get(1).cloned().unwrap_or_default(),
                    accepted_by: s.accepted_by.clone(),
                })
                .collect(),
            matrix: doc.rows.iter().map(row_view).collect(),
        }
    }
}

fn row_view(input: &ReportInput, r: &DocRow) -> RowView {
    let doc = &input.diff;
    let cells = doc
        .environments
        .iter()
        .map(|e| {
            let status = r.cells.get(e).copied();
            // the normalised value is what was compared; the raw one is kept for the tooltip
            let shown = r.values.get(e).cloned().unwrap_or(Value::Null);
            let raw = r.raw.get(e).cloned().unwrap_or(Value::Null);
            CellView {
                status: status.map_or("na", |s| s.as_str()),
                covered: status.is_some(),
                absent: shown.is_null(),
                raw: if raw != shown && !raw.is_null() {
                    lines(&r.attribute, &raw).join("\n")
                } else {
                    String::new()
                },
                lines: match status {
                    None => vec!["n/a".to_string()],
                    Some(Status::Unknown) => vec!["not collected".to_string()],
                    Some(_) => lines(&r.attribute, &shown),
                },
            }
        })
        .collect();
    let mut expected = policy_expectation(&doc.environments, r);
    if matches!(
        r.status,
        Status::Violated | Status::Expired | Status::Intentional
    ) {
        for id in &r.exceptions {
            if let Some(e) = input.exception(id) {
                for (env, want) in &e.expected {
                    let Some(got) = r.raw.get(env) else { continue };
                    if values_match(want, got) {
                        expected.push(format!("{env} = {} (as observed)", display_value(want)));
                    } else {
                        expected.push(format!(
                            "{env} = {} (observed {})",
                            display_value(want),
                            display_value(got)
                        ));
                    }
                }
            }
        }
    }
    RowView {
        key: r.key.clone(),
        kind: r.kind.clone(),
        attribute: r.attribute.clone(),
        category: r.category.as_str(),
        status: r.status.as_str(),
        cells,
        expected,
        exceptions: r.exceptions.clone(),
        extra: crate::pair_extras(r),
        baselined: r.baselined,
        converge: r.hint.iter().map(|h| h.text.clone()).collect(),
    }
}

/// What the policy expected of a drift or missing row, in a line or two: `staging = prod`,
/// `dev = staging = prod` when every pair among them drifts, `in every environment; missing in
/// dev, staging` for a resource some lack.
fn policy_expectation(environments: &[String], r: &DocRow) -> Vec<String> {
    let mut out = Vec::new();
    let drift: Vec<(&str, &str)> = r
        .pairs
        .iter()
        .filter(|p| p.status == Status::Drift)
        .map(|p| (p.a.as_str(), p.b.as_str()))
        .collect();
    if !drift.is_empty() {
        let involved: Vec<&str> = environments
            .iter()
            .map(String::as_str)
            .filter(|e| drift.iter().any(|(a, b)| a == e || b == e))
            .collect();
        let k = involved.len();
        if k > 2 && drift.len() == k * (k - 1) / 2 {
            out.push(involved.join(" = "));
        } else {
            out.extend(drift.iter().map(|(a, b)| format!("{a} = {b}")));
        }
    }
    let missing: Vec<(&str, &str)> = r
        .pairs
        .iter()
        .filter(|p| p.status == Status::Missing)
        .map(|p| (p.a.as_str(), p.b.as_str()))
        .collect();
    if !missing.is_empty() {
        let lacking: Vec<&str> = environments
            .iter()
            .map(String::as_str)
            .filter(|e| missing.iter().any(|(a, b)| a == e || b == e))
            .filter(|e| r.raw.get(*e).and_then(Value::as_bool) == Some(false))
            .collect();
        if lacking.is_empty() {
            out.extend(missing.iter().map(|(a, b)| format!("in both {a} and {b}")));
        } else {
            out.push(format!(
                "present everywhere; missing in {}",
                lacking.join(", ")
            ));
        }
    }
    out
}

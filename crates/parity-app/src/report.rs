//! Reports: builds parity-report's `ReportInput` from a comparison and the workspace (its name,
//! the compared environments' policy, every exception with its standing, per-category scores)
//! and renders it. The CLI's `report` and `check --report` and the desktop's export use this.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use parity_core::baseline::Baseline;
use parity_core::{Category, Status};
use parity_report::{
    CategoryScore, EnvPolicy, MarkdownOptions, ReportException, ReportFormat, ReportInput, Standing,
};

use crate::compare::Comparison;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::exceptions::ExceptionStanding;
use crate::Workspace;

fn standing(s: ExceptionStanding) -> Standing {
    match s {
        ExceptionStanding::Active => Standing::Active,
        ExceptionStanding::Expiring => Standing::Expiring,
        ExceptionStanding::Expired => Standing::Expired,
        ExceptionStanding::Violated => Standing::Violated,
    }
}

/// Per pair of columns and category: rows compared and rows at parity (categories with no
/// compared row are left out), in pair order then category order.
pub fn category_scores(cmp: &Comparison) -> Vec<CategoryScore> {
    let labels = &cmp.matrix.labels;
    let mut counts: BTreeMap<(usize, usize, Category), (usize, usize)> = BTreeMap::new();
    for row in &cmp.matrix.rows {
        for p in &row.pairs {
            let entry = counts.entry((p.a(), p.b(), row.category)).or_insert((0, 0));
            entry.0 += 1;
            if p.status.is_parity() {
                entry.1 += 1;
            }
        }
    }
    let mut out = Vec::new();
    for score in &cmp.matrix.scores {
        for category in Category::ALL {
            if let Some(&(compared, parity)) = counts.get(&(score.a, score.b, category)) {
                let ratio = if compared == 0 {
                    1.0
                } else {
                    parity as f64 / compared as f64
                };
                out.push(CategoryScore {
                    a: labels[score.a].clone(),
                    b: labels[score.b].clone(),
                    category,
                    compared,
                    parity,
                    score: (ratio * 10_000.0).round() / 10_000.0,
                });
            }
        }
    }
    out
}

impl Workspace {
    /// Everything a report of `cmp` shows, as of `now` (the report's `generated_at`; exception
    /// standings are judged on its UTC date).
    pub fn report_input(&self, cmp: &Comparison, now: DateTime<Utc>) -> AppResult<ReportInput> {
        self.report_input_against(cmp, now, None)
    }

    /// [`Workspace::report_input`] with the rows and pairs `baseline` covers marked
    /// `baselined` (docs/CONTRACTS.md "Baseline").
    pub fn report_input_against(
        &self,
        cmp: &Comparison,
        now: DateTime<Utc>,
        baseline: Option<&Baseline>,
    ) -> AppResult<ReportInput> {
        let today = now.date_naive();
        let info = self.info()?;
        let mut doc = cmp.document(now, None);
        if let Some(b) = baseline {
            doc.mark_baselined(&cmp.matrix, &b.apply(&cmp.matrix));
        }
        let mut policy: Vec<EnvPolicy> = Vec::new();
        for env in &cmp.environments {
            if !policy.iter().any(|p| p.environment == env.name) {
                policy.push(EnvPolicy {
                    environment: env.name.clone(),
                    may_differ_in: env.may_differ_in.clone(),
                });
            }
        }
        let exceptions =
            self.exception_views(Some(cmp), today)?
                .into_iter()
                .map(|v| {
                    let r = v.rule;
                    // a row this exception leaves violated makes it violated, whatever the view says
                    let violated_here = cmp.matrix.rows.iter().any(|row| {
                        row.status == Status::Violated && row.exceptions.contains(&r.id)
                    });
                    let mut standing = standing(v.standing);
                    if violated_here && !standing.is_problem() {
                        standing = Standing::Violated;
                    }
                    ReportException {
                        id: r.id,
                        resource: r.resource,
                        attribute: r.attribute,
                        environments: r.environments,
                        expected: r.expected,
                        justification: r.justification,
                        owner: r.owner,
                        created: r.created,
                        expires: r.expires,
                        ticket: r.ticket,
                        standing,
                        rows_covered: v.rows_covered,
                    }
                })
                .collect();
        Ok(ReportInput {
            workspace: info.name,
            generated_at: doc.generated_at.clone(),
            change_view: cmp.matrix.change_view,
            policy,
            exceptions,
            category_scores: category_scores(cmp),
            diff: doc,
        })
    }

    /// Renders the report of `cmp` in `format`.
    pub fn report(
        &self,
        cmp: &Comparison,
        format: ReportFormat,
        markdown: MarkdownOptions,
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        self.report_against(cmp, format, markdown, now, None)
    }

    /// [`Workspace::report`] with baselined rows marked.
    pub fn report_against(
        &self,
        cmp: &Comparison,
        format: ReportFormat,
        markdown: MarkdownOptions,
        now: DateTime<Utc>,
        baseline: Option<&Baseline>,
    ) -> AppResult<String> {
        let input = self.report_input_against(cmp, now, baseline)?;
        parity_report::render(&input, format, markdown)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
    }
}

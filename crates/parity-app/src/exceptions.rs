//! Exceptions as users manage them: add (justification required), edit, expire, remove, and a
//! list with each one's state (active, expiring soon, expired, violated) and audit trail.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use parity_core::exception::CompiledException;
use parity_core::{ExceptionRule, Status};
use parity_store::{AuditAction, AuditEntry, Via};
use serde::Serialize;

use crate::compare::Comparison;
use crate::error::{AppError, AppResult};
use crate::Workspace;

/// Days before expiry when an exception counts as "expiring".
pub const EXPIRING_WITHIN_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionStanding {
    Active,
    Expiring,
    Expired,
    Violated,
}

impl ExceptionStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionStanding::Active => "active",
            ExceptionStanding::Expiring => "expiring",
            ExceptionStanding::Expired => "expired",
            ExceptionStanding::Violated => "violated",
        }
    }
}

/// An exception with its standing and the rows it covers in the current comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionView {
    pub rule: ExceptionRule,
    pub standing: ExceptionStanding,
    pub rows_covered: usize,
    /// See [`Workspace::exception_version`].
    pub version: i64,
}

/// Changes to an exception; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ExceptionPatch {
    pub resource: Option<String>,
    pub attribute: Option<String>,
    pub environments: Option<Vec<String>>,
    pub expected: Option<Vec<(String, serde_json::Value)>>,
    /// Replaces the accepted elements (docs/CONTRACTS.md "Element differences").
    pub elements: Option<Vec<String>>,
    pub justification: Option<String>,
    pub owner: Option<String>,
    pub expires: Option<Option<NaiveDate>>,
    pub ticket: Option<Option<String>>,
}

/// Elements as typed (`  tcp 443 from 0.0.0.0/0 `, `a -> b`) stored in canonical element text.
fn canonical_elements(rule: &mut ExceptionRule) {
    for e in &mut rule.elements {
        *e = parity_core::elements::comparable_text(e);
    }
}

/// Parses `ENV=VALUE` for an expected value: JSON when it parses (`true`, `30`, `"x"`), else the
/// text as a string.
pub fn parse_expected(text: &str) -> AppResult<(String, serde_json::Value)> {
    let (env, value) = text.split_once('=').ok_or_else(|| {
        AppError::bad_input(format!(
            "--expect `{text}`: expected ENV=VALUE, e.g. prod=true"
        ))
    })?;
    Ok((env.trim().to_string(), expected_value(value)))
}

/// An expected value as typed (CLI `--expect`, the desktop form): JSON when it parses (`true`,
/// `30`, `"x"`), else the text as a string.
pub fn expected_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

pub fn parse_date(text: &str, what: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::bad_input(format!("{what} `{text}`: expected a date as YYYY-MM-DD")))
}

impl Workspace {
    fn check_exception_envs(&self, rule: &ExceptionRule) -> AppResult<()> {
        for env in rule.environments.iter().chain(rule.expected.keys()) {
            self.environment(env).map_err(|e| {
                AppError::bad_input(format!(
                    "exception `{}`: {}",
                    rule.effective_id(),
                    e.message
                ))
            })?;
        }
        Ok(())
    }

    /// Adds an exception; an empty id is derived, a missing `created` is today.
    pub fn add_exception(
        &self,
        mut rule: ExceptionRule,
        via: Via,
        now: DateTime<Utc>,
    ) -> AppResult<ExceptionRule> {
        rule.validate()?;
        canonical_elements(&mut rule);
        rule.id = rule.effective_id();
        if rule.created.is_none() {
            rule.created = Some(now.date_naive());
        }
        let mut result = Ok(());
        self.store().transaction(|store| {
            result = self.check_exception_envs(&rule);
            if result.is_err() {
                return Ok(());
            }
            if store.exception(&rule.id)?.is_some() {
                result = Err(AppError::conflict(format!(
                    "an exception with id `{}` already exists (edit it with `envparity exception edit {}`)",
                    rule.id, rule.id
                )));
                return Ok(());
            }
            store.save_exception(&rule, AuditAction::Create, via, now)?;
            Ok(())
        })?;
        result.map(|()| rule)
    }

    pub fn exception(&self, id: &str) -> AppResult<ExceptionRule> {
        self.store().exception(id)?.ok_or_else(|| {
            AppError::not_found(format!(
                "no exception with id `{id}` (see `envparity exception list`)"
            ))
        })
    }

    /// The exception's version, to pass back to [`Workspace::edit_exception`] so an edit made
    /// from a stale copy is refused rather than overwriting another writer's change.
    pub fn exception_version(&self, id: &str) -> AppResult<i64> {
        Ok(self.store().exception_version(id)?)
    }

    /// Applies `patch` to the exception as stored now: read, change and write happen in one
    /// write transaction, so concurrent edits of different fields both land. With
    /// `expected_version` (what the editor read), a change made meanwhile refuses the edit
    /// (`ErrorCode::Stale`) instead of overwriting it.
    pub fn edit_exception(
        &self,
        id: &str,
        patch: ExceptionPatch,
        expected_version: Option<i64>,
        via: Via,
        now: DateTime<Utc>,
    ) -> AppResult<ExceptionRule> {
        let mut result = Err(AppError::new(
            crate::ErrorCode::Internal,
            "edit did not run",
        ));
        let stored = self.store().transaction(|store| {
            result = self.patched_exception(id, patch);
            let Ok(rule) = &result else {
                return Ok(());
            };
            store.save_exception_if(rule, AuditAction::Update, via, now, expected_version)?;
            Ok(())
        });
        stored?;
        result
    }

    fn patched_exception(&self, id: &str, patch: ExceptionPatch) -> AppResult<ExceptionRule> {
        let mut rule = self.exception(id)?;
        if let Some(v) = patch.resource {
            rule.resource = v;
        }
        if let Some(v) = patch.attribute {
            rule.attribute = v;
        }
        if let Some(v) = patch.environments {
            rule.environments = v;
        }
        if let Some(v) = patch.expected {
            rule.expected = v.into_iter().collect();
        }
        if let Some(v) = patch.elements {
            rule.elements = v;
            rule.validate()?;
            canonical_elements(&mut rule);
        }
        if let Some(v) = patch.justification {
            rule.justification = v;
        }
        if let Some(v) = patch.owner {
            rule.owner = v;
        }
        if let Some(v) = patch.expires {
            rule.expires = v;
        }
        if let Some(v) = patch.ticket {
            rule.ticket = v;
        }
        rule.validate()?;
        self.check_exception_envs(&rule)?;
        Ok(rule)
    }

    /// Ends an exception's validity now: it expires at the end of yesterday (UTC). Decided and
    /// written in one write transaction.
    pub fn expire_exception(
        &self,
        id: &str,
        via: Via,
        now: DateTime<Utc>,
    ) -> AppResult<ExceptionRule> {
        let mut result = Err(AppError::new(
            crate::ErrorCode::Internal,
            "expire did not run",
        ));
        self.store().transaction(|store| {
            result = self.exception(id).and_then(|mut rule| {
                let yesterday = now.date_naive() - Duration::days(1);
                if rule.expires.is_some_and(|e| e <= yesterday) {
                    return Err(AppError::conflict(format!(
                        "exception `{id}` already expired on {}",
                        rule.expires.unwrap_or(yesterday)
                    )));
                }
                rule.expires = Some(yesterday);
                Ok(rule)
            });
            if let Ok(rule) = &result {
                store.save_exception(rule, AuditAction::Expire, via, now)?;
            }
            Ok(())
        })?;
        result
    }

    pub fn remove_exception(&self, id: &str, via: Via, now: DateTime<Utc>) -> AppResult<()> {
        if self.store().exception(id)?.is_none() {
            return Err(AppError::not_found(format!(
                "no exception with id `{id}` (see `envparity exception list`)"
            )));
        }
        Ok(self.store().delete_exception(id, via, now)?)
    }

    pub fn exception_history(&self, id: &str) -> AppResult<Vec<AuditEntry>> {
        let trail = self.store().audit_trail(Some(id))?;
        if trail.is_empty() {
            return Err(AppError::not_found(format!(
                "no exception with id `{id}` was ever recorded"
            )));
        }
        Ok(trail)
    }

    /// Every exception with its standing against `comparison` (when there is one).
    pub fn exception_views(
        &self,
        comparison: Option<&Comparison>,
        today: NaiveDate,
    ) -> AppResult<Vec<ExceptionView>> {
        let mut out = Vec::new();
        for rule in self.store().exceptions()? {
            let compiled = CompiledException::new(&rule)?;
            let mut rows_covered = 0;
            let mut violated = false;
            if let Some(cmp) = comparison {
                for row in cmp
                    .matrix
                    .rows
                    .iter()
                    .filter(|r| r.exceptions.contains(&rule.id))
                {
                    rows_covered += 1;
                    if row.status == Status::Same || !compiled.matches_row(&row.key, &row.attribute)
                    {
                        continue;
                    }
                    let observed = |env: &str| {
                        cmp.matrix
                            .environments
                            .iter()
                            .position(|e| e == env)
                            .map(|c| row.raw[c].clone())
                    };
                    if !rule.expectations_hold(observed) {
                        violated = true;
                    }
                    // docs/CONTRACTS.md "Element differences": an extra element it does not list
                    if !rule.elements.is_empty()
                        && row.pairs.iter().any(|p| {
                            p.status != Status::Same
                                && (compiled.names_env(&cmp.matrix.environments[p.a()])
                                    || compiled.names_env(&cmp.matrix.environments[p.b()]))
                                && !rule.elements_hold(&parity_core::elements::pair_elements(
                                    row.value(p.a()),
                                    row.value(p.b()),
                                ))
                        })
                    {
                        violated = true;
                    }
                }
            }
            let standing = if rule.is_expired(today) {
                ExceptionStanding::Expired
            } else if violated {
                ExceptionStanding::Violated
            } else if rule
                .expires
                .is_some_and(|e| e - today <= Duration::days(EXPIRING_WITHIN_DAYS))
            {
                ExceptionStanding::Expiring
            } else {
                ExceptionStanding::Active
            };
            out.push(ExceptionView {
                version: self.store().exception_version(&rule.id)?,
                rule,
                standing,
                rows_covered,
            });
        }
        Ok(out)
    }
}

//! Judging a row (docs/CONTRACTS.md "Statuses"): the base status of every pair of columns
//! (same, drift, missing, unknown), then for a differing pair the environments' policy
//! (`may_differ_in` → allowed) and the covering exceptions (intentional, violated, expired);
//! cells and the row take the worst status of their pairs.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::Value;
use smallvec::SmallVec;

use super::types::{Cells, Column, PairStatus, RawValues, Row};
use crate::exception::{CompiledException, ExceptionState};
use crate::model::Category;
use crate::status::Status;

/// How a column stands on one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presence {
    NotCovered,
    Unknown,
    Absent,
    Present,
}

/// A row before it is judged: what it is about and its values per column.
pub(super) struct RowValues {
    pub kind: Arc<str>,
    pub key: Arc<str>,
    pub attribute: Arc<str>,
    pub category: Category,
    pub raw: RawValues,
    /// Empty when normalisation changed no value (see [`Row::value`]).
    pub normalized: Vec<Option<Value>>,
}

impl RowValues {
    /// The compared value of column `c`: the normalised one, else the raw one.
    fn value(&self, c: usize) -> &Value {
        match self.normalized.get(c) {
            Some(Some(v)) => v,
            _ => &self.raw[c],
        }
    }

    /// Whether columns `a` and `b` compare equal. Two raw values the row holds once are equal
    /// without comparing them (most rows: their columns agree).
    fn equal(&self, a: usize, b: usize) -> bool {
        let normalized = |c: usize| self.normalized.get(c).is_some_and(Option::is_some);
        (!normalized(a) && !normalized(b) && self.raw.shared(a, b))
            || self.value(a) == self.value(b)
    }
}

/// Judges the rows of one key: every row of the key shares the columns' presence.
pub(super) struct RowBuilder<'a, 'b> {
    pub columns: &'a [Column<'a>],
    pub presence: &'a [Presence],
    pub exceptions: &'a [CompiledException<'b>],
    pub change_view: bool,
    pub today: NaiveDate,
}

impl RowBuilder<'_, '_> {
    /// The `exists` row: a pair where one side lacks the resource is `missing`.
    pub(super) fn build_exists(&self, values: RowValues) -> Row {
        self.build(values, true, None, &[])
    }

    /// An attribute row: pairs where one side lacks the resource are not compared here (the
    /// `exists` row reports absence once); cells without a compared pair take the `exists` row's
    /// cell. Returns `None` when no pair was compared.
    pub(super) fn build_attribute(
        &self,
        values: RowValues,
        exists_cells: &[Option<Status>],
    ) -> Option<Row> {
        let row = self.build(values, false, Some(exists_cells), &[]);
        (!row.pairs.is_empty()).then_some(row)
    }

    /// An instance group's `count` row whose size may be an Auto Scaling group's capacity:
    /// `capacity[c]` is the key of the group whose `desired_capacity` equals column `c`'s count.
    /// A pair whose two columns name the same group is also covered by the exceptions on that
    /// group's `desired_capacity` (docs/CONTRACTS.md "Groups: numbered replicas and Auto Scaling
    /// instances").
    pub(super) fn build_derived_count(
        &self,
        values: RowValues,
        exists_cells: &[Option<Status>],
        capacity: &[Option<Arc<str>>],
    ) -> Option<Row> {
        let row = self.build(values, false, Some(exists_cells), capacity);
        (!row.pairs.is_empty()).then_some(row)
    }

    fn build(
        &self,
        values: RowValues,
        is_exists: bool,
        exists_cells: Option<&[Option<Status>]>,
        capacity: &[Option<Arc<str>>],
    ) -> Row {
        let mut covering: BTreeSet<String> = BTreeSet::new();
        let pairs = self.pair_statuses(&values, is_exists, capacity, &mut covering);
        let cells = self.cell_statuses(&pairs, exists_cells);
        let status = worst(pairs.iter().map(|p| p.status)).unwrap_or(Status::Same);
        let RowValues {
            kind,
            key,
            attribute,
            category,
            raw,
            normalized,
        } = values;
        Row {
            kind,
            key,
            attribute,
            category,
            status,
            normalized: normalized.into_boxed_slice(),
            raw,
            cells,
            pairs,
            exceptions: covering.into_iter().collect(),
        }
    }

    /// The status of every compared pair; `covering` collects the ids of the exceptions that
    /// covered a differing pair.
    fn pair_statuses(
        &self,
        values: &RowValues,
        is_exists: bool,
        capacity: &[Option<Arc<str>>],
        covering: &mut BTreeSet<String>,
    ) -> SmallVec<[PairStatus; 3]> {
        let n = self.columns.len();
        let mut pairs: SmallVec<[PairStatus; 3]> = SmallVec::new();
        let covering_rules: SmallVec<[&CompiledException; 2]> = if self.exceptions.is_empty() {
            SmallVec::new()
        } else {
            self.exceptions
                .iter()
                .filter(|e| e.matches_row(&values.key, &values.attribute))
                .collect()
        };
        for a in 0..n {
            for b in a + 1..n {
                let Some(base) = self.base_status(a, b, values, is_exists) else {
                    continue;
                };
                let status = if base == Status::Same || base == Status::Unknown || self.change_view
                {
                    base
                } else if let Some(group) = self.shared_capacity(capacity, a, b) {
                    let mut rules = covering_rules.clone();
                    for e in self.exceptions {
                        if e.matches_row(group, "desired_capacity")
                            && !rules.iter().any(|r| std::ptr::eq(*r, e))
                        {
                            rules.push(e);
                        }
                    }
                    self.judge(base, a, b, values, &rules, covering)
                } else {
                    self.judge(base, a, b, values, &covering_rules, covering)
                };
                pairs.push(PairStatus {
                    a: a as u16,
                    b: b as u16,
                    status,
                });
            }
        }
        pairs
    }

    /// The Auto Scaling group whose capacity explains the count of both columns of the pair.
    fn shared_capacity<'c>(
        &self,
        capacity: &'c [Option<Arc<str>>],
        a: usize,
        b: usize,
    ) -> Option<&'c str> {
        match (capacity.get(a)?, capacity.get(b)?) {
            (Some(x), Some(y)) if x == y => Some(x),
            _ => None,
        }
    }

    /// Steps 1 and 2 of the contract: the status of pair (a, b) from presence and values alone;
    /// `None` when the pair is not compared on this row.
    fn base_status(
        &self,
        a: usize,
        b: usize,
        values: &RowValues,
        is_exists: bool,
    ) -> Option<Status> {
        match (self.presence[a], self.presence[b]) {
            (Presence::NotCovered, _) | (_, Presence::NotCovered) => None,
            (Presence::Present, Presence::Present) => Some(if values.equal(a, b) {
                Status::Same
            } else {
                Status::Drift
            }),
            (Presence::Unknown, Presence::Present) | (Presence::Present, Presence::Unknown) => {
                Some(Status::Unknown)
            }
            (Presence::Present, Presence::Absent) | (Presence::Absent, Presence::Present) => {
                is_exists.then_some(Status::Missing)
            }
            _ => None,
        }
    }

    /// Steps 3 and 4 of the contract for a differing pair: policy, then exceptions.
    fn judge(
        &self,
        base: Status,
        a: usize,
        b: usize,
        values: &RowValues,
        rules: &[&CompiledException],
        covering: &mut BTreeSet<String>,
    ) -> Status {
        if self.policy_allows(a, b, values.category) {
            return Status::Allowed;
        }
        match self.exception_state(a, b, rules, values, covering) {
            Some(ExceptionState::Intentional) => Status::Intentional,
            Some(ExceptionState::Violated) => Status::Violated,
            Some(ExceptionState::Expired) => Status::Expired,
            None => base,
        }
    }

    /// Step 3: either environment may differ in the row's category.
    fn policy_allows(&self, a: usize, b: usize, category: Category) -> bool {
        let (ea, eb) = (self.columns[a].env, self.columns[b].env);
        ea.may_differ_in.contains(&category) || eb.may_differ_in.contains(&category)
    }

    /// Step 4: the best state among the row's exceptions that name either environment of the
    /// pair (intentional before violated before expired); `None` when none does.
    fn exception_state(
        &self,
        a: usize,
        b: usize,
        rules: &[&CompiledException],
        values: &RowValues,
        covering: &mut BTreeSet<String>,
    ) -> Option<ExceptionState> {
        let raw = &values.raw;
        let mut extra = None;
        let (ea, eb) = (self.columns[a].env, self.columns[b].env);
        let mut best: Option<ExceptionState> = None;
        for e in rules {
            if !(e.names_env(&ea.name) || e.names_env(&eb.name)) {
                continue;
            }
            covering.insert(e.rule.effective_id());
            let observed = |env: &str| -> Option<Value> {
                self.columns
                    .iter()
                    .position(|c| c.env.name == env)
                    .filter(|&c| self.presence[c] != Presence::NotCovered)
                    .map(|c| raw[c].clone())
            };
            let mut state = e.rule.state(self.today, observed);
            // docs/CONTRACTS.md "Element differences": listed elements are the only extras
            // it accepts
            if state == ExceptionState::Intentional && !e.rule.elements.is_empty() {
                let extra = extra.get_or_insert_with(|| {
                    crate::elements::pair_elements(values.value(a), values.value(b))
                });
                if !e.rule.elements_hold(extra) {
                    state = ExceptionState::Violated;
                }
            }
            best = Some(match best {
                None => state,
                Some(prev) => prev.min(state),
            });
        }
        best
    }

    /// Each column's cell: the worst status of the pairs it takes part in; else `unknown` for an
    /// unknown column, the `exists` row's cell for an attribute row, or `same`. `None` where the
    /// column is not covered.
    fn cell_statuses(
        &self,
        pairs: &[PairStatus],
        exists_cells: Option<&[Option<Status>]>,
    ) -> Cells<Option<Status>> {
        let n = self.columns.len();
        let mut cells: Cells<Option<Status>> = SmallVec::with_capacity(n);
        for c in 0..n {
            let cell = worst(
                pairs
                    .iter()
                    .filter(|p| p.a() == c || p.b() == c)
                    .map(|p| p.status),
            );
            cells.push(match (self.presence[c], cell) {
                (Presence::NotCovered, _) => None,
                (_, Some(s)) => Some(s),
                (Presence::Unknown, None) => Some(Status::Unknown),
                (_, None) => Some(exists_cells.and_then(|e| e[c]).unwrap_or(Status::Same)),
            });
        }
        cells
    }
}

/// The worst of `statuses` (`None` when there are none).
fn worst(statuses: impl Iterator<Item = Status>) -> Option<Status> {
    statuses.reduce(Status::worst)
}

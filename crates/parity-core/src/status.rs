//! Cell, pair and row statuses and their severity order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A comparison status (docs/CONTRACTS.md "Statuses").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Same,
    Allowed,
    Intentional,
    Unknown,
    Expired,
    Violated,
    Missing,
    Drift,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Drift,
        Status::Missing,
        Status::Violated,
        Status::Expired,
        Status::Unknown,
        Status::Intentional,
        Status::Allowed,
        Status::Same,
    ];

    /// Severity: drift = missing > violated > expired > unknown > intentional > allowed > same.
    pub fn severity(self) -> u8 {
        match self {
            Status::Same => 0,
            Status::Allowed => 1,
            Status::Intentional => 2,
            Status::Unknown => 3,
            Status::Expired => 4,
            Status::Violated => 5,
            Status::Missing | Status::Drift => 6,
        }
    }

    /// The worse of two statuses. Drift and missing rank equal; drift wins a tie so a row that
    /// has both reads as drift.
    pub fn worst(self, other: Status) -> Status {
        match self.severity().cmp(&other.severity()) {
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Equal => {
                if other == Status::Drift {
                    other
                } else {
                    self
                }
            }
        }
    }

    /// Counted as parity in scores: same, allowed, intentional.
    pub fn is_parity(self) -> bool {
        matches!(self, Status::Same | Status::Allowed | Status::Intentional)
    }

    /// Fails `check`: drift, missing, violated, expired.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Status::Drift | Status::Missing | Status::Violated | Status::Expired
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Allowed => "allowed",
            Status::Intentional => "intentional",
            Status::Unknown => "unknown",
            Status::Expired => "expired",
            Status::Violated => "violated",
            Status::Missing => "missing",
            Status::Drift => "drift",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!("unknown status `{s}` (expected one of drift, missing, violated, expired, unknown, intentional, allowed, same)")
            })
    }
}

impl PartialOrd for Status {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Status {
    /// Worst first: drift, missing, violated, expired, unknown, intentional, allowed, same.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let pos = |s: &Status| {
            Status::ALL
                .iter()
                .position(|x| x == s)
                .unwrap_or(usize::MAX)
        };
        pos(self).cmp(&pos(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_of_follows_the_contract_order() {
        let order = [
            Status::Same,
            Status::Allowed,
            Status::Intentional,
            Status::Unknown,
            Status::Expired,
            Status::Violated,
            Status::Missing,
        ];
        for (i, lower) in order.iter().enumerate() {
            for higher in &order[i..] {
                assert_eq!(lower.worst(*higher), *higher, "{lower} vs {higher}");
                assert_eq!(higher.worst(*lower), *higher, "{higher} vs {lower}");
            }
        }
        assert_eq!(Status::Missing.worst(Status::Drift), Status::Drift);
        assert_eq!(Status::Drift.worst(Status::Missing), Status::Drift);
        assert_eq!(Status::Drift.severity(), Status::Missing.severity());
    }

    #[test]
    fn parse_round_trips() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert!("bad".parse::<Status>().is_err());
    }
}

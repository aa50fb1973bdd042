//! The extra elements of set-valued rows as every report shows them (docs/CONTRACTS.md
//! "Element differences"): per listed pair `a → b`, `+ element` for what `b` has and `a` lacks,
//! `- element` for what `a` has and `b` lacks, in canonical element text.

use parity_core::DocRow;
use serde::Serialize;

use crate::display_value;

/// One pair's extra elements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairExtra {
    /// `a → b`.
    pub pair: String,
    /// `+ element` lines, then `- element` lines.
    pub lines: Vec<String>,
}

/// The extra elements of each listed pair of `row` that has any (none for other rows).
pub fn pair_extras(row: &DocRow) -> Vec<PairExtra> {
    row.pairs
        .iter()
        .filter_map(|p| {
            let (only_a, only_b) = (p.only_a.as_ref()?, p.only_b.as_ref()?);
            let lines: Vec<String> = only_b
                .iter()
                .map(|v| format!("+ {}", display_value(v)))
                .chain(only_a.iter().map(|v| format!("- {}", display_value(v))))
                .collect();
            (!lines.is_empty()).then(|| PairExtra {
                pair: format!("{} → {}", p.a, p.b),
                lines,
            })
        })
        .collect()
}

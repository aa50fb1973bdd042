//! The environment matrix: rows are logical resources and their attributes, columns are
//! environments (or snapshots of one environment), and every pair of columns gets a status
//! (docs/CONTRACTS.md "Statuses").
//!
//! - `types`: the columns and options going in; [`Matrix`], [`Row`], [`PairStatus`], scores
//!   and pairings coming out.
//! - `build`: [`Matrix::compute`]: options compiled, columns keyed and grouped, rows of every
//!   key in parallel, scores.
//! - `rows`: the rows of one key (`exists`, `count`, one per attribute) and their values.
//! - `judge`: pair statuses, policy, exceptions, worst-of for cells and rows.
//! - `filter`: [`RowFilter`] / [`CompiledFilter`], which rows to show.
//! - `shared`: [`SharedSecret`], the same secret in two environments.
//! - `codec`: [`Matrix::to_bytes`] / [`Matrix::from_bytes`], the binary form the desktop's
//!   matrix cache stores.

mod build;
mod codec;
mod filter;
mod judge;
mod rows;
mod shared;
mod types;

pub use codec::DecodeError;
pub use filter::{CompiledFilter, RowFilter};
pub use shared::SharedSecret;
pub use types::{
    AmbiguousKey, Cells, Column, Matrix, MatrixOptions, PairScore, PairStatus, Pairing, RawIter,
    RawValues, Row, MAX_COLUMNS,
};

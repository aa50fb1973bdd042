//! `parity-tests`: the workspace's end-to-end tests. The library is empty on purpose; the tests
//! live in `cli/` (the `cli` test binary) and `aws/` (against moto), and run the real `envparity`
//! binary on real SQLite files in temporary directories; `tidy.rs` checks the repository's
//! invariants. Run them with `cargo test -p parity-tests` (or `cargo test` at the workspace
//! root).

//! End-to-end tests of the `envparity` CLI: each test runs the real binary on its own SQLite file
//! in a temporary directory, with the clock pinned by `ENVPARITY_NOW`, and reads like a line of
//! the specification (docs/CONTRACTS.md: exit codes, diff JSON, the workspace file; issue 2
//! §5–6).

mod bad_input;
mod concurrency;
mod crash;
mod demo_flow;
mod elements_baseline;
mod environments;
mod filters;
mod hints;
mod secrets;
mod support;
mod team;
mod workspace_file;

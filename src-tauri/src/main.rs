//! The `envparity-desktop` binary: starts the Tauri app (see the library for everything else).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as the CLI: the matrix allocates many small values. With the system allocator the
/// desktop's first matrix at 3 × 100,000 resources took twice as long as the same work in the
/// CLI and the benches.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    envparity_desktop::run();
}

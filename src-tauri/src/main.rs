//! The `envparity-desktop` binary: starts the Tauri app (see the library for everything else).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as the CLI: the matrix allocates many small values. With the system allocator the
/// desktop peaked at 1,446–1,469 MiB on 3 × 100,000 resources, with mimalloc at 1,280–1,326 MiB
/// (README "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    envparity_desktop::run();
}

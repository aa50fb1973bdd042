//! The `envparity-desktop` binary: starts the Tauri app (see the library for everything else).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    envparity_desktop::run();
}

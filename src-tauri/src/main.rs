//! The `envparity-desktop` binary: starts the Tauri app (see the library for everything else).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // before GTK and before any other thread exists
    envparity_desktop::rendering::choose_compositing();
    envparity_desktop::run();
}

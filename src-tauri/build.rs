//! Build script of the desktop app: Tauri's code generation from the root `tauri.conf.json`.
//! When `ui/dist` has not been built yet (a plain `cargo clippy` on a fresh checkout) it writes a
//! placeholder page so the workspace still compiles; `npm run build` in ui/ replaces it.

use std::path::Path;

/// The app's commands (src-tauri/src/commands.rs), as registered in `run()`.
const COMMANDS: &[&str] = &[
    "workspace_info",
    "choose_file",
    "open_workspace",
    "connect_team_workspace",
    "create_workspace",
    "open_demo",
    "workspace_toml",
    "save_workspace_file",
    "environments",
    "save_environment",
    "remove_environment",
    "aws_profiles",
    "set_static_keys",
    "has_static_keys",
    "test_connection",
    "collect",
    "cancel_collect",
    "matrix_meta",
    "matrix_page",
    "row_detail",
    "incident_options",
    "incident",
    "exceptions",
    "add_exception",
    "edit_exception",
    "expire_exception",
    "remove_exception",
    "exception_history",
    "snapshots",
    "delete_snapshot",
    "import_tfstate",
    "save_report",
    "set_baseline",
];

fn main() {
    let dist = Path::new("ui/dist");
    let index = dist.join("index.html");
    if !index.exists() {
        let placeholder = "<!doctype html><meta charset=\"utf-8\"><title>EnvParity</title>\
            <p>The UI has not been built: run <code>npm ci &amp;&amp; npm run build</code> in ui/.</p>";
        if std::fs::create_dir_all(dist).is_ok() {
            let _ = std::fs::write(&index, placeholder);
        }
    }
    println!("cargo:rerun-if-changed=ui/dist");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            // Every app command gets an `allow-…` permission; the capability grants them one by one.
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}

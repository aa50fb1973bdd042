//! EnvParity's desktop shell (Tauri v2): the window, the dialog plugin, and commands that each
//! forward to `parity_api::api` (session, DTOs and bindings live in parity-api, without Tauri).
//! The UI (ui/) talks to it only through these commands, with TypeScript types and command
//! wrappers generated from parity-api.

pub mod commands;
mod dialogs;
mod rendering;

use parity_api::{CollectControl, Session};
use tauri::Manager;

/// Starts the app: opens the last workspace (or the demo on first run) and shows the window.
pub fn run() {
    rendering::prefer_cpu_painting_without_gpu();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(CollectControl::default())
        .setup(|app| {
            let data_dir = Session::data_dir(app.path().app_data_dir().ok())?;
            // Open the workspace here, compute its matrix on a thread of its own: the event
            // loop runs meanwhile, so the window loads beside it; the UI's first request waits
            // for the matrix (and sees the demo if the workspace could not be compared).
            let session = Session::open_at_launch(data_dir)?;
            app.manage(session);
            let handle = app.handle().clone();
            std::thread::spawn(move || {
                if let Err(e) = handle.state::<Session>().finish_launch() {
                    eprintln!("envparity-desktop: the demo workspace cannot be opened either: {e}");
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::workspace_info,
            commands::choose_file,
            commands::open_workspace,
            commands::connect_team_workspace,
            commands::create_workspace,
            commands::open_demo,
            commands::workspace_toml,
            commands::save_workspace_file,
            commands::environments,
            commands::save_environment,
            commands::remove_environment,
            commands::aws_profiles,
            commands::set_static_keys,
            commands::has_static_keys,
            commands::test_connection,
            commands::collect,
            commands::cancel_collect,
            commands::matrix_meta,
            commands::matrix_page,
            commands::row_detail,
            commands::incident_options,
            commands::incident,
            commands::exceptions,
            commands::add_exception,
            commands::edit_exception,
            commands::expire_exception,
            commands::remove_exception,
            commands::exception_history,
            commands::snapshots,
            commands::delete_snapshot,
            commands::import_tfstate,
            commands::save_report,
            commands::set_baseline,
        ])
        .build(tauri::generate_context!("tauri.conf.json"));
    match result {
        Ok(app) => app.run(|handle, event| {
            // the window is gone; the process ends once the matrix cache holds the matrix last
            // shown, so that the next launch reads it instead of computing
            if let tauri::RunEvent::Exit = event {
                if let Some(session) = handle.try_state::<Session>() {
                    session.wait_for_matrix_cache();
                }
            }
        }),
        Err(e) => {
            eprintln!("envparity-desktop: {e}");
            std::process::exit(1);
        }
    }
}

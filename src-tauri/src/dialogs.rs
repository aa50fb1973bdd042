//! The native file dialogs behind `choose_file` (parity-api's `FilePicker`): GTK's file chooser
//! through the dialog plugin's Rust side, modal to the calling window. The page cannot open
//! file dialogs itself (the capability grants no `dialog:allow-open`/`allow-save`), so every
//! path the backend reads or writes was chosen here.

use std::path::PathBuf;

use parity_api::picker::{FilePicker, PickMode, PickRequest};
use tauri::WebviewWindow;
use tauri_plugin_dialog::DialogExt;

/// The dialog plugin, parented to the window that asked.
pub struct NativeDialog(pub WebviewWindow);

impl FilePicker for NativeDialog {
    fn pick(&self, request: &PickRequest) -> Option<PathBuf> {
        let mut dialog = self
            .0
            .dialog()
            .file()
            .set_parent(&self.0)
            .set_title(&request.title);
        if let Some((name, extensions)) = &request.filter {
            let extensions: Vec<&str> = extensions.iter().map(String::as_str).collect();
            dialog = dialog.add_filter(name, &extensions);
        }
        if let Some(dir) = &request.directory {
            dialog = dialog.set_directory(dir);
        }
        if let Some(file) = &request.file_name {
            dialog = dialog.set_file_name(file);
        }
        // `choose_file` runs on a worker thread (an async command), where blocking is allowed.
        let chosen = match request.mode {
            PickMode::Open => dialog.blocking_pick_file(),
            PickMode::Save => dialog.blocking_save_file(),
        }?;
        chosen.into_path().ok()
    }
}

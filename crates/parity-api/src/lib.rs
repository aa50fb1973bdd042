//! EnvParity's desktop API without Tauri (the model: GitButler's `but-api` under macro-thin
//! Tauri commands). `session` holds the open workspace and its cached matrix; `api` has one
//! function per IPC command, each over parity-app's use cases, taking and returning the DTOs of
//! `dto`; `registry` lists the commands with their argument and return types, from which
//! `bindings` renders the TypeScript types and typed command wrappers the UI calls; `picker`
//! keeps file paths to the ones the user chose in native dialogs. The Tauri
//! shell (src-tauri/) only forwards to `api`, and a test checks it against `registry`.

pub mod api;
pub mod aws_profiles;
pub mod bindings;
pub mod dto;
pub mod picker;
pub mod registry;
pub mod session;

pub use api::CollectControl;
pub use session::Session;

//! The Tauri commands: each forwards to the function of the same name in `parity_api::api`
//! (the names and types `parity_api::registry` lists; a test checks they agree).

use parity_api::api;
use parity_api::dto::*;
use parity_api::{CollectControl, Session};
use tauri::ipc::Channel;
use tauri::{State, WebviewWindow};

use crate::dialogs::NativeDialog;

#[tauri::command(async)]
pub fn workspace_info(session: State<'_, Session>) -> IpcResult<WorkspaceDto> {
    api::workspace_info(&session)
}

#[tauri::command(async)]
pub fn choose_file(
    session: State<'_, Session>,
    window: WebviewWindow,
    purpose: FilePurpose,
    format: Option<String>,
) -> IpcResult<Option<String>> {
    api::choose_file(&session, &NativeDialog(window), purpose, format)
}

#[tauri::command(async)]
pub fn open_workspace(session: State<'_, Session>, path: String) -> IpcResult<WorkspaceDto> {
    api::open_workspace(&session, path)
}

#[tauri::command(async)]
pub fn connect_team_workspace(
    session: State<'_, Session>,
    url: String,
    password: Option<String>,
) -> IpcResult<WorkspaceDto> {
    api::connect_team_workspace(&session, url, password)
}

#[tauri::command(async)]
pub fn create_workspace(
    session: State<'_, Session>,
    path: String,
    name: String,
) -> IpcResult<WorkspaceDto> {
    api::create_workspace(&session, path, name)
}

#[tauri::command(async)]
pub fn open_demo(session: State<'_, Session>) -> IpcResult<WorkspaceDto> {
    api::open_demo(&session)
}

#[tauri::command(async)]
pub fn workspace_toml(session: State<'_, Session>) -> IpcResult<String> {
    api::workspace_toml(&session)
}

#[tauri::command(async)]
pub fn save_workspace_file(session: State<'_, Session>, path: String) -> IpcResult<()> {
    api::save_workspace_file(&session, path)
}

#[tauri::command(async)]
pub fn environments(session: State<'_, Session>) -> IpcResult<Vec<EnvironmentStatusDto>> {
    api::environments(&session)
}

#[tauri::command(async)]
pub fn save_environment(
    session: State<'_, Session>,
    environment: EnvironmentDto,
    replace: bool,
) -> IpcResult<()> {
    api::save_environment(&session, environment, replace)
}

#[tauri::command(async)]
pub fn remove_environment(session: State<'_, Session>, name: String) -> IpcResult<()> {
    api::remove_environment(&session, name)
}

#[tauri::command(async)]
pub fn aws_profiles() -> Vec<String> {
    api::aws_profiles()
}

#[tauri::command(async)]
pub fn set_static_keys(
    session: State<'_, Session>,
    environment: String,
    keys: StaticKeysInputDto,
) -> IpcResult<()> {
    api::set_static_keys(&session, environment, keys)
}

#[tauri::command(async)]
pub fn has_static_keys(session: State<'_, Session>, environment: String) -> IpcResult<bool> {
    api::has_static_keys(&session, environment)
}

#[tauri::command]
pub async fn test_connection(
    session: State<'_, Session>,
    environment: String,
) -> IpcResult<ConnectionDto> {
    api::test_connection(&session, environment).await
}

#[tauri::command]
pub async fn collect(
    session: State<'_, Session>,
    control: State<'_, CollectControl>,
    environments: Vec<String>,
    on_progress: Channel<ProgressDto>,
) -> IpcResult<Vec<CollectOutcomeDto>> {
    // A closed window drops the channel; the collection goes on and is stored anyway.
    let send = move |p: ProgressDto| drop(on_progress.send(p));
    api::collect(&session, &control, environments, send).await
}

#[tauri::command]
pub fn cancel_collect(control: State<'_, CollectControl>) {
    api::cancel_collect(&control)
}

#[tauri::command(async)]
pub fn matrix_meta(session: State<'_, Session>, columns: Vec<String>) -> IpcResult<MatrixMetaDto> {
    api::matrix_meta(&session, columns)
}

#[tauri::command(async)]
pub fn matrix_page(
    session: State<'_, Session>,
    columns: Vec<String>,
    query: MatrixQueryDto,
    offset: usize,
    limit: usize,
) -> IpcResult<MatrixPageDto> {
    api::matrix_page(&session, columns, query, offset, limit)
}

#[tauri::command(async)]
pub fn row_detail(
    session: State<'_, Session>,
    columns: Vec<String>,
    index: usize,
) -> IpcResult<RowDetailDto> {
    api::row_detail(&session, columns, index)
}

/// What "compare for a service" offers: environments, the reference one, the service values.
#[tauri::command(async)]
pub fn incident_options(session: State<'_, Session>) -> IpcResult<IncidentOptionsDto> {
    api::incident_options(&session)
}

/// Everything that differs between `a` and `b` for one service, with fix hints.
#[tauri::command(async)]
pub fn incident(
    session: State<'_, Session>,
    a: String,
    b: String,
    service: String,
) -> IpcResult<IncidentDto> {
    api::incident(&session, a, b, service)
}

#[tauri::command(async)]
pub fn exceptions(session: State<'_, Session>) -> IpcResult<Vec<ExceptionViewDto>> {
    api::exceptions(&session)
}

#[tauri::command(async)]
pub fn add_exception(
    session: State<'_, Session>,
    input: ExceptionInputDto,
) -> IpcResult<ExceptionDto> {
    api::add_exception(&session, input)
}

#[tauri::command(async)]
pub fn edit_exception(
    session: State<'_, Session>,
    input: ExceptionInputDto,
) -> IpcResult<ExceptionDto> {
    api::edit_exception(&session, input)
}

#[tauri::command(async)]
pub fn expire_exception(session: State<'_, Session>, id: String) -> IpcResult<ExceptionDto> {
    api::expire_exception(&session, id)
}

#[tauri::command(async)]
pub fn remove_exception(session: State<'_, Session>, id: String) -> IpcResult<()> {
    api::remove_exception(&session, id)
}

#[tauri::command(async)]
pub fn exception_history(session: State<'_, Session>, id: String) -> IpcResult<Vec<AuditEntryDto>> {
    api::exception_history(&session, id)
}

#[tauri::command(async)]
pub fn snapshots(
    session: State<'_, Session>,
    environment: Option<String>,
) -> IpcResult<Vec<SnapshotDto>> {
    api::snapshots(&session, environment)
}

#[tauri::command(async)]
pub fn delete_snapshot(session: State<'_, Session>, id: i64) -> IpcResult<()> {
    api::delete_snapshot(&session, id)
}

#[tauri::command(async)]
pub fn import_tfstate(
    session: State<'_, Session>,
    environment: String,
    path: String,
) -> IpcResult<TfImportDto> {
    api::import_tfstate(&session, environment, path)
}

/// Writes a report of the current comparison (`html`, `markdown`, `json` or `junit`) to `path`.
#[tauri::command(async)]
pub fn save_report(session: State<'_, Session>, path: String, format: String) -> IpcResult<()> {
    api::save_report(&session, path, format)
}

/// Chooses (or clears, with `null`) the baseline file of the open workspace.
#[tauri::command(async)]
pub fn set_baseline(session: State<'_, Session>, path: Option<String>) -> IpcResult<()> {
    api::set_baseline(&session, path)
}

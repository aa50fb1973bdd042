//! The Tauri commands: each one a few lines over parity-app (through the session), returning DTOs
//! or an `IpcError {code, message}`. Slow work runs off the main thread (`async`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use parity_app::exceptions::{parse_date, ExceptionPatch};
use parity_app::view::ViewQuery;
use parity_app::{AppError, AppResult, DbOpenMode, ErrorCode};
use parity_core::{ExceptionRule, Status};
use parity_store::Via;
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::Notify;

use crate::aws;
use crate::dto::*;
use crate::session::Session;

/// Cancels a running collection.
#[derive(Debug, Default)]
pub struct CollectControl {
    cancel: Arc<Notify>,
    running: AtomicBool,
}

fn ipc<T>(r: AppResult<T>) -> IpcResult<T> {
    r.map_err(IpcError::from)
}

// ---- workspace ------------------------------------------------------------------------------

fn workspace_dto(session: &Session) -> AppResult<WorkspaceDto> {
    let recent = session
        .recent()?
        .into_iter()
        .map(|p| p.display().to_string())
        .collect();
    session.with(|o| {
        let info = o.workspace.info()?;
        Ok(WorkspaceDto {
            is_demo: info.name == parity_app::demo::DEMO_NAME,
            id: info.id,
            name: info.name,
            path: o.workspace.path().display().to_string(),
            recent,
        })
    })
}

#[tauri::command(async)]
pub fn workspace_info(session: State<'_, Session>) -> IpcResult<WorkspaceDto> {
    ipc(workspace_dto(&session))
}

#[tauri::command(async)]
pub fn open_workspace(session: State<'_, Session>, path: String) -> IpcResult<WorkspaceDto> {
    ipc(session
        .switch(&PathBuf::from(path), DbOpenMode::Existing)
        .and_then(|_| workspace_dto(&session)))
}

#[tauri::command(async)]
pub fn create_workspace(
    session: State<'_, Session>,
    path: String,
    name: String,
) -> IpcResult<WorkspaceDto> {
    let path = PathBuf::from(path);
    ipc(create(&session, &path, &name))
}

fn create(session: &Session, path: &std::path::Path, name: &str) -> AppResult<WorkspaceDto> {
    if path.exists() {
        return Err(AppError::conflict(format!(
            "{} already exists: open it instead, or choose a new file name",
            path.display()
        )));
    }
    session.switch(path, DbOpenMode::CreateIfMissing)?;
    if !name.trim().is_empty() {
        session.with(|o| Ok(o.workspace.store().set_workspace_name(name.trim())?))?;
    }
    workspace_dto(session)
}

#[tauri::command(async)]
pub fn open_demo(session: State<'_, Session>) -> IpcResult<WorkspaceDto> {
    ipc(session.open_demo().and_then(|_| workspace_dto(&session)))
}

#[tauri::command(async)]
pub fn workspace_toml(session: State<'_, Session>) -> IpcResult<String> {
    ipc(session.with(|o| o.workspace.export()?.render()))
}

#[tauri::command(async)]
pub fn save_workspace_file(session: State<'_, Session>, path: String) -> IpcResult<()> {
    ipc(session.with(|o| {
        let text = o.workspace.export()?.render()?;
        std::fs::write(&path, text)
            .map_err(|e| AppError::bad_input(format!("{path}: cannot write: {e}")))
    }))
}

// ---- environments ---------------------------------------------------------------------------

#[tauri::command(async)]
pub fn environments(session: State<'_, Session>) -> IpcResult<Vec<EnvironmentStatusDto>> {
    let now = Utc::now();
    ipc(session.with(|o| {
        Ok(o.workspace
            .environment_statuses()?
            .iter()
            .map(|s| EnvironmentStatusDto {
                config: EnvironmentDto::from(&s.config),
                latest: s.latest.as_ref().map(|i| SnapshotDto::new(i, now)),
                snapshots: s.snapshots,
            })
            .collect())
    }))
}

/// Adds an environment (`replace` false) or replaces its settings.
#[tauri::command(async)]
pub fn save_environment(
    session: State<'_, Session>,
    environment: EnvironmentDto,
    replace: bool,
) -> IpcResult<()> {
    ipc(environment
        .to_config()
        .and_then(|env| session.change(|ws| ws.add_environment(&env, replace))))
}

#[tauri::command(async)]
pub fn remove_environment(session: State<'_, Session>, name: String) -> IpcResult<()> {
    ipc(session.change(|ws| {
        let keyring = matches!(
            ws.environment(&name)?.credentials,
            Some(parity_core::Credentials::Keyring { keyring: true })
        );
        if keyring {
            // Its keys leave the OS keyring with it (before the environment, so a refusal keeps both).
            ws.remove_credentials(&name)?;
        }
        ws.remove_environment(&name)
    }))
}

#[tauri::command(async)]
pub fn aws_profiles() -> Vec<String> {
    crate::aws_profiles::list()
}

/// Sends static keys straight to the OS keyring (never the database); the environment then uses
/// them.
#[tauri::command(async)]
pub fn set_static_keys(
    session: State<'_, Session>,
    environment: String,
    keys: StaticKeysInputDto,
) -> IpcResult<()> {
    let keys = parity_aws::StaticKeys {
        access_key_id: keys.access_key_id.trim().to_string(),
        secret_access_key: keys.secret_access_key.trim().to_string(),
        session_token: keys
            .session_token
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
    };
    ipc(session
        .change(|ws| ws.set_credentials(&environment, &keys))
        .map(|_| ()))
}

#[tauri::command(async)]
pub fn has_static_keys(session: State<'_, Session>, environment: String) -> IpcResult<bool> {
    ipc(session.with(|o| aws::has_keys(&o.workspace.info()?.id, &environment)))
}

#[tauri::command]
pub async fn test_connection(
    session: State<'_, Session>,
    environment: String,
) -> IpcResult<ConnectionDto> {
    let plan = ipc(session.with(|o| o.workspace.connection_test_plan(&environment)))?;
    let info = ipc(parity_app::credentials::test_connection(&plan).await)?;
    Ok(ConnectionDto {
        region: info.region,
        account: info.account,
    })
}

// ---- collect --------------------------------------------------------------------------------

/// Collects the named environments (all when empty) with progress on `on_progress`; stores each
/// snapshot. Cancelling stores nothing and leaves earlier snapshots as they were.
#[tauri::command]
pub async fn collect(
    session: State<'_, Session>,
    control: State<'_, CollectControl>,
    environments: Vec<String>,
    on_progress: Channel<ProgressDto>,
) -> IpcResult<Vec<CollectOutcomeDto>> {
    if control.running.swap(true, Ordering::SeqCst) {
        return Err(IpcError::new(
            IpcErrorCode::Conflict,
            "a collection is already running",
        ));
    }
    let result = run_collect(&session, &control, environments, on_progress).await;
    control.running.store(false, Ordering::SeqCst);
    ipc(result)
}

async fn run_collect(
    session: &Session,
    control: &CollectControl,
    names: Vec<String>,
    channel: Channel<ProgressDto>,
) -> AppResult<Vec<CollectOutcomeDto>> {
    let (plan, path) = session.with(|o| {
        Ok((
            o.workspace.collect_plan(&names)?,
            o.workspace.path().to_path_buf(),
        ))
    })?;
    let report = move |e: parity_aws::ProgressEvent| {
        // A closed window drops the channel; the collection goes on and is stored anyway.
        let _ = channel.send(aws::progress_dto(e));
    };
    // The collection runs on its own thread and runtime (parity-aws's futures are not `Send`);
    // cancelling drops it there at once.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let cancel = control.cancel.clone();
    std::thread::Builder::new()
        .name("envparity-collect".into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| {
                    rt.block_on(async {
                        tokio::select! {
                            s = parity_app::collect::run(&plan, &report) => Some(s),
                            _ = cancel.notified() => None,
                        }
                    })
                });
            let _ = tx.send(result);
        })
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot start collecting: {e}")))?;
    let snapshots = match rx.await {
        Ok(Ok(Some(s))) => s,
        Ok(Ok(None)) => {
            return Err(AppError::conflict(
                "collection cancelled: nothing was stored, earlier snapshots are kept",
            ))
        }
        Ok(Err(e)) => {
            return Err(AppError::new(
                ErrorCode::Internal,
                format!("cannot start collecting: {e}"),
            ))
        }
        Err(_) => {
            return Err(AppError::new(
                ErrorCode::Internal,
                "the collection stopped unexpectedly; nothing was stored",
            ))
        }
    };
    let now = Utc::now();
    // Stored in the workspace the collection started in, even if the user switched meanwhile.
    let ws = parity_app::Workspace::open(&path, DbOpenMode::Existing, now)?;
    let outcomes = ws.store_collected(&snapshots)?;
    session.with(|o| {
        if o.workspace.path() == path {
            o.invalidate();
        }
        Ok(())
    })?;
    let mut out = Vec::new();
    for o in &outcomes {
        let snapshot = match o.snapshot_id {
            Some(id) => Some(SnapshotDto::new(&ws.store().snapshot_info(id)?, now)),
            None => None,
        };
        out.push(CollectOutcomeDto {
            environment: o.environment.clone(),
            snapshot,
            missing: o
                .missing
                .iter()
                .map(|m| MissingDto {
                    kind: m.kind.clone(),
                    reason: m.reason.clone(),
                })
                .collect(),
        });
    }
    Ok(out)
}

#[tauri::command]
pub fn cancel_collect(control: State<'_, CollectControl>) {
    control.cancel.notify_waiters();
}

// ---- matrix ---------------------------------------------------------------------------------

fn parse_all<T: std::str::FromStr<Err = String>>(items: &[String]) -> AppResult<Vec<T>> {
    items
        .iter()
        .map(|s| s.parse().map_err(AppError::bad_input))
        .collect()
}

fn view_query(q: &MatrixQueryDto) -> AppResult<ViewQuery> {
    Ok(ViewQuery {
        statuses: parse_all::<Status>(&q.statuses)?,
        categories: parse_all(&q.categories)?,
        kinds: q.kinds.clone(),
        pair: q.pair.clone(),
        search: q.search.clone(),
        tag: q.tag.clone(),
        unexplained_only: q.unexplained_only,
    })
}

#[tauri::command(async)]
pub fn matrix_meta(session: State<'_, Session>, columns: Vec<String>) -> IpcResult<MatrixMetaDto> {
    let now = Utc::now();
    ipc(session.with(|o| {
        let store_infos: Vec<_> = {
            let view = o.view(&columns)?;
            view.comparison().snapshots.iter().map(|s| s.id).collect()
        };
        let mut infos = Vec::new();
        for id in store_infos {
            let id = id.ok_or_else(|| AppError::new(ErrorCode::Internal, "snapshot without id"))?;
            infos.push(o.workspace.store().snapshot_info(id)?);
        }
        let compute_ms = o.compute_ms;
        let view = o.view(&columns)?;
        let m = &view.comparison().matrix;
        Ok(MatrixMetaDto {
            columns: m
                .labels
                .iter()
                .zip(&m.environments)
                .zip(&infos)
                .map(|((label, env), info)| ColumnDto {
                    label: label.clone(),
                    environment: env.clone(),
                    snapshot: SnapshotDto::new(info, now),
                })
                .collect(),
            change_view: m.change_view,
            scores: m
                .scores
                .iter()
                .map(|s| PairScoreDto {
                    a: m.labels[s.a].clone(),
                    b: m.labels[s.b].clone(),
                    score: s.score(),
                    compared: s.compared,
                    parity: s.parity,
                })
                .collect(),
            total_rows: m.rows.len(),
            by_status: m
                .counts()
                .into_iter()
                .map(|(s, n)| (s.to_string(), n))
                .collect(),
            kinds: view.kinds().to_vec(),
            tag_keys: view.tag_keys().to_vec(),
            skipped: view.comparison().skipped.clone(),
            compute_ms,
        })
    }))
}

#[tauri::command(async)]
pub fn matrix_page(
    session: State<'_, Session>,
    columns: Vec<String>,
    query: MatrixQueryDto,
    offset: usize,
    limit: usize,
) -> IpcResult<MatrixPageDto> {
    let started = Instant::now();
    ipc(session.with(|o| {
        let q = view_query(&query)?;
        let view = o.view(&columns)?;
        let page = view.page(&q, offset, limit.min(2_000))?;
        let rows = page
            .rows
            .iter()
            .map(|&i| Ok(RowDto::new(i, view.row(i)?)))
            .collect::<AppResult<_>>()?;
        Ok(MatrixPageDto {
            total: page.total,
            offset: page.offset,
            rows,
            elapsed_us: started.elapsed().as_micros() as u64,
        })
    }))
}

#[tauri::command(async)]
pub fn row_detail(
    session: State<'_, Session>,
    columns: Vec<String>,
    index: usize,
) -> IpcResult<RowDetailDto> {
    ipc(session.with(|o| {
        let view = o.view(&columns)?;
        let labels = &view.comparison().matrix.labels;
        let d = view.detail(index)?;
        Ok(RowDetailDto {
            row: RowDto::new(index, d.row),
            columns: labels
                .iter()
                .enumerate()
                .map(|(c, label)| DetailColumnDto {
                    label: label.clone(),
                    status: d.row.cells[c].map(|s| s.to_string()),
                    raw: value_text(&d.row.raw[c]),
                    normalised: value_text(d.row.value(c)),
                    taken_at: parity_core::document::timestamp(&d.taken_at[c]),
                })
                .collect(),
            pairs: d
                .row
                .pairs
                .iter()
                .map(|p| PairDto {
                    a: labels[p.a].clone(),
                    b: labels[p.b].clone(),
                    status: p.status.to_string(),
                })
                .collect(),
            pairings: d
                .pairings
                .iter()
                .map(|p| PairingDto {
                    label: labels[p.column].clone(),
                    native_id: p.native_id.clone(),
                    explanation: p.explanation.clone(),
                })
                .collect(),
            exceptions: d.exceptions.iter().map(ExceptionDto::from).collect(),
        })
    }))
}

// ---- exceptions -----------------------------------------------------------------------------

#[tauri::command(async)]
pub fn exceptions(session: State<'_, Session>) -> IpcResult<Vec<ExceptionViewDto>> {
    let today = Utc::now().date_naive();
    ipc(session.with(|o| {
        let columns = o.columns.clone();
        // Standing needs a comparison; without snapshots the list still shows (unjudged).
        let have = o.view(&columns).is_ok();
        let cmp = o.view.as_ref().filter(|_| have).map(|v| v.comparison());
        Ok(o.workspace
            .exception_views(cmp, today)?
            .iter()
            .map(ExceptionViewDto::from)
            .collect())
    }))
}

fn expected_values(input: &ExceptionInputDto) -> Vec<(String, serde_json::Value)> {
    input
        .expected
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(env, v)| {
            let value = serde_json::from_str(v.trim())
                .unwrap_or_else(|_| serde_json::Value::String(v.trim().to_string()));
            (env.clone(), value)
        })
        .collect()
}

fn expires(input: &ExceptionInputDto) -> AppResult<Option<chrono::NaiveDate>> {
    input
        .expires
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| parse_date(d, "expiry date"))
        .transpose()
}

fn ticket(input: &ExceptionInputDto) -> Option<String> {
    input
        .ticket
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[tauri::command(async)]
pub fn add_exception(
    session: State<'_, Session>,
    input: ExceptionInputDto,
) -> IpcResult<ExceptionDto> {
    ipc(add(&session, &input))
}

fn add(session: &Session, input: &ExceptionInputDto) -> AppResult<ExceptionDto> {
    let rule = ExceptionRule {
        id: input.id.clone().unwrap_or_default().trim().to_string(),
        resource: input.resource.trim().to_string(),
        attribute: input.attribute.trim().to_string(),
        environments: input.environments.clone(),
        expected: expected_values(input).into_iter().collect(),
        justification: input.justification.trim().to_string(),
        owner: input.owner.trim().to_string(),
        created: None,
        expires: expires(input)?,
        ticket: ticket(input),
    };
    let saved = session.change(|ws| ws.add_exception(rule, Via::Desktop, Utc::now()))?;
    Ok(ExceptionDto::from(&saved))
}

#[tauri::command(async)]
pub fn edit_exception(
    session: State<'_, Session>,
    input: ExceptionInputDto,
) -> IpcResult<ExceptionDto> {
    ipc(edit(&session, &input))
}

fn edit(session: &Session, input: &ExceptionInputDto) -> AppResult<ExceptionDto> {
    let id = input
        .id
        .clone()
        .ok_or_else(|| AppError::bad_input("editing needs the exception's id"))?;
    let patch = ExceptionPatch {
        resource: Some(input.resource.trim().to_string()),
        attribute: Some(input.attribute.trim().to_string()),
        environments: Some(input.environments.clone()),
        expected: Some(expected_values(input)),
        justification: Some(input.justification.trim().to_string()),
        owner: Some(input.owner.trim().to_string()),
        expires: Some(expires(input)?),
        ticket: Some(ticket(input)),
    };
    let saved = session.change(|ws| ws.edit_exception(&id, patch, Via::Desktop, Utc::now()))?;
    Ok(ExceptionDto::from(&saved))
}

#[tauri::command(async)]
pub fn expire_exception(session: State<'_, Session>, id: String) -> IpcResult<ExceptionDto> {
    ipc(session
        .change(|ws| ws.expire_exception(&id, Via::Desktop, Utc::now()))
        .map(|r| ExceptionDto::from(&r)))
}

#[tauri::command(async)]
pub fn remove_exception(session: State<'_, Session>, id: String) -> IpcResult<()> {
    ipc(session.change(|ws| ws.remove_exception(&id, Via::Desktop, Utc::now())))
}

#[tauri::command(async)]
pub fn exception_history(session: State<'_, Session>, id: String) -> IpcResult<Vec<AuditEntryDto>> {
    ipc(session.with(|o| {
        Ok(o.workspace
            .exception_history(&id)?
            .iter()
            .map(AuditEntryDto::from)
            .collect())
    }))
}

// ---- snapshots ------------------------------------------------------------------------------

#[tauri::command(async)]
pub fn snapshots(
    session: State<'_, Session>,
    environment: Option<String>,
) -> IpcResult<Vec<SnapshotDto>> {
    let now = Utc::now();
    ipc(session.with(|o| {
        Ok(o.workspace
            .snapshots(environment.as_deref())?
            .iter()
            .map(|i| SnapshotDto::new(i, now))
            .collect())
    }))
}

#[tauri::command(async)]
pub fn delete_snapshot(session: State<'_, Session>, id: i64) -> IpcResult<()> {
    ipc(session.change(|ws| ws.delete_snapshot(id)))
}

#[tauri::command(async)]
pub fn import_tfstate(
    session: State<'_, Session>,
    environment: String,
    path: String,
) -> IpcResult<TfImportDto> {
    ipc(import(&session, &environment, &path))
}

fn import(session: &Session, environment: &str, path: &str) -> AppResult<TfImportDto> {
    let bytes = std::fs::read(path)
        .map_err(|e| AppError::bad_input(format!("{path}: cannot read: {e}")))?;
    let s = session.change(|ws| ws.import_tfstate(environment.trim(), &bytes, path, Utc::now()))?;
    Ok(TfImportDto {
        environment: s.environment,
        environment_created: s.environment_created,
        snapshot_id: s.snapshot_id,
        resources: s.resources,
        mapped: s.mapped,
        generic: s.generic,
        redacted_values: s.redacted_values,
    })
}

// ---- export ---------------------------------------------------------------------------------

/// Writes a report of the current comparison (`html`, `markdown`, `json` or `junit`) to `path`.
#[tauri::command(async)]
pub fn save_report(session: State<'_, Session>, path: String, format: String) -> IpcResult<()> {
    let format = match format.as_str() {
        "html" => parity_report::ReportFormat::Html,
        "markdown" => parity_report::ReportFormat::Markdown,
        "json" => parity_report::ReportFormat::Json,
        "junit" => parity_report::ReportFormat::Junit,
        other => {
            return Err(IpcError::new(
                IpcErrorCode::BadInput,
                format!("unknown report format `{other}` (html, markdown, json, junit)"),
            ))
        }
    };
    let now = Utc::now();
    ipc(session.with(|o| {
        let columns = o.columns.clone();
        o.view(&columns)?;
        let cmp = o
            .view
            .as_ref()
            .map(|v| v.comparison())
            .ok_or_else(|| AppError::new(ErrorCode::Internal, "no comparison"))?;
        let text =
            o.workspace
                .report(cmp, format, parity_report::MarkdownOptions::default(), now)?;
        std::fs::write(&path, text)
            .map_err(|e| AppError::bad_input(format!("{path}: cannot write: {e}")))
    }))
}

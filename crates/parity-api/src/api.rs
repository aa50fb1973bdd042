//! One function per IPC command (the names and types `registry` lists): each takes the
//! session and plain arguments, calls parity-app's use cases and returns DTOs or an
//! `IpcError {code, message}`. The Tauri shell only forwards to these.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use chrono::Utc;
use parity_app::collect::{collect_blocking, CancelToken};
use parity_app::exceptions::{expected_value, parse_date, ExceptionPatch};
use parity_app::files::write_atomic;
use parity_app::view::RowQuery;
use parity_app::{AppError, AppResult, DbOpenMode, ErrorCode, Phase, ProgressEvent, Via};
use parity_core::ExceptionRule;
use parity_report::{MarkdownOptions, ReportFormat};

use crate::dto::*;
use crate::picker::{self, FilePicker, FilePurpose};
use crate::session::Session;

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
            launch_error: session.launch_error(),
        })
    })
}

pub fn workspace_info(session: &Session) -> IpcResult<WorkspaceDto> {
    ipc(workspace_dto(session))
}

/// Shows the native dialog for `purpose` (a report's needs its `format`) and returns the path
/// the user chose (`None`: cancelled). Only a path chosen here is accepted by the command that
/// reads or writes that kind of file (`picker`).
pub fn choose_file(
    session: &Session,
    picker: &dyn FilePicker,
    purpose: FilePurpose,
    format: Option<String>,
) -> IpcResult<Option<String>> {
    ipc((|| {
        let request = picker::request(purpose, format.as_deref(), session.start_dir(purpose))?;
        let Some(path) = picker.pick(&request) else {
            return Ok(None);
        };
        let shown = path.to_str().map(str::to_string).ok_or_else(|| {
            AppError::bad_input(format!(
                "{}: EnvParity needs file names in UTF-8",
                path.display()
            ))
        })?;
        session.grant(purpose, path);
        Ok(Some(shown))
    })())
}

/// Opens the workspace chosen in the Open dialog or one from the Recent list.
pub fn open_workspace(session: &Session, path: String) -> IpcResult<WorkspaceDto> {
    ipc(session
        .openable(&path)
        .and_then(|path| session.switch(&path, DbOpenMode::Existing))
        .and_then(|_| workspace_dto(session)))
}

/// Connects to a team workspace: `url` is a `postgres://` URL the user typed (never a path; no
/// password — it comes from the password file or the OS keyring, where `password`, when given,
/// is stored first for this URL). The database must hold a workspace already (created with the
/// CLI: docs/CONTRACTS.md "Team workspaces").
pub fn connect_team_workspace(
    session: &Session,
    url: String,
    password: Option<String>,
) -> IpcResult<WorkspaceDto> {
    ipc(parity_app::team::team_url(&url).and_then(|url| {
        if let Some(p) = password.filter(|p| !p.is_empty()) {
            parity_app::team::set_database_password(&url, &p)?;
        }
        session.switch(&url, DbOpenMode::Existing)?;
        workspace_dto(session)
    }))
}

/// Creates a workspace at the path chosen in the New workspace dialog.
pub fn create_workspace(session: &Session, path: String, name: String) -> IpcResult<WorkspaceDto> {
    ipc(session
        .take_grant(FilePurpose::NewWorkspace, &path)
        .and_then(|path| create(session, &path, &name)))
}

fn create(session: &Session, path: &Path, name: &str) -> AppResult<WorkspaceDto> {
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

pub fn open_demo(session: &Session) -> IpcResult<WorkspaceDto> {
    ipc(session.open_demo().and_then(|_| workspace_dto(session)))
}

pub fn workspace_toml(session: &Session) -> IpcResult<String> {
    ipc(session.with(|o| o.workspace.export()?.render()))
}

/// Writes the workspace file to the path chosen in its save dialog.
pub fn save_workspace_file(session: &Session, path: String) -> IpcResult<()> {
    ipc(session
        .take_grant(FilePurpose::WorkspaceFile, &path)
        .and_then(|path| {
            session.with(|o| {
                let text = o.workspace.export()?.render()?;
                write_atomic(&path, text.as_bytes())
            })
        }))
}

// ---- environments ---------------------------------------------------------------------------

pub fn environments(session: &Session) -> IpcResult<Vec<EnvironmentStatusDto>> {
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
pub fn save_environment(
    session: &Session,
    environment: EnvironmentDto,
    replace: bool,
) -> IpcResult<()> {
    ipc(environment
        .to_config()
        .and_then(|env| session.change(|ws| ws.add_environment(&env, replace))))
}

/// Removes an environment and its snapshots; its static keys leave the OS keyring only once the
/// removal succeeded (parity-app's use case, shared with `envparity env rm`).
pub fn remove_environment(session: &Session, name: String) -> IpcResult<()> {
    ipc(session.change(|ws| ws.remove_environment(&name)).and_then(|r| match r.keys {
        parity_app::KeysRemoved::Failed(reason) => Err(AppError::new(
            ErrorCode::Keyring,
            format!("environment `{name}` was removed, but its static keys could not be deleted from the OS keyring: {reason}"),
        )),
        _ => Ok(()),
    }))
}

pub fn aws_profiles() -> Vec<String> {
    crate::aws_profiles::list()
}

/// Sends static keys straight to the OS keyring (never the database); the environment then uses
/// them.
pub fn set_static_keys(
    session: &Session,
    environment: String,
    keys: StaticKeysInputDto,
) -> IpcResult<()> {
    let keys = parity_app::StaticKeys {
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

pub fn has_static_keys(session: &Session, environment: String) -> IpcResult<bool> {
    ipc(session.with(|o| o.workspace.has_credentials(&environment)))
}

pub async fn test_connection(session: &Session, environment: String) -> IpcResult<ConnectionDto> {
    let plan = ipc(session.with(|o| o.workspace.connection_test_plan(&environment)))?;
    let info = ipc(parity_app::credentials::test_connection(&plan).await)?;
    Ok(ConnectionDto {
        region: info.region,
        account: info.account,
    })
}

// ---- collect --------------------------------------------------------------------------------

/// The running collection, if any, and how to cancel it.
#[derive(Debug, Default)]
pub struct CollectControl {
    running: Mutex<Option<CancelToken>>,
}

/// A progress event as the UI receives it.
pub fn progress_dto(e: ProgressEvent) -> ProgressDto {
    let (phase, count, reason) = match e.phase {
        Phase::Started => ("started", None, None),
        Phase::Progress { count } => ("progress", Some(count), None),
        Phase::Done { count } => ("done", Some(count), None),
        Phase::Failed { reason } => ("failed", None, Some(reason)),
    };
    ProgressDto {
        environment: e.environment,
        region: e.region,
        service: e.service,
        kind: e.kind,
        phase: phase.to_string(),
        count,
        reason,
    }
}

/// Collects the named environments (all when empty), reporting progress to `on_progress`, and
/// stores each snapshot in the workspace the collection started in. Runs on tokio's blocking
/// pool; `cancel_collect` stops it and nothing is stored.
pub async fn collect(
    session: &Session,
    control: &CollectControl,
    environments: Vec<String>,
    on_progress: impl Fn(ProgressDto) + Send + Sync + 'static,
) -> IpcResult<Vec<CollectOutcomeDto>> {
    let token = CancelToken::default();
    {
        let mut running = control
            .running
            .lock()
            .map_err(|_| IpcError::new(IpcErrorCode::Internal, "collect lock poisoned"))?;
        if running.is_some() {
            return Err(IpcError::new(
                IpcErrorCode::Conflict,
                "a collection is already running",
            ));
        }
        *running = Some(token.clone());
    }
    let result = run_collect(session, environments, on_progress, token).await;
    if let Ok(mut running) = control.running.lock() {
        *running = None;
    }
    ipc(result)
}

async fn run_collect(
    session: &Session,
    names: Vec<String>,
    on_progress: impl Fn(ProgressDto) + Send + Sync + 'static,
    token: CancelToken,
) -> AppResult<Vec<CollectOutcomeDto>> {
    let (plan, path) = session.with(|o| {
        Ok((
            o.workspace.collect_plan(&names)?,
            o.workspace.path().to_path_buf(),
        ))
    })?;
    let stored = path.clone();
    let outcomes = tokio::task::spawn_blocking(move || {
        let report = move |e: ProgressEvent| on_progress(progress_dto(e));
        collect_blocking(&stored, &plan, &report, &token)
    })
    .await
    .map_err(|_| {
        AppError::new(
            ErrorCode::Internal,
            "the collection stopped unexpectedly; nothing was stored",
        )
    })??;
    session.with(|o| {
        if o.workspace.path() == path {
            o.invalidate();
        }
        Ok(())
    })?;
    let now = Utc::now();
    Ok(outcomes
        .iter()
        .map(|o| CollectOutcomeDto {
            environment: o.environment.clone(),
            snapshot: o.snapshot.as_ref().map(|i| SnapshotDto::new(i, now)),
            missing: o.missing.iter().map(MissingDto::from).collect(),
            store_error: o.store_error.clone(),
        })
        .collect())
}

/// Cancels the running collection (nothing when none runs).
pub fn cancel_collect(control: &CollectControl) {
    if let Ok(running) = control.running.lock() {
        if let Some(token) = running.as_ref() {
            token.cancel();
        }
    }
}

// ---- matrix ---------------------------------------------------------------------------------

fn row_query(q: MatrixQueryDto) -> RowQuery {
    RowQuery {
        statuses: q.statuses,
        categories: q.categories,
        kinds: q.kinds,
        pair: q.pair,
        search: q.search,
        tag: q.tag,
        unexplained_only: q.unexplained_only,
    }
}

pub fn matrix_meta(session: &Session, columns: Vec<String>) -> IpcResult<MatrixMetaDto> {
    let now = Utc::now();
    ipc(session.with(|o| {
        // rows only: a matrix read from the matrix cache shows without loading its snapshots
        let ids = o.rows_view(&columns)?.comparison().snapshot_ids();
        let mut infos = Vec::new();
        for id in ids {
            infos.push(o.workspace.store().snapshot_info(id)?);
        }
        let (compute_ms, from_cache) = (o.compute_ms, o.from_cache);
        let baseline_path = o
            .baseline
            .as_ref()
            .map(|(p, b)| (p.clone(), b.entries.len()));
        let (view, matched) = o.rows_view_and_baseline(&columns)?;
        let m = &view.comparison().matrix;
        let baseline = match (baseline_path, matched) {
            (Some((path, entries)), Some(matched)) => Some(BaselineDto {
                path,
                entries,
                baselined_rows: matched.baselined_rows(),
                gone: matched
                    .gone
                    .iter()
                    .map(|e| format!("{} {} {},{}", e.resource, e.attribute, e.a, e.b))
                    .collect(),
            }),
            _ => None,
        };
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
            by_status: m.counts().into_iter().collect(),
            kinds: view.kinds().to_vec(),
            tag_keys: view.tag_keys().to_vec(),
            skipped: view.comparison().skipped.clone(),
            compute_ms,
            from_cache,
            baseline,
            shared_secrets: m
                .shared_secrets
                .iter()
                .map(|f| SharedSecretDto {
                    index: f.row,
                    key: m.rows[f.row].key.to_string(),
                    attribute: m.rows[f.row].attribute.to_string(),
                    a: m.labels[f.a].clone(),
                    b: m.labels[f.b].clone(),
                    accepted_by: f.accepted_by.clone(),
                })
                .collect(),
        })
    }))
}

pub fn matrix_page(
    session: &Session,
    columns: Vec<String>,
    query: MatrixQueryDto,
    offset: usize,
    limit: usize,
) -> IpcResult<MatrixPageDto> {
    let started = Instant::now();
    ipc(session.with(|o| {
        let (view, matched) = o.rows_view_and_baseline(&columns)?;
        let page = view.page(&row_query(query), offset, limit.min(2_000))?;
        let labels = view.comparison().matrix.labels.clone();
        let rows = page
            .rows
            .iter()
            .map(|&i| {
                let baselined = matched.is_some_and(|m| m.row_baselined(i));
                Ok(RowDto::new(i, view.row(i)?, &labels, baselined))
            })
            .collect::<AppResult<_>>()?;
        Ok(MatrixPageDto {
            total: page.total,
            offset: page.offset,
            rows,
            elapsed_us: started.elapsed().as_micros() as u64,
        })
    }))
}

pub fn row_detail(
    session: &Session,
    columns: Vec<String>,
    index: usize,
) -> IpcResult<RowDetailDto> {
    ipc(session.with(|o| {
        let (view, matched) = o.view_and_baseline(&columns)?;
        let labels = &view.comparison().matrix.labels;
        let d = view.detail(index)?;
        let set_valued =
            parity_core::elements::is_set_valued(&d.row.kind, &d.row.attribute, d.row.values());
        let texts = |items: &[serde_json::Value]| -> Vec<String> {
            items
                .iter()
                .map(parity_core::elements::element_text)
                .collect()
        };
        Ok(RowDetailDto {
            row: RowDto::new(
                index,
                d.row,
                labels,
                matched.is_some_and(|m| m.row_baselined(index)),
            ),
            columns: labels
                .iter()
                .enumerate()
                .map(|(c, label)| DetailColumnDto {
                    label: label.clone(),
                    status: d.row.cells[c],
                    raw: value_text(&d.row.raw[c]),
                    normalised: value_text(d.row.value(c)),
                    elements: (set_valued && d.row.cells[c].is_some())
                        .then(|| texts(parity_core::elements::elements_of(d.row.value(c)))),
                    taken_at: parity_core::document::timestamp(&d.taken_at[c]),
                })
                .collect(),
            pairs: d
                .row
                .pairs
                .iter()
                .map(|p| {
                    let extra = set_valued.then(|| {
                        parity_core::elements::pair_elements(d.row.value(p.a()), d.row.value(p.b()))
                    });
                    PairDto {
                        a: labels[p.a()].clone(),
                        b: labels[p.b()].clone(),
                        status: p.status,
                        only_a: extra.as_ref().map(|e| texts(&e.only_a)),
                        only_b: extra.as_ref().map(|e| texts(&e.only_b)),
                        baselined: matched
                            .is_some_and(|m| m.pairs.contains(&(index, p.a(), p.b()))),
                    }
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
            hints: Some(
                view.comparison()
                    .row_hints(index)
                    .into_iter()
                    .map(HintDto::from)
                    .collect(),
            ),
        })
    }))
}

// ---- incident view --------------------------------------------------------------------------

/// What "compare for a service" offers: the environments with a snapshot (every environment's
/// newest), the reference environment, the service tag and its values.
pub fn incident_options(session: &Session) -> IpcResult<IncidentOptionsDto> {
    ipc(session.with(|o| {
        let cmp = o.view(&[])?.comparison();
        Ok(IncidentOptionsDto {
            environments: cmp.matrix.labels.clone(),
            reference: cmp.reference_label().map(str::to_string),
            service_tag: cmp.service_tag().to_string(),
            services: cmp.services(),
        })
    }))
}

/// Everything that differs between `a` and `b` (column specs) for `service`, with fix hints,
/// in incident order; rows index the matrix of the columns `[a, b]`.
pub fn incident(
    session: &Session,
    a: String,
    b: String,
    service: String,
) -> IpcResult<IncidentDto> {
    let now = Utc::now();
    ipc(session.with(|o| {
        let columns = [a.clone(), b.clone()];
        let cmp = o.view(&columns)?.comparison();
        Ok(IncidentDto::new(cmp.incident(&a, &b, &service, now)?))
    }))
}

// ---- exceptions -----------------------------------------------------------------------------

pub fn exceptions(session: &Session) -> IpcResult<Vec<ExceptionViewDto>> {
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

/// The form's expected values (blank ones dropped), parsed as `envparity exception add --expect`
/// parses them.
fn expected_values(input: &ExceptionInputDto) -> Vec<(String, serde_json::Value)> {
    input
        .expected
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(env, v)| (env.clone(), expected_value(v.trim())))
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

pub fn add_exception(session: &Session, input: ExceptionInputDto) -> IpcResult<ExceptionDto> {
    ipc(add(session, &input))
}

fn add(session: &Session, input: &ExceptionInputDto) -> AppResult<ExceptionDto> {
    let rule = ExceptionRule {
        id: input.id.clone().unwrap_or_default().trim().to_string(),
        resource: input.resource.trim().to_string(),
        attribute: input.attribute.trim().to_string(),
        environments: input.environments.clone(),
        expected: expected_values(input).into_iter().collect(),
        elements: input.elements.clone().unwrap_or_default(),
        justification: input.justification.trim().to_string(),
        owner: input.owner.trim().to_string(),
        created: None,
        expires: expires(input)?,
        ticket: ticket(input),
    };
    let saved = session.change(|ws| ws.add_exception(rule, Via::Desktop, Utc::now()))?;
    Ok(ExceptionDto::from(&saved))
}

pub fn edit_exception(session: &Session, input: ExceptionInputDto) -> IpcResult<ExceptionDto> {
    ipc(edit(session, &input))
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
        elements: input.elements.clone(),
        justification: Some(input.justification.trim().to_string()),
        owner: Some(input.owner.trim().to_string()),
        expires: Some(expires(input)?),
        ticket: Some(ticket(input)),
    };
    let saved = session
        .change(|ws| ws.edit_exception(&id, patch, input.version, Via::Desktop, Utc::now()))?;
    Ok(ExceptionDto::from(&saved))
}

pub fn expire_exception(session: &Session, id: String) -> IpcResult<ExceptionDto> {
    ipc(session
        .change(|ws| ws.expire_exception(&id, Via::Desktop, Utc::now()))
        .map(|r| ExceptionDto::from(&r)))
}

pub fn remove_exception(session: &Session, id: String) -> IpcResult<()> {
    ipc(session.change(|ws| ws.remove_exception(&id, Via::Desktop, Utc::now())))
}

pub fn exception_history(session: &Session, id: String) -> IpcResult<Vec<AuditEntryDto>> {
    ipc(session.with(|o| {
        Ok(o.workspace
            .exception_history(&id)?
            .iter()
            .map(AuditEntryDto::from)
            .collect())
    }))
}

// ---- snapshots ------------------------------------------------------------------------------

pub fn snapshots(session: &Session, environment: Option<String>) -> IpcResult<Vec<SnapshotDto>> {
    let now = Utc::now();
    ipc(session.with(|o| {
        Ok(o.workspace
            .snapshots(environment.as_deref())?
            .iter()
            .map(|i| SnapshotDto::new(i, now))
            .collect())
    }))
}

pub fn delete_snapshot(session: &Session, id: i64) -> IpcResult<()> {
    ipc(session.change(|ws| ws.delete_snapshot(id)))
}

pub fn import_tfstate(
    session: &Session,
    environment: String,
    path: String,
) -> IpcResult<TfImportDto> {
    ipc(session
        .take_grant(FilePurpose::Tfstate, &path)
        .and_then(|_| import(session, &environment, &path)))
}

fn import(session: &Session, environment: &str, path: &str) -> AppResult<TfImportDto> {
    let bytes = parity_app::files::read_input(
        Path::new(path),
        "a Terraform state file",
        parity_app::files::TFSTATE_MAX_BYTES,
    )?;
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

// ---- baseline -------------------------------------------------------------------------------

/// Chooses the baseline file for the open workspace (for this session), or clears it (`None`).
/// A file that is not a baseline is refused (`bad_input`) and the earlier choice kept.
pub fn set_baseline(session: &Session, path: Option<String>) -> IpcResult<()> {
    ipc((|| {
        let baseline = match path {
            None => None,
            Some(p) => {
                let file = session.take_grant(FilePurpose::Baseline, &p)?;
                Some((p, parity_app::check::read_baseline(&file)?))
            }
        };
        session.with(|o| {
            o.set_baseline(baseline);
            Ok(())
        })
    })())
}

// ---- export ---------------------------------------------------------------------------------

/// Writes a report of the current comparison to the path chosen in the report's save dialog.
pub fn save_report(session: &Session, path: String, format: String) -> IpcResult<()> {
    let now = Utc::now();
    ipc(format
        .parse::<ReportFormat>()
        .map_err(AppError::bad_input)
        .and_then(|format| {
            let path = session.take_grant(FilePurpose::Report, &path)?;
            session.with(|o| {
                let columns = o.columns.clone();
                o.view(&columns)?;
                // The view is cached now; borrow it beside the workspace.
                let cmp = o
                    .view
                    .as_ref()
                    .map(|v| v.comparison())
                    .ok_or_else(|| AppError::new(ErrorCode::Internal, "no comparison"))?;
                let baseline = o.baseline.as_ref().map(|(_, b)| b);
                let text = o.workspace.report_against(
                    cmp,
                    format,
                    MarkdownOptions::default(),
                    now,
                    baseline,
                )?;
                write_atomic(&path, text.as_bytes())
            })
        }))
}

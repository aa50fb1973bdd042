//! `envparity`: the command-line front end. Parses arguments, calls parity-app, prints. Exit
//! codes: 0 success; `check` 1 for unexplained drift; 2 for errors and bad input.

/// `println!` that ends the process quietly when stdout is closed (`envparity … | head`) instead
/// of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out_line(format_args!($($arg)*))
    };
}

mod args;
mod aws_cmd;

/// mimalloc: the matrix allocates many small values; it keeps diffs of large workspaces fast.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod report_cmd;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Parser;
use parity_app::check::{
    check_against, parse_duration, read_baseline, write_baseline, CheckOptions,
};
use parity_app::compare::Comparison;
use parity_app::exceptions::{parse_date, parse_expected, ExceptionPatch};
use parity_app::query::{parse_categories, parse_pair, parse_statuses, RowQuery};
use parity_app::Via;
use parity_app::{AppError, AppResult, DbOpenMode, KeysRemoved, Workspace, WorkspaceFile};
use parity_core::{
    AssumeRole, Credentials, EnvironmentConfig, ExceptionRule, FeatureFlags, Status,
};
use parity_report::{display_value, MarkdownOptions, TableOptions};

use args::{
    BaselineCommand, Cli, Command, CredentialsCommand, EnvCommand, ExceptionCommand, Format,
    OrgCommand, TfstateCommand, WorkspaceCommand,
};

/// Writes one line to stdout; a closed pipe ends the process with success, other errors with 2.
pub(crate) fn out_line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(2);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(2)
        }
    }
}

/// The current time; `ENVPARITY_NOW` (RFC 3339) pins it for reproducible output and tests.
fn now() -> AppResult<DateTime<Utc>> {
    match std::env::var("ENVPARITY_NOW") {
        Ok(text) => DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| AppError::bad_input(format!("ENVPARITY_NOW `{text}`: {e}"))),
        Err(_) => Ok(Utc::now()),
    }
}

fn db_path(cli_db: &Option<PathBuf>) -> AppResult<PathBuf> {
    match cli_db {
        Some(p) => Ok(p.clone()),
        None => parity_app::default_db_path(),
    }
}

/// `envparity workspace …`: they name their databases themselves (`--db` is not used).
fn workspace_command(command: &WorkspaceCommand, now: DateTime<Utc>) -> AppResult<u8> {
    match command {
        WorkspaceCommand::Copy { src, dst } => {
            let s = parity_app::team::copy_workspace(src, dst, now)?;
            println!(
                "copied workspace {} from {} to {}: {} environments, {} snapshots ({} resources), {} exceptions, {} audit entries",
                s.workspace_id,
                src.display(),
                dst.display(),
                s.environments,
                s.snapshots,
                s.resources,
                s.exceptions,
                s.audit_entries
            );
            Ok(0)
        }
        WorkspaceCommand::Password { url } => {
            let bad =
                |e: std::io::Error| AppError::bad_input(format!("cannot read the password: {e}"));
            let password = if std::io::stdin().is_terminal() {
                rpassword::prompt_password("Database password (hidden): ").map_err(bad)?
            } else {
                let mut line = String::new();
                std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line)
                    .map_err(bad)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            };
            if password.is_empty() {
                return Err(AppError::bad_input("no password given"));
            }
            let name = parity_app::team::set_database_password(url, &password)?;
            println!("stored the password of {name} in the OS keyring");
            Ok(0)
        }
    }
}

fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub(crate) fn write_out(path: Option<&str>, text: &str) -> AppResult<()> {
    match path {
        None | Some("-") => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
                other => {
                    other.map_err(|e| AppError::bad_input(format!("cannot write to stdout: {e}")))
                }
            }
        }
        Some(p) => parity_app::files::write_atomic(Path::new(p), text.as_bytes()),
    }
}

/// Reads an input file (`-`: stdin) of at most `limit` bytes; only regular files.
fn read_bytes(path: &str, what: &str, limit: u64) -> AppResult<Vec<u8>> {
    if path == "-" {
        parity_app::files::read_stdin(what, limit)
    } else {
        parity_app::files::read_input(Path::new(path), what, limit)
    }
}

fn read_input(path: &str) -> AppResult<String> {
    let what = "a workspace file";
    let bytes = read_bytes(path, what, parity_app::files::WORKSPACE_FILE_MAX_BYTES)?;
    let name = if path == "-" { "stdin" } else { path };
    String::from_utf8(bytes).map_err(|_| AppError::bad_input(format!("{name}: not UTF-8 text")))
}

/// Whether a command writes to the workspace (and so may migrate it first).
fn writes(command: &Command) -> bool {
    match command {
        Command::Env { command } => !matches!(command, EnvCommand::List),
        Command::Exception { command } => !matches!(
            command,
            ExceptionCommand::List { .. } | ExceptionCommand::History { .. }
        ),
        Command::Credentials { command } => !matches!(command, CredentialsCommand::Test { .. }),
        Command::Demo
        | Command::Import { .. }
        | Command::Collect { .. }
        | Command::Tfstate { .. }
        | Command::Migrate
        | Command::Workspace { .. } => true,
        Command::Snapshots { .. }
        | Command::Diff(_)
        | Command::Incident(_)
        | Command::Check(_)
        | Command::Report(_)
        | Command::Baseline { .. }
        | Command::Export { .. }
        | Command::IamPolicy(_)
        | Command::Org { .. } => false,
    }
}

fn run(cli: Cli) -> AppResult<u8> {
    let now = now()?;
    if let Some(actor) = &cli.actor {
        parity_app::who::set_actor(actor)?;
    }
    if let Command::Workspace { command } = &cli.command {
        // names its databases itself
        return workspace_command(command, now);
    }
    let path = db_path(&cli.db)?;
    let writes = writes(&cli.command);
    // Snapshots an earlier EnvParity stored may hold secrets: a writing command removes them
    // first (docs/CONTRACTS.md "Secrets"), a read-only one refuses and says how.
    let open = |mode| {
        let ws = Workspace::open(&path, mode, now)?;
        if writes {
            if let Some(n) = ws.migrate_secrets()? {
                eprintln!(
                    "note: re-applied the secret detector to the stored snapshots ({n} resources changed); the old bytes were erased"
                );
            }
        } else {
            ws.require_secrets_migrated()?;
        }
        Ok::<Workspace, AppError>(ws)
    };
    match cli.command {
        Command::Workspace { .. } => Ok(0), // handled above
        Command::Migrate => {
            let ws = open(DbOpenMode::Existing)?;
            let info = ws.info()?;
            let key = ws.store().fingerprint_key_id()?;
            outln!("{} is up to date.", ws.path().display());
            outln!(
                "Workspace id {}; secrets fingerprinted with key {}.",
                info.id,
                key.as_deref()
                    .unwrap_or("(none yet: secrets are kept as presence only)")
            );
            Ok(0)
        }
        Command::Demo => {
            let ws = open(DbOpenMode::CreateIfMissing)?;
            let s = ws.load_demo(now)?;
            outln!(
                "Loaded the demo workspace `{}` into {}:",
                parity_app::demo::DEMO_NAME,
                s.path.display()
            );
            outln!(
                "  {} environments ({}), {} resources in {} snapshots, {} exceptions{}.",
                s.environments.len(),
                s.environments.join(", "),
                s.resources,
                s.snapshot_ids.len(),
                s.exceptions,
                if s.expired_exceptions.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} expired: {})",
                        s.expired_exceptions.len(),
                        s.expired_exceptions.join(", ")
                    )
                }
            );
            outln!("  dev may differ from the others in size; every status appears in the matrix.");
            outln!("Next: `envparity diff` (the matrix), `envparity check` (the CI gate), `envparity exception list`.");
            Ok(0)
        }
        Command::Env { command } => run_env(command, &open, now),
        Command::Snapshots { env } => {
            let ws = open(DbOpenMode::Existing)?;
            let snaps = ws.snapshots(env.as_deref())?;
            if snaps.is_empty() {
                outln!("No snapshots yet.");
            }
            for s in snaps {
                let status = if s.missing.is_empty() {
                    "complete".to_string()
                } else {
                    format!(
                        "partial ({})",
                        s.missing
                            .iter()
                            .map(|m| format!("{}: {}", m.kind, m.reason))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                };
                let by = s
                    .collected_by
                    .as_deref()
                    .map(|b| format!("  by {b}"))
                    .unwrap_or_default();
                outln!(
                    "{:>5}  {:<12} {}  {:<9} {:>7} resources  {status}{by}",
                    s.id,
                    s.environment,
                    parity_core::document::timestamp(&s.taken_at),
                    s.source.as_str(),
                    s.resource_count
                );
            }
            Ok(0)
        }
        Command::Diff(d) => {
            let ws = open(DbOpenMode::Existing)?;
            let cmp = ws.compare(&d.columns, now.date_naive())?;
            for s in &cmp.skipped {
                eprintln!("note: `{s}` has no snapshot yet and is left out");
            }
            let mut query = row_query(&d.filters)?;
            if d.format == Format::Table && query.statuses.is_empty() && !d.all {
                query.statuses = Status::ALL
                    .into_iter()
                    .filter(|s| *s != Status::Same)
                    .collect();
            }
            if let Some(pair) = &query.pair {
                cmp.pair_columns(pair)
                    .map_err(|e| AppError::bad_input(format!("--pair: {}", e.message)))?;
            }
            let keep = cmp.matching(&query, None, None)?;
            if d.format == Format::Json && matches!(d.output.as_deref(), None | Some("-")) {
                // streamed row by row: a large diff's JSON is never held whole in memory
                let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
                return match cmp.write_json(now, Some(&keep), out) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
                    other => other
                        .map(|()| 0)
                        .map_err(|e| AppError::bad_input(format!("cannot write to stdout: {e}"))),
                };
            }
            let doc = cmp.document(now, Some(&keep));
            let text = match d.format {
                Format::Json => parity_report::json(&doc),
                Format::Markdown => parity_report::markdown(&doc, MarkdownOptions::default()),
                Format::Table => parity_report::table(
                    &doc,
                    TableOptions {
                        color: d.output.is_none() && color_stdout(),
                        width: None,
                        hints: false,
                    },
                ),
            };
            write_out(d.output.as_deref(), &text)?;
            Ok(0)
        }
        Command::Incident(i) => {
            let ws = open(DbOpenMode::Existing)?;
            let view = ws.incident(&i.a, &i.b, &i.service, now)?;
            let text = match i.format {
                Format::Json => view.json(),
                Format::Markdown => {
                    parity_report::incident_markdown(&view.service, &view.resources, &view.diff)
                }
                Format::Table => parity_report::incident_table(
                    &view.service,
                    &view.resources,
                    &view.diff,
                    TableOptions {
                        color: i.output.is_none() && color_stdout(),
                        width: None,
                        hints: true,
                    },
                ),
            };
            write_out(i.output.as_deref(), &text)?;
            Ok(0)
        }
        Command::Check(c) => {
            let max_age = c.max_age.as_deref().map(parse_duration).transpose()?;
            let baseline = c
                .baseline
                .as_deref()
                .map(|f| read_baseline(Path::new(f)))
                .transpose()?;
            let ws = open(DbOpenMode::Existing)?;
            let cmp = ws.compare(&c.columns, now.date_naive())?;
            let outcome = check_against(
                &cmp,
                CheckOptions {
                    allow_partial: c.allow_partial,
                    max_age,
                },
                now,
                baseline.as_ref(),
            );
            if let Some(file) = c.report.as_deref() {
                report_cmd::write_report(&ws, &cmp, file, c.report_format, now, baseline.as_ref())?;
            }
            print_check(&cmp, &outcome, c.allow_partial, c.baseline.as_deref());
            Ok(outcome.exit_code as u8)
        }
        Command::Baseline {
            command: BaselineCommand::Write { file, columns },
        } => {
            let ws = open(DbOpenMode::Existing)?;
            let cmp = ws.compare(&columns, now.date_naive())?;
            for s in &cmp.skipped {
                eprintln!("note: `{s}` has no snapshot yet and is left out");
            }
            let n = write_baseline(Path::new(&file), &cmp)?;
            outln!(
                "Wrote {file}: {n} unexplained differences across {}. `envparity check --baseline {file}` now fails only on new or changed ones.",
                cmp.matrix.labels.join(", ")
            );
            Ok(0)
        }
        Command::Report(r) => report_cmd::run(r, &open(DbOpenMode::Existing)?, now),
        Command::Exception { command } => run_exception(command, &open, now),
        Command::Import {
            file,
            allow_changes,
        } => {
            let text = read_input(&file)?;
            let parsed = WorkspaceFile::parse(&text, &file)?;
            if !path.exists() {
                // refuse before a new database file is created
                parsed.check_references(&[], &file)?;
            }
            let ws = open(DbOpenMode::CreateIfMissing)?;
            let s = ws.import_allowing(&parsed, &file, Via::Import, now, allow_changes)?;
            if s.changed_nothing() {
                outln!("{file}: nothing to change; the workspace already matches.");
            } else {
                outln!("Imported {file} into {}:", ws.path().display());
                let list = |v: &Vec<String>| {
                    if v.is_empty() {
                        "none".to_string()
                    } else {
                        v.join(", ")
                    }
                };
                outln!(
                    "  environments added: {}; updated: {}",
                    list(&s.environments_added),
                    list(&s.environments_updated)
                );
                outln!(
                    "  rules added: {}; ignores added: {}",
                    s.rules_added,
                    s.ignores_added
                );
                outln!(
                    "  exceptions added: {}; updated: {}",
                    list(&s.exceptions_added),
                    list(&s.exceptions_updated)
                );
            }
            for n in &s.notes {
                outln!("  note: {n}");
            }
            Ok(0)
        }
        Command::Collect { envs, timeout } => {
            aws_cmd::collect(&open(DbOpenMode::Existing)?, &envs, timeout.as_deref())
        }
        Command::Credentials { command } => {
            let ws = open(DbOpenMode::Existing)?;
            match command {
                CredentialsCommand::Set { env } => aws_cmd::credentials_set(&ws, &env),
                CredentialsCommand::Rm { env } => aws_cmd::credentials_rm(&ws, &env),
                CredentialsCommand::Test { env } => aws_cmd::credentials_test(&ws, &env),
            }
        }
        Command::IamPolicy(a) => aws_cmd::iam_policy(&a),
        Command::Org {
            command: OrgCommand::Discover(a),
        } => aws_cmd::org_discover(a),
        Command::Tfstate {
            command:
                TfstateCommand::Import {
                    env,
                    file,
                    max_size,
                },
        } => {
            let limit = max_size
                .map(|mb| mb.saturating_mul(1024 * 1024))
                .unwrap_or(parity_app::files::TFSTATE_MAX_BYTES);
            let bytes = read_bytes(&file, "a Terraform state file", limit)?;
            let ws = open(DbOpenMode::CreateIfMissing)?;
            let s = ws.import_tfstate(&env, &bytes, &file, now)?;
            if s.environment_created {
                outln!(
                    "Created environment `{}` (source: Terraform state).",
                    s.environment
                );
            }
            outln!(
                "Imported {file} (Terraform {}) as snapshot #{} of `{}`: {} managed resource instances → {} resources ({} mapped onto API kinds, {} kept as tf.*, {} rules/routes folded into their parents); {} data sources skipped; {} sensitive values not stored.",
                s.terraform_version.as_deref().unwrap_or("unknown"),
                s.snapshot_id,
                s.environment,
                s.managed_instances,
                s.resources,
                s.mapped,
                s.generic,
                s.folded,
                s.data_sources_skipped,
                s.redacted_values
            );
            Ok(0)
        }
        Command::Export { file } => {
            let ws = open(DbOpenMode::Existing)?;
            let text = ws.export()?.render()?;
            write_out(file.as_deref(), &text)?;
            if let Some(f) = file.as_deref().filter(|f| *f != "-") {
                eprintln!("Wrote {f}.");
            }
            Ok(0)
        }
    }
}

fn row_query(f: &args::Filters) -> AppResult<RowQuery> {
    Ok(RowQuery {
        statuses: parse_statuses(&f.status, "--status")?,
        categories: parse_categories(&f.category, "--category")?,
        kinds: f.kind.clone(),
        pair: f
            .pair
            .as_deref()
            .map(|p| parse_pair(p, "--pair"))
            .transpose()?,
        search: f.search.clone(),
        tag: f.tag.clone(),
        unexplained_only: f.unexplained,
    })
}

fn print_check(
    cmp: &Comparison,
    outcome: &parity_app::check::CheckOutcome,
    allow_partial: bool,
    baseline_file: Option<&str>,
) {
    let rows = &cmp.matrix.rows;
    let labels = &cmp.matrix.labels;
    for &i in &outcome.failures {
        let r = &rows[i];
        let values: Vec<String> = labels
            .iter()
            .zip(&r.raw)
            .map(|(l, v)| format!("{l}={}", display_value(v)))
            .collect();
        let changed: Vec<String> = outcome
            .baseline
            .iter()
            .flat_map(|m| m.changed.iter())
            .filter(|(row, _, _)| *row == i)
            .map(|&(_, a, b)| format!("{},{}", labels[a], labels[b]))
            .collect();
        outln!(
            "{:<9} {} {}  {}{}",
            r.status.as_str(),
            r.key,
            r.attribute,
            values.join("  "),
            if changed.is_empty() {
                String::new()
            } else {
                format!("  (changed since the baseline: {})", changed.join("; "))
            }
        );
    }
    if let (Some(m), Some(file)) = (&outcome.baseline, baseline_file) {
        for e in &m.gone {
            outln!(
                "gone      {} {}  {},{}: no longer occurs; rewrite {file} to drop it",
                e.resource,
                e.attribute,
                e.a,
                e.b
            );
        }
        outln!(
            "baselined: {} rows and {} shared secrets ({file}); {} entries no longer occur",
            m.baselined_rows(),
            m.shared.len(),
            m.gone.len()
        );
    }
    for &i in &outcome.shared_secrets {
        let f = &cmp.matrix.shared_secrets[i];
        let r = &rows[f.row];
        outln!(
            "shared    {} {}  the same secret in {} and {} (rotate one, or accept it with an exception naming both)",
            r.key,
            r.attribute,
            labels[f.a],
            labels[f.b]
        );
    }
    if !outcome.unknown.is_empty() {
        for (label, s) in labels.iter().zip(&cmp.snapshots) {
            for m in &s.missing {
                outln!("unknown   {label}: {} not collected: {}", m.kind, m.reason);
            }
        }
    }
    for s in &outcome.stale {
        outln!(
            "stale     {}: snapshot taken {}",
            s.label,
            parity_core::document::timestamp(&s.taken_at)
        );
    }
    let verdict = match outcome.exit_code {
        0 if outcome.unknown.is_empty() => "parity: no unexplained drift".to_string(),
        0 => format!(
            "parity, with {} unknown rows allowed (--allow-partial)",
            outcome.unknown.len()
        ),
        1 if outcome.failures.is_empty() => format!(
            "{} secrets shared between environments",
            outcome.shared_secrets.len()
        ),
        1 if !outcome.shared_secrets.is_empty() => format!(
            "{} rows of unexplained drift; {} secrets shared between environments",
            outcome.failures.len(),
            outcome.shared_secrets.len()
        ),
        1 => format!("{} rows of unexplained drift", outcome.failures.len()),
        _ if !outcome.stale.is_empty() => "snapshots older than --max-age".to_string(),
        _ => format!(
            "{} unknown rows (partial snapshots){}",
            outcome.unknown.len(),
            if allow_partial {
                ""
            } else {
                "; pass --allow-partial to accept them"
            }
        ),
    };
    outln!(
        "check: {verdict} ({} rows compared across {})",
        rows.len(),
        labels.join(", ")
    );
}

fn run_env(
    command: EnvCommand,
    open: &dyn Fn(DbOpenMode) -> AppResult<Workspace>,
    now: DateTime<Utc>,
) -> AppResult<u8> {
    match command {
        EnvCommand::List => {
            let ws = open(DbOpenMode::Existing)?;
            let envs = ws.environment_statuses()?;
            if envs.is_empty() {
                outln!("No environments yet (add one with `envparity env add NAME`).");
            }
            for e in envs {
                let c = &e.config;
                let creds = match &c.credentials {
                    Some(Credentials::Profile { profile }) => format!("profile {profile}"),
                    Some(Credentials::Keyring { .. }) => "keyring".to_string(),
                    None => "default chain".to_string(),
                };
                let creds = match &c.assume_role {
                    Some(role) => format!("{creds} → role {}", role.role_arn),
                    None => creds,
                };
                let latest = e
                    .latest
                    .as_ref()
                    .map(|s| {
                        format!(
                            "latest #{} {} ({}{})",
                            s.id,
                            parity_core::document::timestamp(&s.taken_at),
                            s.source.as_str(),
                            if parity_app::check::is_stale(s.taken_at, now, None) {
                                ", stale"
                            } else {
                                ""
                            }
                        )
                    })
                    .unwrap_or_else(|| "no snapshot".to_string());
                let mut extra = Vec::new();
                if !c.aliases.is_empty() {
                    extra.push(format!("aliases {}", c.aliases.join(",")));
                }
                if !c.may_differ_in.is_empty() {
                    extra.push(format!(
                        "may differ in {}",
                        c.may_differ_in
                            .iter()
                            .map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    ));
                }
                outln!(
                    "{:<12} {creds:<20} {:<24} {latest}{}",
                    c.name,
                    c.regions.join(","),
                    if extra.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", extra.join("; "))
                    }
                );
            }
            Ok(0)
        }
        EnvCommand::Add(a) => {
            let a = *a;
            let mut env = EnvironmentConfig::new(&a.name);
            env.aliases = a.alias;
            env.regions = a.region;
            env.credentials = match (a.profile, a.keyring) {
                (Some(_), true) => {
                    return Err(AppError::bad_input(
                        "give either --profile or --keyring, not both",
                    ))
                }
                (Some(p), false) => Some(Credentials::Profile { profile: p }),
                (None, true) => Some(Credentials::Keyring { keyring: true }),
                (None, false) => None,
            };
            env.assume_role = a.assume_role.map(|arn| AssumeRole {
                role_arn: arn,
                external_id: a.external_id,
                session_name: a.session_name,
            });
            for t in a.tag {
                let (k, v) = t.split_once('=').ok_or_else(|| {
                    AppError::bad_input(format!("--tag `{t}`: expected KEY=VALUE"))
                })?;
                env.tags.insert(k.to_string(), v.to_string());
            }
            env.ssm_prefix = a.ssm_prefix;
            env.vpcs = a.vpc;
            env.endpoint_url = a.endpoint_url;
            env.may_differ_in = a
                .may_differ_in
                .iter()
                .map(|s| {
                    s.parse()
                        .map_err(|e| AppError::bad_input(format!("--may-differ-in: {e}")))
                })
                .collect::<AppResult<_>>()?;
            env.feature_flags = a.feature_flags.map(|table| {
                FeatureFlags::with_attributes(
                    &table,
                    a.flags_environment_attribute.as_deref(),
                    a.flags_name_attribute.as_deref(),
                )
            });
            env.validate()?;
            let ws = open(DbOpenMode::CreateIfMissing)?;
            ws.add_environment(&env, a.replace)?;
            outln!(
                "Environment `{}` saved in {}.",
                env.name,
                ws.path().display()
            );
            Ok(0)
        }
        EnvCommand::Rm { name } => {
            let ws = open(DbOpenMode::Existing)?;
            let removed = ws.remove_environment(&name)?;
            outln!("Removed environment `{name}` and its snapshots.");
            match removed.keys {
                KeysRemoved::Removed => outln!("Its static keys were deleted from the OS keyring."),
                KeysRemoved::Failed(reason) => {
                    eprintln!("warning: its static keys could not be deleted from the OS keyring: {reason}")
                }
                KeysRemoved::NotKeyring | KeysRemoved::NoneStored => {}
            }
            Ok(0)
        }
    }
}

fn expected(values: &[String]) -> AppResult<Vec<(String, serde_json::Value)>> {
    values.iter().map(|v| parse_expected(v)).collect()
}

fn run_exception(
    command: ExceptionCommand,
    open: &dyn Fn(DbOpenMode) -> AppResult<Workspace>,
    now: DateTime<Utc>,
) -> AppResult<u8> {
    let today = now.date_naive();
    match command {
        ExceptionCommand::Add(a) => {
            let rule = ExceptionRule {
                id: a.id.unwrap_or_default(),
                resource: a.resource,
                attribute: a.attribute,
                environments: a.env,
                expected: expected(&a.expect)?.into_iter().collect(),
                elements: a.element,
                justification: a.justification,
                owner: a.owner,
                created: None,
                expires: a
                    .expires
                    .as_deref()
                    .map(|d| parse_date(d, "--expires"))
                    .transpose()?,
                ticket: a.ticket,
            };
            let ws = open(DbOpenMode::Existing)?;
            let rule = ws.add_exception(rule, Via::Cli, now)?;
            outln!("Added exception `{}`.", rule.id);
            Ok(0)
        }
        ExceptionCommand::List { standing } => {
            let ws = open(DbOpenMode::Existing)?;
            let cmp = ws.compare(&[], today).ok();
            let views = ws.exception_views(cmp.as_ref(), today)?;
            let views: Vec<_> = views
                .into_iter()
                .filter(|v| standing.as_deref().is_none_or(|s| v.standing.as_str() == s))
                .collect();
            if views.is_empty() {
                outln!("No exceptions.");
            }
            for v in views {
                let r = &v.rule;
                outln!(
                    "{:<28} {:<9} {} [{}] envs={} owner={} expires={} rows={}",
                    r.id,
                    v.standing.as_str(),
                    r.resource,
                    r.attribute,
                    r.environments.join(","),
                    r.owner,
                    r.expires
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "never".into()),
                    v.rows_covered
                );
                outln!("{:<28} {}", "", r.justification);
            }
            Ok(0)
        }
        ExceptionCommand::Edit(e) => {
            let patch = ExceptionPatch {
                resource: e.resource,
                attribute: e.attribute,
                environments: (!e.env.is_empty()).then_some(e.env),
                expected: if e.expect.is_empty() {
                    None
                } else {
                    Some(expected(&e.expect)?)
                },
                elements: if e.no_elements {
                    Some(Vec::new())
                } else {
                    (!e.element.is_empty()).then_some(e.element)
                },
                justification: e.justification,
                owner: e.owner,
                expires: if e.no_expiry {
                    Some(None)
                } else {
                    e.expires
                        .as_deref()
                        .map(|d| parse_date(d, "--expires"))
                        .transpose()?
                        .map(Some)
                },
                ticket: e.ticket.map(Some),
            };
            let ws = open(DbOpenMode::Existing)?;
            let rule = ws.edit_exception(&e.id, patch, None, Via::Cli, now)?;
            outln!("Updated exception `{}`.", rule.id);
            Ok(0)
        }
        ExceptionCommand::Expire { id } => {
            let ws = open(DbOpenMode::Existing)?;
            let rule = ws.expire_exception(&id, Via::Cli, now)?;
            outln!(
                "Exception `{}` expired (valid through {}).",
                rule.id,
                rule.expires.map(|d| d.to_string()).unwrap_or_default()
            );
            Ok(0)
        }
        ExceptionCommand::Rm { id } => {
            let ws = open(DbOpenMode::Existing)?;
            ws.remove_exception(&id, Via::Cli, now)?;
            outln!("Removed exception `{id}` (its audit trail is kept).");
            Ok(0)
        }
        ExceptionCommand::History { id } => {
            let ws = open(DbOpenMode::Existing)?;
            for entry in ws.exception_history(&id)? {
                match &entry.actor {
                    Some(actor) => outln!(
                        "{}  {:<7} via {:<7} by {actor}",
                        entry.at,
                        entry.action,
                        entry.via
                    ),
                    None => outln!("{}  {:<7} via {:<7}", entry.at, entry.action, entry.via),
                }
                if let (Some(before), Some(after)) = (&entry.before, &entry.after) {
                    let b = serde_json::to_value(before).unwrap_or_default();
                    let a = serde_json::to_value(after).unwrap_or_default();
                    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
                        for (k, av) in a {
                            match b.get(k) {
                                Some(bv) if bv == av => {}
                                Some(bv) => outln!("    {k}: {bv} → {av}"),
                                None => outln!("    {k}: (none) → {av}"),
                            }
                        }
                        for (k, bv) in b {
                            if !a.contains_key(k) {
                                outln!("    {k}: {bv} → (none)");
                            }
                        }
                    }
                }
            }
            Ok(0)
        }
    }
}

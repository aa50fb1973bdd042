//! The command line: every subcommand, option and its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compare AWS environments (dev, staging, prod, …) by logical identity, record which differences
/// are intentional, and gate CI on unexplained drift.
#[derive(Debug, Parser)]
#[command(name = "envparity", version, propagate_version = true)]
pub struct Cli {
    /// The workspace database: a SQLite file (default: the platform data directory's
    /// envparity/workspace.sqlite) or a team database, `postgres://USER@HOST[:PORT]/DATABASE`
    /// (never with a password: it comes from PGPASSFILE/~/.pgpass or the OS keyring).
    #[arg(long, global = true, env = "ENVPARITY_DB", value_name = "PATH|URL")]
    pub db: Option<PathBuf>,

    /// Who is making the changes, recorded in the exceptions' audit trail and in `collected_by`
    /// of the snapshots written (`NAME@host`; a CI pipeline is named by its own variables). Default:
    /// ENVPARITY_ACTOR, else the OS user.
    #[arg(long, global = true, value_name = "NAME")]
    pub actor: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Copy the workspace SRC into DST (each a path or a postgres:// URL); DST must be empty.
    /// The workspace UUID, snapshot ids and exception versions are kept.
    Copy {
        #[arg(value_name = "SRC")]
        src: PathBuf,
        #[arg(value_name = "DST")]
        dst: PathBuf,
    },
    /// Store the password of the team database URL in the OS keyring (prompted, hidden, on a
    /// terminal; else the first line of stdin).
    Password {
        #[arg(value_name = "URL")]
        url: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the built-in demo workspace (three environments, every status) — no AWS account needed.
    Demo,
    /// List, add or remove environments.
    Env {
        #[command(subcommand)]
        command: EnvCommand,
    },
    /// List snapshots, newest first.
    Snapshots {
        /// Only this environment's snapshots.
        env: Option<String>,
    },
    /// Show the environment matrix.
    Diff(DiffArgs),
    /// What differs between two environments for one service, with fix hints (exit 0 like
    /// `diff`).
    Incident(IncidentArgs),
    /// The CI gate: exit 0 for parity, 1 for unexplained drift, 2 for unknown/stale/errors.
    Check(CheckArgs),
    /// Write a shareable parity report: HTML, Markdown, JSON or JUnit XML.
    Report(crate::report_cmd::ReportArgs),
    /// Record today's unexplained differences, so `check --baseline` fails only on new ones.
    Baseline {
        #[command(subcommand)]
        command: BaselineCommand,
    },
    /// Manage documented intentional differences.
    Exception {
        #[command(subcommand)]
        command: ExceptionCommand,
    },
    /// Merge a workspace file (TOML) into the workspace.
    Import {
        /// The workspace file (`-` for stdin).
        file: String,
        /// Apply changes to existing environments' credentials or endpoint URL (without it,
        /// such an import lists the changes and writes nothing, exit 2).
        #[arg(long)]
        allow_changes: bool,
    },
    /// Write the workspace file (TOML): environments, rules, ignores, exceptions; no secrets.
    Export {
        /// Where to write it (default: stdout).
        file: Option<String>,
    },
    /// Collect snapshots from AWS (all environments, or those named), concurrently.
    Collect {
        /// Environments to collect (default: all).
        envs: Vec<String>,
        /// Deadline of the whole collection (`90s`, `5m`): kinds still running then are stored
        /// as missing, "timed out after N s". Default: the environments' `collect_timeout`
        /// (the longest), else 10m.
        #[arg(long, value_name = "DURATION")]
        timeout: Option<String>,
    },
    /// Static AWS keys in the OS keyring (never in the database or on the command line).
    Credentials {
        #[command(subcommand)]
        command: CredentialsCommand,
    },
    /// Print the IAM policies EnvParity needs: the least-privilege permissions for exactly the
    /// calls collect makes, the trust policy of roles environments assume, and the policy of the
    /// identity that assumes them and runs `org discover`. One flag prints that policy alone, as
    /// bare JSON.
    IamPolicy(IamPolicyArgs),
    /// AWS Organizations: propose one environment per account.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Bring the workspace up to date: re-apply the secret detector to snapshots an earlier
    /// EnvParity stored and erase the old bytes (any writing command does this first).
    Migrate,
    /// Team workspaces: copy a workspace between files and PostgreSQL databases, store a team
    /// database's password in the OS keyring.
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
    /// Terraform state as an inventory source.
    Tfstate {
        #[command(subcommand)]
        command: TfstateCommand,
    },
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// Only the permissions policy (what collect calls), for the role or user it runs as.
    #[arg(long, group = "part")]
    pub permissions: bool,
    /// Only the trust policy of a role environments assume (`assume_role`).
    #[arg(long, group = "part")]
    pub trust: bool,
    /// Only the policy of the identity that assumes the roles and runs `org discover`
    /// (sts:AssumeRole and the Organizations calls).
    #[arg(long, group = "part")]
    pub source: bool,
    /// The trust policy's principal: the account id (its root) or IAM ARN EnvParity runs as.
    #[arg(
        long,
        value_name = "ACCOUNT_OR_ARN",
        default_value = "SOURCE_ACCOUNT_ID"
    )]
    pub principal: String,
    /// Require this external id in the trust policy.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// The name of the roles environments assume (the source policy's resource).
    #[arg(long, value_name = "NAME", default_value = "EnvParityReadOnly")]
    pub role: String,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// List the organization's accounts (with their OUs and tags) and write a workspace file
    /// proposing one environment per active account, each assuming a role in its account.
    /// Review it, then `envparity import FILE`.
    Discover(OrgDiscoverArgs),
}

#[derive(Debug, Args)]
pub struct OrgDiscoverArgs {
    /// The profile to list the organization with (the management or a delegated administrator
    /// account); it also becomes the proposed environments' credentials. Default: the default
    /// credential chain.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Endpoint URL (an emulator); the proposed environments get it too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// A region the proposed environments inventory (repeatable; required).
    #[arg(long, value_name = "REGION")]
    pub region: Vec<String>,
    /// The account tag whose value names an account's environment (else its OU, else its name).
    #[arg(long, value_name = "TAG", default_value = "Environment")]
    pub name_tag: String,
    /// The role to assume in every account (a name; each account's ARN is built from it).
    #[arg(long, value_name = "NAME", default_value = "EnvParityReadOnly")]
    pub role: String,
    /// Where to write the workspace file (default: stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Store ENV's keys: prompted (hidden) on a terminal, else three lines on stdin (access key
    /// id, secret access key, optional session token).
    Set { env: String },
    /// Delete ENV's keys from the keyring.
    Rm { env: String },
    /// Make one cheap read call with ENV's credentials and report the account and region.
    Test { env: String },
}

#[derive(Debug, Subcommand)]
pub enum TfstateCommand {
    /// Import `terraform state pull` JSON (format version 4) as a snapshot of ENV (created when
    /// it does not exist).
    Import {
        env: String,
        /// The state file (`-` for stdin).
        file: String,
        /// The largest state file to read, in MiB (default 256); a larger one is refused.
        #[arg(long, value_name = "MIB")]
        max_size: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// List environments with their newest snapshot.
    List,
    /// Add an environment (or replace one with --replace).
    Add(Box<EnvAddArgs>),
    /// Remove an environment and its snapshots (refused while exceptions name it).
    Rm { name: String },
}

#[derive(Debug, Args)]
pub struct EnvAddArgs {
    pub name: String,
    /// Another token meaning this environment in resource names (repeatable).
    #[arg(long)]
    pub alias: Vec<String>,
    /// Use this profile from your AWS config.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Use static keys kept in the OS keyring (`envparity credentials set NAME`).
    #[arg(long)]
    pub keyring: bool,
    /// Assume this IAM role (its ARN) on top of the credentials above (or the default chain):
    /// collect calls are made as the role, in its account.
    #[arg(long, value_name = "ROLE_ARN")]
    pub assume_role: Option<String>,
    /// The external id the role's trust policy requires.
    #[arg(long, value_name = "ID", requires = "assume_role")]
    pub external_id: Option<String>,
    /// The role session's name (default `envparity`).
    #[arg(long, value_name = "NAME", requires = "assume_role")]
    pub session_name: Option<String>,
    /// Region to inventory (repeatable).
    #[arg(long)]
    pub region: Vec<String>,
    /// Scope by tag, KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub tag: Vec<String>,
    /// SSM path prefix (default /NAME/).
    #[arg(long)]
    pub ssm_prefix: Option<String>,
    /// Scope by VPC logical name (repeatable).
    #[arg(long)]
    pub vpc: Vec<String>,
    /// Endpoint URL (LocalStack, moto).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Policy: a category this environment may differ in (size, version, network, security,
    /// resilience, config; repeatable).
    #[arg(long)]
    pub may_differ_in: Vec<String>,
    /// Opt-in: the DynamoDB table holding this environment's feature flags.
    #[arg(long, value_name = "TABLE")]
    pub feature_flags: Option<String>,
    /// The feature-flags item attribute naming the environment (default `environment`).
    #[arg(long, value_name = "ATTRIBUTE", requires = "feature_flags")]
    pub flags_environment_attribute: Option<String>,
    /// The feature-flags item attribute naming the flag (default `feature_name`).
    #[arg(long, value_name = "ATTRIBUTE", requires = "feature_flags")]
    pub flags_name_attribute: Option<String>,
    /// Replace an existing environment's configuration with exactly what these options say.
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct Filters {
    /// Keep rows with this status (repeatable or comma-separated): drift, missing, violated,
    /// expired, unknown, intentional, allowed, same.
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Keep rows of this category (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub category: Vec<String>,
    /// Keep rows of kinds matching this glob, e.g. `rds.*` (repeatable).
    #[arg(long)]
    pub kind: Vec<String>,
    /// Keep rows where this pair of columns was compared; with --status, the pair's status.
    #[arg(long, value_name = "A,B")]
    pub pair: Option<String>,
    /// Keep rows whose key, attribute or a value contains this text.
    #[arg(long)]
    pub search: Option<String>,
    /// Keep resources carrying this tag (`KEY` or `KEY=VALUE`) in at least one environment.
    #[arg(long, value_name = "KEY=VALUE")]
    pub tag: Option<String>,
    /// Keep only rows that fail the CI gate (drift, missing, violated, expired; of --pair if
    /// given).
    #[arg(long)]
    pub unexplained: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Columns: ENV, ENV@SNAPSHOT_ID or ENV@YYYY-MM-DD (default: every environment's newest
    /// snapshot). Two snapshots of one environment give a change view.
    pub columns: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub filters: Filters,
    /// In the table, show `same` rows too (hidden by default).
    #[arg(long)]
    pub all: bool,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<String>,
}

#[derive(Debug, Args)]
pub struct IncidentArgs {
    /// The first column: ENV, ENV@SNAPSHOT_ID or ENV@YYYY-MM-DD.
    pub a: String,
    /// The second column.
    pub b: String,
    /// The service: its tag value (workspace `service_tag`, default `Service`) or a whole
    /// segment of its resources' logical names.
    #[arg(long)]
    pub service: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Columns as for `diff` (default: every environment's newest snapshot).
    pub columns: Vec<String>,
    /// Count unknown rows (partial snapshots) as passing.
    #[arg(long)]
    pub allow_partial: bool,
    /// Fail (exit 2) when a snapshot is older than this, e.g. 24h, 7d.
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Also write a report to this file (written before the verdict, whatever it is).
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    /// Pass the differences this baseline file lists while their values are unchanged
    /// (`envparity baseline write FILE`); the report marks them.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<String>,
    /// The report's format: html, markdown, json or junit (default: from the file's extension,
    /// else html).
    #[arg(
        long,
        alias = "format",
        value_parser = crate::report_cmd::report_format,
        value_name = "FORMAT",
        requires = "report"
    )]
    pub report_format: Option<parity_report::ReportFormat>,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Overwrite FILE with every unexplained difference of the comparison (row, pair, a
    /// fingerprint of the values), a summary at the top.
    Write {
        /// The baseline file to write.
        file: String,
        /// Columns as for `check` (default: every environment's newest snapshot).
        columns: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExceptionCommand {
    /// Document an intentional difference (a justification is required).
    Add(ExceptionAddArgs),
    /// List exceptions with their standing: active, expiring (within 30 days), expired, violated.
    List {
        /// Only those with this standing.
        #[arg(long, value_parser = ["active", "expiring", "expired", "violated"])]
        standing: Option<String>,
    },
    /// Change fields of an exception.
    Edit(ExceptionEditArgs),
    /// End an exception's validity now.
    Expire { id: String },
    /// Delete an exception (its audit trail is kept).
    Rm { id: String },
    /// Show an exception's audit trail.
    History { id: String },
}

#[derive(Debug, Args)]
pub struct ExceptionAddArgs {
    /// Glob on the logical key, e.g. `rds.db_instance/orders-db*`.
    #[arg(long)]
    pub resource: String,
    /// Glob on the attribute, e.g. `multi_az` or `exists`.
    #[arg(long)]
    pub attribute: String,
    /// An environment allowed to differ (repeatable).
    #[arg(long, required = true)]
    pub env: Vec<String>,
    /// Why the difference is intentional.
    #[arg(long)]
    pub justification: String,
    /// Who answers for it.
    #[arg(long)]
    pub owner: String,
    /// Valid through this date (YYYY-MM-DD, UTC).
    #[arg(long)]
    pub expires: Option<String>,
    /// Expected raw value, ENV=VALUE (repeatable), e.g. prod=true.
    #[arg(long, value_name = "ENV=VALUE")]
    pub expect: Vec<String>,
    /// On a set-valued row, an extra element it accepts, as the diff table prints it
    /// (repeatable), e.g. "tcp 443 from 0.0.0.0/0"; other extra elements then fail.
    #[arg(long, value_name = "TEXT")]
    pub element: Vec<String>,
    /// A ticket link.
    #[arg(long)]
    pub ticket: Option<String>,
    /// An id (default: derived from resource, attribute and environments).
    #[arg(long)]
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExceptionEditArgs {
    pub id: String,
    #[arg(long)]
    pub resource: Option<String>,
    #[arg(long)]
    pub attribute: Option<String>,
    /// Replaces the environments (repeatable).
    #[arg(long)]
    pub env: Vec<String>,
    #[arg(long)]
    pub justification: Option<String>,
    /// Replaces the accepted extra elements (repeatable).
    #[arg(long, value_name = "TEXT", conflicts_with = "no_elements")]
    pub element: Vec<String>,
    /// Accepts any extra elements again (removes `elements`).
    #[arg(long)]
    pub no_elements: bool,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long, conflicts_with = "no_expiry")]
    pub expires: Option<String>,
    /// Remove the expiry date.
    #[arg(long)]
    pub no_expiry: bool,
    /// Replaces the expected values (repeatable ENV=VALUE).
    #[arg(long, value_name = "ENV=VALUE")]
    pub expect: Vec<String>,
    #[arg(long)]
    pub ticket: Option<String>,
}

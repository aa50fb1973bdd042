// Generated from crates/parity-api (dto.rs by ts-rs, and the engine's enums). Do not edit: run `cargo run -p envparity-desktop --bin envparity-seed -- bindings`.

/** A comparison status (docs/CONTRACTS.md "Statuses"). */
export type Status = "drift" | "missing" | "violated" | "expired" | "unknown" | "intentional" | "allowed" | "same";

/** Every status, worst first: the contract's severity order. */
export const STATUS_ORDER: readonly Status[] = ["drift", "missing", "violated", "expired", "unknown", "intentional", "allowed", "same"];

/** The statuses that fail `envparity check` (unexplained differences). */
export const FAILING_STATUSES: readonly Status[] = ["drift", "missing", "violated", "expired"];

/** An attribute row's category. */
export type Category = "size" | "version" | "network" | "security" | "resilience" | "config";

export const CATEGORIES: readonly Category[] = ["size", "version", "network", "security", "resilience", "config"];

/** The kinds the AWS collectors produce, in report order (crates/parity-core/KINDS.md). */
export const KINDS: readonly string[] = ["ec2.vpc", "ec2.subnet", "ec2.nat_gateway", "ec2.route_table", "ec2.security_group", "ec2.instance", "rds.db_instance", "rds.db_parameter_group", "ssm.parameter", "elasticache.cluster", "lambda.function", "autoscaling.group", "cloudwatch.alarm", "cloudformation.stack", "elbv2.load_balancer", "elbv2.listener", "elbv2.target_group", "ecs.cluster", "ecs.service", "ecs.task_definition", "eks.cluster", "eks.node_group", "s3.bucket", "dynamodb.item"];

export type IpcError = { code: IpcErrorCode, message: string, };

export type IpcErrorCode = "bad_input" | "not_found" | "conflict" | "stale" | "store" | "aws" | "keyring" | "internal";

export type FilePurpose = "open-workspace" | "new-workspace" | "workspace-file" | "tfstate" | "report" | "baseline";

export type WorkspaceDto = { id: string, name: string, path: string, is_demo: boolean, 
/**
 * Other workspaces opened before, newest first.
 */
recent: Array<string>, 
/**
 * After a launch that could not open the last workspace and opened the demo instead: why
 * (until another workspace is opened).
 */
launch_error: string | null, };

export type CredentialsDto = { "source": "default" } | { "source": "profile", profile: string, } | { "source": "keyring" };

export type EnvironmentDto = { name: string, aliases: Array<string>, credentials: CredentialsDto, 
/**
 * A role assumed on top of the credentials (docs/CONTRACTS.md: `assume_role`).
 */
assume_role: AssumeRoleDto | null, regions: Array<string>, tags: { [key in string]?: string }, ssm_prefix: string | null, vpcs: Array<string>, endpoint_url: string | null, may_differ_in: Array<string>, 
/**
 * Opt-in: the DynamoDB table of this environment's feature flags.
 */
feature_flags: FeatureFlagsDto | null, };

export type AssumeRoleDto = { role_arn: string, external_id: string, session_name: string, };

export type FeatureFlagsDto = { table: string, environment_attribute: string, name_attribute: string, };

export type MissingDto = { kind: string, reason: string, };

export type SnapshotDto = { id: number, environment: string, taken_at: string, 
/**
 * `aws`, `terraform` or `demo`.
 */
source: string, missing: Array<MissingDto>, resource_count: number, age_hours: number, 
/**
 * Older than the staleness threshold (`parity_app::check::is_stale`, 24 hours).
 */
stale: boolean, 
/**
 * The machine (`user@host`) or CI pipeline that wrote it; null for snapshots written
 * before schema v5.
 */
collected_by: string | null, };

export type EnvironmentStatusDto = { config: EnvironmentDto, latest: SnapshotDto | null, snapshots: number, };

export type PairScoreDto = { a: string, b: string, score: number, compared: number, parity: number, };

export type ColumnDto = { label: string, environment: string, snapshot: SnapshotDto, };

export type MatrixMetaDto = { columns: Array<ColumnDto>, change_view: boolean, scores: Array<PairScoreDto>, total_rows: number, by_status: Partial<Record<Status, number>>, kinds: Array<string>, tag_keys: Array<string>, 
/**
 * Environments left out because they have no snapshot yet.
 */
skipped: Array<string>, 
/**
 * Milliseconds spent computing the comparison (or reading it from the matrix cache).
 */
compute_ms: number, 
/**
 * Whether the matrix was read from the matrix cache instead of computed.
 */
from_cache: boolean, 
/**
 * The baseline chosen for this workspace, and how the comparison stands against it.
 */
baseline: BaselineDto | null, 
/**
 * The same secret in two environments (docs/CONTRACTS.md "Secrets").
 */
shared_secrets: Array<SharedSecretDto>, };

export type BaselineDto = { path: string, entries: number, 
/**
 * Rows whose every failing pair it lists.
 */
baselined_rows: number, 
/**
 * Entries that no longer occur (`resource attribute a,b`).
 */
gone: Array<string>, };

export type SharedSecretDto = { 
/**
 * The row's index in the matrix.
 */
index: number, key: string, attribute: string, a: string, b: string, 
/**
 * The exception accepting it for this pair; `null`: it fails the gate.
 */
accepted_by: string | null, };

export type MatrixQueryDto = { statuses: Array<Status>, categories: Array<Category>, kinds: Array<string>, 
/**
 * Two column labels.
 */
pair: [string, string] | null, search: string | null, 
/**
 * `Key` or `Key=Value`.
 */
tag: string | null, unexplained_only: boolean, };

export type CellDto = { status: Status | null, 
/**
 * The value in canonical element text (`tcp 443 from 0.0.0.0/0`), never JSON.
 */
value: string | null, 
/**
 * On a set-valued cell that differs from its reference column: `+plus -minus`.
 */
marker: ElementMarkerDto | null, };

export type ElementMarkerDto = { 
/**
 * Elements this column has and the reference lacks.
 */
plus: number, 
/**
 * Elements the reference has and this column lacks.
 */
minus: number, 
/**
 * The reference column's label.
 */
against: string, };

export type RowDto = { 
/**
 * Index into the computed matrix (stable until the matrix is recomputed).
 */
index: number, kind: string, key: string, attribute: string, category: Category, status: Status, cells: Array<CellDto>, exceptions: Array<string>, 
/**
 * Every failing pair matches the chosen baseline (docs/CONTRACTS.md "Baseline").
 */
baselined: boolean, };

export type MatrixPageDto = { total: number, offset: number, rows: Array<RowDto>, 
/**
 * Microseconds Rust spent answering (filter + page).
 */
elapsed_us: number, };

export type PairDto = { a: string, b: string, status: Status, 
/**
 * On set-valued rows: `a`'s elements not in `b`'s, in canonical element text.
 */
only_a: Array<string> | null, 
/**
 * On set-valued rows: `b`'s elements not in `a`'s.
 */
only_b: Array<string> | null, 
/**
 * This failing pair matches the chosen baseline.
 */
baselined: boolean, };

export type PairingDto = { label: string, native_id: string, explanation: string, };

export type DetailColumnDto = { label: string, status: Status | null, raw: string | null, normalised: string | null, 
/**
 * On set-valued rows: the normalised value's elements, one text each.
 */
elements: Array<string> | null, taken_at: string, };

export type RowDetailDto = { row: RowDto, columns: Array<DetailColumnDto>, pairs: Array<PairDto>, pairings: Array<PairingDto>, exceptions: Array<ExceptionDto>, 
/**
 * What would make the row converge (docs/CONTRACTS.md "Fix hints and the incident view");
 * always sent (optional in TypeScript only, so older fixtures stay valid).
 */
hints?: Array<HintDto>, };

export type HintDto = { environment: string, 
/**
 * The reference column's label, or `expected`.
 */
towards: string, exception: string | null, text: string, };

export type IncidentOptionsDto = { environments: Array<string>, reference: string | null, service_tag: string, services: Array<string>, };

export type IncidentResourceDto = { key: string, why: string, 
/**
 * For `reference`: the key that referenced it.
 */
from: string | null, };

export type IncidentRowDto = { 
/**
 * Index into the matrix of the columns `[a, b]` (for `row_detail`).
 */
index: number, kind: string, key: string, attribute: string, category: Category, 
/**
 * The status of the pair (a, b).
 */
status: Status, 
/**
 * The normalised values as text, references by logical key (`null`: absent).
 */
a: string | null, b: string | null, exceptions: Array<string>, hints: Array<HintDto>, };

export type IncidentDto = { service: string, a: string, b: string, service_tag: string, resources: Array<IncidentResourceDto>, rows: Array<IncidentRowDto>, 
/**
 * Rows whose (a, b) pair fails the gate.
 */
unexplained: number, };

export type ExceptionDto = { id: string, resource: string, attribute: string, environments: Array<string>, 
/**
 * Expected raw values per environment, as JSON text (`true`, `30`, `"x"`).
 */
expected: { [key in string]?: string }, 
/**
 * The only extra elements it accepts on set-valued rows (canonical element text).
 */
elements: Array<string>, justification: string, owner: string, created: string | null, expires: string | null, ticket: string | null, };

export type ExceptionViewDto = { rule: ExceptionDto, 
/**
 * `active`, `expiring`, `expired` or `violated`.
 */
standing: string, rows_covered: number, 
/**
 * Pass back in `ExceptionInputDto::version` when editing: a change made meanwhile by
 * another writer then refuses the edit (code `stale`) instead of being overwritten.
 */
version: number, };

export type ExceptionInputDto = { id: string | null, resource: string, attribute: string, environments: Array<string>, 
/**
 * Expected values per environment as typed: JSON when it parses, else text.
 */
expected: { [key in string]?: string }, 
/**
 * Accepted extra elements; absent when editing keeps them as they are.
 */
elements?: Array<string>, justification: string, owner: string, 
/**
 * `YYYY-MM-DD`, or absent for no expiry.
 */
expires: string | null, ticket: string | null, 
/**
 * When editing: the version the form was filled from (`ExceptionViewDto::version`).
 */
version?: number, };

export type AuditEntryDto = { seq: number, exception_id: string, at: string, action: string, via: string, 
/**
 * Who made the change (the OS user or `--actor`); null for changes recorded before schema
 * v5.
 */
actor: string | null, before: ExceptionDto | null, after: ExceptionDto | null, };

export type ProgressDto = { environment: string, region: string | null, service: string, kind: string | null, 
/**
 * `started`, `progress`, `done` or `failed`.
 */
phase: string, count: number | null, reason: string | null, };

export type CollectOutcomeDto = { environment: string, 
/**
 * The stored snapshot; absent when nothing could be collected (earlier snapshots kept).
 */
snapshot: SnapshotDto | null, 
/**
 * Kinds that failed, with the reasons.
 */
missing: Array<MissingDto>, 
/**
 * Why the collected snapshot could not be stored (the other environments' were).
 */
store_error: string | null, };

export type ConnectionDto = { region: string, account: string | null, };

export type StaticKeysInputDto = { access_key_id: string, secret_access_key: string, session_token: string | null, };

export type TfImportDto = { environment: string, environment_created: boolean, snapshot_id: number, resources: number, mapped: number, generic: number, redacted_values: number, };

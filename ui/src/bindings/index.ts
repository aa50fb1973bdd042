// Generated from src-tauri/src/dto.rs by ts-rs. Do not edit: run `cargo run -p envparity-desktop --bin envparity-seed -- bindings`.

export type IpcError = { code: IpcErrorCode, message: string, };

export type IpcErrorCode = "bad_input" | "not_found" | "conflict" | "store" | "aws" | "keyring" | "internal";

export type WorkspaceDto = { id: string, name: string, path: string, is_demo: boolean, 
/**
 * Other workspaces opened before, newest first.
 */
recent: Array<string>, };

export type CredentialsDto = { "source": "default" } | { "source": "profile", profile: string, } | { "source": "keyring" };

export type EnvironmentDto = { name: string, aliases: Array<string>, credentials: CredentialsDto, regions: Array<string>, tags: { [key in string]?: string }, ssm_prefix: string | null, vpcs: Array<string>, endpoint_url: string | null, may_differ_in: Array<string>, 
/**
 * Opt-in: the DynamoDB table of this environment's feature flags.
 */
feature_flags: FeatureFlagsDto | null, };

export type FeatureFlagsDto = { table: string, environment_attribute: string, name_attribute: string, };

export type MissingDto = { kind: string, reason: string, };

export type SnapshotDto = { id: number, environment: string, taken_at: string, 
/**
 * `aws`, `terraform` or `demo`.
 */
source: string, missing: Array<MissingDto>, resource_count: number, age_hours: number, 
/**
 * Older than the staleness threshold (`STALE_AFTER_HOURS`).
 */
stale: boolean, };

export type EnvironmentStatusDto = { config: EnvironmentDto, latest: SnapshotDto | null, snapshots: number, };

export type PairScoreDto = { a: string, b: string, score: number, compared: number, parity: number, };

export type ColumnDto = { label: string, environment: string, snapshot: SnapshotDto, };

export type MatrixMetaDto = { columns: Array<ColumnDto>, change_view: boolean, scores: Array<PairScoreDto>, total_rows: number, by_status: { [key in string]?: number }, kinds: Array<string>, tag_keys: Array<string>, 
/**
 * Environments left out because they have no snapshot yet.
 */
skipped: Array<string>, 
/**
 * Milliseconds spent computing the comparison.
 */
compute_ms: number, };

export type MatrixQueryDto = { statuses: Array<string>, categories: Array<string>, kinds: Array<string>, 
/**
 * Two column labels.
 */
pair: [string, string] | null, search: string | null, 
/**
 * `Key` or `Key=Value`.
 */
tag: string | null, unexplained_only: boolean, };

export type CellDto = { status: string | null, value: string | null, };

export type RowDto = { 
/**
 * Index into the computed matrix (stable until the matrix is recomputed).
 */
index: number, kind: string, key: string, attribute: string, category: string, status: string, cells: Array<CellDto>, exceptions: Array<string>, };

export type MatrixPageDto = { total: number, offset: number, rows: Array<RowDto>, 
/**
 * Microseconds Rust spent answering (filter + page).
 */
elapsed_us: number, };

export type PairDto = { a: string, b: string, status: string, };

export type PairingDto = { label: string, native_id: string, explanation: string, };

export type DetailColumnDto = { label: string, status: string | null, raw: string | null, normalised: string | null, taken_at: string, };

export type RowDetailDto = { row: RowDto, columns: Array<DetailColumnDto>, pairs: Array<PairDto>, pairings: Array<PairingDto>, exceptions: Array<ExceptionDto>, };

export type ExceptionDto = { id: string, resource: string, attribute: string, environments: Array<string>, 
/**
 * Expected raw values per environment, as JSON text (`true`, `30`, `"x"`).
 */
expected: { [key in string]?: string }, justification: string, owner: string, created: string | null, expires: string | null, ticket: string | null, };

export type ExceptionViewDto = { rule: ExceptionDto, 
/**
 * `active`, `expiring`, `expired` or `violated`.
 */
standing: string, rows_covered: number, };

export type ExceptionInputDto = { id: string | null, resource: string, attribute: string, environments: Array<string>, 
/**
 * Expected values per environment as typed: JSON when it parses, else text.
 */
expected: { [key in string]?: string }, justification: string, owner: string, 
/**
 * `YYYY-MM-DD`, or absent for no expiry.
 */
expires: string | null, ticket: string | null, };

export type AuditEntryDto = { seq: number, exception_id: string, at: string, action: string, via: string, before: ExceptionDto | null, after: ExceptionDto | null, };

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
missing: Array<MissingDto>, };

export type ConnectionDto = { region: string, account: string | null, };

export type StaticKeysInputDto = { access_key_id: string, secret_access_key: string, session_token: string | null, };

export type TfImportDto = { environment: string, environment_created: boolean, snapshot_id: number, resources: number, mapped: number, generic: number, redacted_values: number, };

// Generated from crates/parity-api/src/registry.rs. Do not edit: run `cargo run -p envparity-desktop --bin envparity-seed -- bindings`.

import { Channel, invoke } from "@tauri-apps/api/core";
import type { AuditEntryDto, CollectOutcomeDto, ConnectionDto, EnvironmentDto, EnvironmentStatusDto, ExceptionDto, ExceptionInputDto, ExceptionViewDto, FilePurpose, IncidentDto, IncidentOptionsDto, MatrixMetaDto, MatrixPageDto, MatrixQueryDto, ProgressDto, RowDetailDto, SnapshotDto, StaticKeysInputDto, TfImportDto, WorkspaceDto } from "./index";

/** Every IPC command, typed as the Rust side declares it. */
export const commands = {
  workspaceInfo: () => invoke<WorkspaceDto>("workspace_info"),
  chooseFile: (purpose: FilePurpose, format: string | null) => invoke<string | null>("choose_file", { purpose, format }),
  openWorkspace: (path: string) => invoke<WorkspaceDto>("open_workspace", { path }),
  connectTeamWorkspace: (url: string, password: string | null) => invoke<WorkspaceDto>("connect_team_workspace", { url, password }),
  createWorkspace: (path: string, name: string) => invoke<WorkspaceDto>("create_workspace", { path, name }),
  openDemo: () => invoke<WorkspaceDto>("open_demo"),
  workspaceToml: () => invoke<string>("workspace_toml"),
  saveWorkspaceFile: (path: string) => invoke<null>("save_workspace_file", { path }),
  environments: () => invoke<Array<EnvironmentStatusDto>>("environments"),
  saveEnvironment: (environment: EnvironmentDto, replace: boolean) => invoke<null>("save_environment", { environment, replace }),
  removeEnvironment: (name: string) => invoke<null>("remove_environment", { name }),
  awsProfiles: () => invoke<Array<string>>("aws_profiles"),
  setStaticKeys: (environment: string, keys: StaticKeysInputDto) => invoke<null>("set_static_keys", { environment, keys }),
  hasStaticKeys: (environment: string) => invoke<boolean>("has_static_keys", { environment }),
  testConnection: (environment: string) => invoke<ConnectionDto>("test_connection", { environment }),
  collect: (environments: Array<string>, onProgress: Channel<ProgressDto>) => invoke<Array<CollectOutcomeDto>>("collect", { environments, onProgress }),
  cancelCollect: () => invoke<null>("cancel_collect"),
  matrixMeta: (columns: Array<string>) => invoke<MatrixMetaDto>("matrix_meta", { columns }),
  matrixPage: (columns: Array<string>, query: MatrixQueryDto, offset: number, limit: number) => invoke<MatrixPageDto>("matrix_page", { columns, query, offset, limit }),
  rowDetail: (columns: Array<string>, index: number) => invoke<RowDetailDto>("row_detail", { columns, index }),
  incidentOptions: () => invoke<IncidentOptionsDto>("incident_options"),
  incident: (a: string, b: string, service: string) => invoke<IncidentDto>("incident", { a, b, service }),
  exceptions: () => invoke<Array<ExceptionViewDto>>("exceptions"),
  addException: (input: ExceptionInputDto) => invoke<ExceptionDto>("add_exception", { input }),
  editException: (input: ExceptionInputDto) => invoke<ExceptionDto>("edit_exception", { input }),
  expireException: (id: string) => invoke<ExceptionDto>("expire_exception", { id }),
  removeException: (id: string) => invoke<null>("remove_exception", { id }),
  exceptionHistory: (id: string) => invoke<Array<AuditEntryDto>>("exception_history", { id }),
  snapshots: (environment: string | null) => invoke<Array<SnapshotDto>>("snapshots", { environment }),
  deleteSnapshot: (id: number) => invoke<null>("delete_snapshot", { id }),
  importTfstate: (environment: string, path: string) => invoke<TfImportDto>("import_tfstate", { environment, path }),
  saveReport: (path: string, format: string) => invoke<null>("save_report", { path, format }),
  setBaseline: (path: string | null) => invoke<null>("set_baseline", { path }),
};

export type Commands = typeof commands;

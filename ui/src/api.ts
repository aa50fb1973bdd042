// Typed wrappers over the Tauri commands (src-tauri/src/commands.rs). Types come from the
// generated bindings; every rejection is normalised to an IpcError {code, message}.
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  AuditEntryDto,
  CollectOutcomeDto,
  ConnectionDto,
  EnvironmentDto,
  EnvironmentStatusDto,
  ExceptionDto,
  ExceptionInputDto,
  ExceptionViewDto,
  IpcError,
  MatrixMetaDto,
  MatrixPageDto,
  MatrixQueryDto,
  ProgressDto,
  RowDetailDto,
  SnapshotDto,
  StaticKeysInputDto,
  TfImportDto,
  WorkspaceDto,
} from "./bindings";
import { toIpcError } from "./lib/errors";

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e) satisfies IpcError;
  }
}

export const api = {
  workspaceInfo: () => call<WorkspaceDto>("workspace_info"),
  openWorkspace: (path: string) => call<WorkspaceDto>("open_workspace", { path }),
  createWorkspace: (path: string, name: string) => call<WorkspaceDto>("create_workspace", { path, name }),
  openDemo: () => call<WorkspaceDto>("open_demo"),
  workspaceToml: () => call<string>("workspace_toml"),
  saveWorkspaceFile: (path: string) => call<null>("save_workspace_file", { path }),

  environments: () => call<EnvironmentStatusDto[]>("environments"),
  saveEnvironment: (environment: EnvironmentDto, replace: boolean) =>
    call<null>("save_environment", { environment, replace }),
  removeEnvironment: (name: string) => call<null>("remove_environment", { name }),
  awsProfiles: () => call<string[]>("aws_profiles"),
  setStaticKeys: (environment: string, keys: StaticKeysInputDto) =>
    call<null>("set_static_keys", { environment, keys }),
  hasStaticKeys: (environment: string) => call<boolean>("has_static_keys", { environment }),
  testConnection: (environment: string) => call<ConnectionDto>("test_connection", { environment }),
  collect: (environments: string[], onProgress: (p: ProgressDto) => void) => {
    const channel = new Channel<ProgressDto>();
    channel.onmessage = onProgress;
    return call<CollectOutcomeDto[]>("collect", { environments, onProgress: channel });
  },
  cancelCollect: () => call<null>("cancel_collect"),

  matrixMeta: (columns: string[]) => call<MatrixMetaDto>("matrix_meta", { columns }),
  matrixPage: (columns: string[], query: MatrixQueryDto, offset: number, limit: number) =>
    call<MatrixPageDto>("matrix_page", { columns, query, offset, limit }),
  rowDetail: (columns: string[], index: number) => call<RowDetailDto>("row_detail", { columns, index }),

  exceptions: () => call<ExceptionViewDto[]>("exceptions"),
  addException: (input: ExceptionInputDto) => call<ExceptionDto>("add_exception", { input }),
  editException: (input: ExceptionInputDto) => call<ExceptionDto>("edit_exception", { input }),
  expireException: (id: string) => call<ExceptionDto>("expire_exception", { id }),
  removeException: (id: string) => call<null>("remove_exception", { id }),
  exceptionHistory: (id: string) => call<AuditEntryDto[]>("exception_history", { id }),

  snapshots: (environment: string | null) => call<SnapshotDto[]>("snapshots", { environment }),
  deleteSnapshot: (id: number) => call<null>("delete_snapshot", { id }),
  saveReport: (path: string, format: string) => call<null>("save_report", { path, format }),
  importTfstate: (environment: string, path: string) => call<TfImportDto>("import_tfstate", { environment, path }),
};

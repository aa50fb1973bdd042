// The UI's calls into Rust: the generated, typed command wrappers (bindings/commands.ts, from
// crates/parity-api/src/registry.rs), with every rejection normalised to an IpcError
// {code, message}. A command renamed or retyped in Rust regenerates the wrappers, and this file
// stops compiling until it follows.
import { Channel } from "@tauri-apps/api/core";
import type { IpcError, ProgressDto } from "./bindings";
import { commands } from "./bindings/commands";
import { toIpcError } from "./lib/errors";

function wrap<A extends unknown[], R>(f: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await f(...args);
    } catch (e) {
      throw toIpcError(e) satisfies IpcError;
    }
  };
}

const collect = wrap(commands.collect);

export const api = {
  workspaceInfo: wrap(commands.workspaceInfo),
  /** The native dialog for a purpose, opened by the backend; only the path chosen there is
   *  accepted by the command that reads or writes that file. */
  chooseFile: wrap(commands.chooseFile),
  openWorkspace: wrap(commands.openWorkspace),
  connectTeamWorkspace: wrap(commands.connectTeamWorkspace),
  createWorkspace: wrap(commands.createWorkspace),
  openDemo: wrap(commands.openDemo),
  workspaceToml: wrap(commands.workspaceToml),
  saveWorkspaceFile: wrap(commands.saveWorkspaceFile),

  environments: wrap(commands.environments),
  saveEnvironment: wrap(commands.saveEnvironment),
  removeEnvironment: wrap(commands.removeEnvironment),
  awsProfiles: wrap(commands.awsProfiles),
  setStaticKeys: wrap(commands.setStaticKeys),
  hasStaticKeys: wrap(commands.hasStaticKeys),
  testConnection: wrap(commands.testConnection),
  collect: (environments: string[], onProgress: (p: ProgressDto) => void) => {
    const channel = new Channel<ProgressDto>();
    channel.onmessage = onProgress;
    return collect(environments, channel);
  },
  cancelCollect: wrap(commands.cancelCollect),

  matrixMeta: wrap(commands.matrixMeta),
  matrixPage: wrap(commands.matrixPage),
  rowDetail: wrap(commands.rowDetail),
  incidentOptions: wrap(commands.incidentOptions),
  incident: wrap(commands.incident),

  exceptions: wrap(commands.exceptions),
  addException: wrap(commands.addException),
  editException: wrap(commands.editException),
  expireException: wrap(commands.expireException),
  removeException: wrap(commands.removeException),
  exceptionHistory: wrap(commands.exceptionHistory),

  snapshots: wrap(commands.snapshots),
  deleteSnapshot: wrap(commands.deleteSnapshot),
  saveReport: wrap(commands.saveReport),
  importTfstate: wrap(commands.importTfstate),
  setBaseline: wrap(commands.setBaseline),
};

// Errors arrive from Rust as {code, message}; anything else (a rejected promise with a string,
// a JS exception) becomes an `internal` error so the UI has one shape to show.
import type { IpcError, IpcErrorCode } from "../bindings";

const CODES: IpcErrorCode[] = ["bad_input", "not_found", "conflict", "stale", "store", "aws", "keyring", "internal"];

export function isIpcError(e: unknown): e is IpcError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as IpcError).message === "string" &&
    CODES.includes((e as IpcError).code)
  );
}

export function toIpcError(e: unknown): IpcError {
  if (isIpcError(e)) return e;
  if (typeof e === "string") return { code: "internal", message: e };
  if (e instanceof Error) return { code: "internal", message: e.message };
  return { code: "internal", message: String(e) };
}

const TITLES: Record<IpcErrorCode, string> = {
  bad_input: "Please check the input",
  not_found: "Not found",
  conflict: "Cannot do that now",
  stale: "Changed by someone else",
  store: "Workspace database problem",
  aws: "AWS problem",
  keyring: "OS keyring problem",
  internal: "Something went wrong",
};

export function errorTitle(e: IpcError): string {
  return TITLES[e.code];
}

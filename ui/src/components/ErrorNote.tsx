// A typed error shown readably: a title by code, the message as text.
import type { IpcError } from "../bindings";
import { errorTitle, toIpcError } from "../lib/errors";

export function ErrorNote({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (!error) return null;
  const e: IpcError = toIpcError(error);
  return (
    <div className="error-note" role="alert" data-code={e.code}>
      <strong>{errorTitle(e)}</strong>
      <span className="error-message">{e.message}</span>
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

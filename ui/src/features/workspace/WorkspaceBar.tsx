// The top bar: the open workspace with a switcher (create, open, connect to a team workspace,
// recent, demo) and the demo banner.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api";
import { ErrorNote } from "../../components/ErrorNote";
import { Modal } from "../../components/Modal";

/** Whether a workspace location is a team database URL rather than a file path. */
export function isTeamUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** How a recent workspace is labelled: a file by its name, a team database by its URL. */
export function recentLabel(location: string): string {
  return isTeamUrl(location) ? location : (location.split(/[\\/]/).pop() ?? location);
}

/** "Connect to a team workspace": a postgres:// URL typed by the user (never a file path: the
 *  backend refuses one) and, optionally, its password — stored in the OS keyring, never in the
 *  URL. */
export function ConnectTeam({ onClose, onConnected }: { onClose: () => void; onConnected: () => void }) {
  const [url, setUrl] = useState("");
  const [password, setPassword] = useState("");
  const connect = useMutation({
    mutationFn: () => api.connectTeamWorkspace(url.trim(), password === "" ? null : password),
    onSuccess: () => onConnected(),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    connect.mutate();
  };
  return (
    <Modal title="Connect to a team workspace" onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label>
          Database URL
          <input
            type="text"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="postgres://USER@HOST:5432/DATABASE?sslmode=verify-full"
            autoFocus
            spellCheck={false}
            data-testid="team-url"
          />
        </label>
        <label>
          Password (optional: stored in the OS keyring for this URL; else from PGPASSFILE or a password stored
          earlier)
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="team-password" />
        </label>
        <p className="muted">
          Never put the password in the URL. The team database must have been set up from the command line first
          (<code>envparity --db URL migrate</code>).
        </p>
        <ErrorNote error={connect.error} onDismiss={() => connect.reset()} />
        <div className="actions">
          <button type="submit" disabled={url.trim() === "" || connect.isPending}>
            Connect
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function WorkspaceBar({ onSwitched }: { onSwitched: () => void }) {
  const client = useQueryClient();
  const ws = useQuery({ queryKey: ["workspace"], queryFn: api.workspaceInfo });
  const [menu, setMenu] = useState(false);
  const [team, setTeam] = useState(false);
  const switched = async () => {
    setMenu(false);
    await client.invalidateQueries();
    onSwitched();
  };
  const switchTo = useMutation({
    mutationFn: async (how: "open" | "create" | "demo" | string) => {
      if (how === "demo") return api.openDemo();
      if (how === "open") {
        const path = await api.chooseFile("open-workspace", null);
        if (path === null) return null;
        return api.openWorkspace(path);
      }
      if (how === "create") {
        const path = await api.chooseFile("new-workspace", null);
        if (path === null) return null;
        const name = path.split(/[\\/]/).pop()?.replace(/\.sqlite$/, "") ?? "";
        return api.createWorkspace(path, name);
      }
      return api.openWorkspace(how);
    },
    onSuccess: (r) => (r ? switched() : setMenu(false)),
  });
  const w = ws.data;
  return (
    <>
      <div className="workspace">
        <button type="button" className="ws-button" onClick={() => setMenu(!menu)} aria-expanded={menu} title={w?.path}>
          {w ? w.name || "(unnamed workspace)" : "…"} ▾
        </button>
        {menu && (
          <div className="menu" role="menu">
            <button type="button" role="menuitem" onClick={() => switchTo.mutate("create")}>
              New workspace…
            </button>
            <button type="button" role="menuitem" onClick={() => switchTo.mutate("open")}>
              Open workspace…
            </button>
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setMenu(false);
                setTeam(true);
              }}
            >
              Connect to a team workspace…
            </button>
            <button type="button" role="menuitem" onClick={() => switchTo.mutate("demo")}>
              Open the demo
            </button>
            {(w?.recent ?? []).length > 0 && <div className="menu-title">Recent</div>}
            {(w?.recent ?? []).map((p) => (
              <button type="button" role="menuitem" key={p} onClick={() => switchTo.mutate(p)} title={p}>
                {recentLabel(p)}
              </button>
            ))}
          </div>
        )}
      </div>
      {team && (
        <ConnectTeam
          onClose={() => setTeam(false)}
          onConnected={() => {
            setTeam(false);
            void switched();
          }}
        />
      )}
      <ErrorNote error={ws.error ?? switchTo.error} onDismiss={() => switchTo.reset()} />
      {w?.launch_error && (
        <div className="error-note" role="alert" data-testid="launch-error">
          {w.launch_error}
        </div>
      )}
      {w?.is_demo && (
        <div className="demo-banner" role="status" data-testid="demo-banner">
          You are looking at the built-in <strong>demo workspace</strong> — invented data, no AWS account needed. Changes
          stay in the demo. Use the workspace menu to create your own.
        </div>
      )}
    </>
  );
}

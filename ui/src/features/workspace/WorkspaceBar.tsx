// The top bar: the open workspace with a switcher (create, open, recent, demo) and the demo
// banner.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api";
import { ErrorNote } from "../../components/ErrorNote";

export function WorkspaceBar({ onSwitched }: { onSwitched: () => void }) {
  const client = useQueryClient();
  const ws = useQuery({ queryKey: ["workspace"], queryFn: api.workspaceInfo });
  const [menu, setMenu] = useState(false);
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
            <button type="button" role="menuitem" onClick={() => switchTo.mutate("demo")}>
              Open the demo
            </button>
            {(w?.recent ?? []).length > 0 && <div className="menu-title">Recent</div>}
            {(w?.recent ?? []).map((p) => (
              <button type="button" role="menuitem" key={p} onClick={() => switchTo.mutate(p)} title={p}>
                {p.split(/[\\/]/).pop()}
              </button>
            ))}
          </div>
        )}
      </div>
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

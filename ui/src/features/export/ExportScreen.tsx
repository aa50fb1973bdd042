// Export: the workspace file (TOML — environments, rules, exceptions; no secrets, no snapshots)
// to review and save, and reports of the current comparison (HTML, Markdown, JSON, JUnit).
import { useMutation, useQuery } from "@tanstack/react-query";
import { api } from "../../api";
import { ErrorNote } from "../../components/ErrorNote";

const REPORTS = [
  { format: "html", label: "HTML report" },
  { format: "markdown", label: "Markdown (PR comment)" },
  { format: "json", label: "JSON" },
  { format: "junit", label: "JUnit XML" },
] as const;

export function ExportScreen() {
  const toml = useQuery({ queryKey: ["workspace-toml"], queryFn: api.workspaceToml });
  const write = useMutation({
    mutationFn: async (what: "toml" | (typeof REPORTS)[number]) => {
      const path = what === "toml" ? await api.chooseFile("workspace-file", null) : await api.chooseFile("report", what.format);
      if (path === null) return null;
      if (what === "toml") await api.saveWorkspaceFile(path);
      else await api.saveReport(path, what.format);
      return path;
    },
  });
  return (
    <div className="screen">
      <div className="toolbar">
        <button type="button" className="primary" data-testid="save-toml" onClick={() => write.mutate("toml")}>
          Save workspace file…
        </button>
        {REPORTS.map((r) => (
          <button key={r.format} type="button" data-testid={`save-${r.format}`} onClick={() => write.mutate(r)}>
            {r.label}…
          </button>
        ))}
        {write.data && (
          <span className="ok" data-testid="saved">
            Saved to {write.data}
          </span>
        )}
      </div>
      <ErrorNote error={toml.error ?? write.error} />
      <p className="muted">The workspace file holds environments, rules and exceptions — never secrets or snapshots — to commit and review like code.</p>
      <pre className="toml" data-testid="workspace-toml">
        {toml.data ?? ""}
      </pre>
    </div>
  );
}

// Environments: list with the newest snapshot of each, add/edit/remove, "Test connection", and
// collection (one or all) with live progress per environment and service, cancel, and partial
// failures shown inline.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ConnectionDto, EnvironmentStatusDto } from "../../bindings";
import { api } from "../../api";
import { askThen } from "../../lib/confirm";
import { ErrorNote } from "../../components/ErrorNote";
import { Modal } from "../../components/Modal";
import { formatAge } from "../../lib/format";
import { EMPTY_ENV, EnvironmentForm } from "./EnvironmentForm";
import { foldProgress, stopUnfinished, type ProgressLine } from "./progress";

function credentialsText(e: EnvironmentStatusDto): string {
  const c = e.config.credentials;
  return c.source === "profile" ? `profile ${c.profile}` : c.source === "keyring" ? "static keys (keyring)" : "default chain";
}

export function EnvironmentsScreen() {
  const client = useQueryClient();
  const envs = useQuery({ queryKey: ["environments"], queryFn: api.environments });
  const [editing, setEditing] = useState<{ env: EnvironmentStatusDto | null } | null>(null);
  const [progress, setProgress] = useState<ProgressLine[]>([]);
  const [tested, setTested] = useState<Record<string, ConnectionDto>>({});
  const collect = useMutation({
    mutationFn: (names: string[]) => {
      setProgress([]);
      return api.collect(names, (p) => setProgress((lines) => foldProgress(lines, p)));
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ["environments"] });
      await client.invalidateQueries({ queryKey: ["snapshots"] });
      await client.invalidateQueries({ queryKey: ["matrix"] });
    },
    onError: () => setProgress(stopUnfinished),
  });
  const test = useMutation({
    mutationFn: api.testConnection,
    onSuccess: (info, name) => setTested((t) => ({ ...t, [name]: info })),
  });
  const remove = useMutation({
    mutationFn: api.removeEnvironment,
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ["environments"] });
      await client.invalidateQueries({ queryKey: ["matrix"] });
    },
  });

  return (
    <div className="screen">
      <div className="toolbar">
        <button type="button" className="primary" data-testid="add-environment" onClick={() => setEditing({ env: null })}>
          Add environment
        </button>
        <button type="button" disabled={collect.isPending || !envs.data?.length} onClick={() => collect.mutate([])}>
          Collect all
        </button>
        {collect.isPending && (
          <button type="button" className="danger" data-testid="cancel-collect" onClick={() => api.cancelCollect()}>
            Cancel collection
          </button>
        )}
      </div>
      <ErrorNote error={envs.error ?? collect.error ?? test.error ?? remove.error} />
      <table className="list">
        <thead>
          <tr>
            <th>Environment</th>
            <th>Credentials</th>
            <th>Regions</th>
            <th>Scope</th>
            <th>Policy</th>
            <th>Newest snapshot</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(envs.data ?? []).map((e) => (
            <tr key={e.config.name} data-env={e.config.name}>
              <td>
                <strong>{e.config.name}</strong>
                {e.config.aliases.length > 0 && <div className="muted">aka {e.config.aliases.join(", ")}</div>}
              </td>
              <td>
                {credentialsText(e)}
                {tested[e.config.name] && (
                  <div className="ok">
                    ✓ {tested[e.config.name]?.region}
                    {tested[e.config.name]?.account ? ` · account ${tested[e.config.name]?.account}` : ""}
                  </div>
                )}
              </td>
              <td>{e.config.regions.join(", ") || "—"}</td>
              <td className="wrap">
                {Object.entries(e.config.tags).map(([k, v]) => `${k}=${v}`).join(", ")}
                {e.config.ssm_prefix ? ` ${e.config.ssm_prefix}` : ""}
                {e.config.endpoint_url ? ` · ${e.config.endpoint_url}` : ""}
              </td>
              <td>{e.config.may_differ_in.length ? `may differ in ${e.config.may_differ_in.join(", ")}` : "must match"}</td>
              <td>
                {e.latest ? (
                  <span className={e.latest.stale ? "stale" : ""}>
                    #{e.latest.id} · {e.latest.source} · {formatAge(e.latest.age_hours)} ago{e.latest.stale ? " (stale)" : ""}
                    {e.latest.missing.length > 0 && <div className="warn">partial: {e.latest.missing.map((m) => `${m.kind}: ${m.reason}`).join("; ")}</div>}
                  </span>
                ) : (
                  "none yet"
                )}
              </td>
              <td className="actions-cell">
                <button type="button" className="link" disabled={collect.isPending} onClick={() => collect.mutate([e.config.name])}>
                  collect
                </button>
                <button type="button" className="link" disabled={test.isPending} onClick={() => test.mutate(e.config.name)}>
                  test connection
                </button>
                <button type="button" className="link" onClick={() => setEditing({ env: e })}>
                  edit
                </button>
                <button
                  type="button"
                  className="link danger"
                  onClick={() => {
                    void askThen(`Remove ${e.config.name} and its snapshots?`, "Remove environment", () => remove.mutate(e.config.name));
                  }}
                >
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {progress.length > 0 && (
        <section className="progress" aria-label="Collection progress" data-testid="progress">
          <h3>{collect.isPending ? "Collecting…" : "Last collection"}</h3>
          <table className="list compact">
            <tbody>
              {progress.map((l) => (
                <tr key={`${l.environment}-${l.unit}`} className={`phase-${l.phase}`} data-env={l.environment} data-unit={l.unit} data-phase={l.phase}>
                  <td>{l.environment}</td>
                  <td>{l.unit}</td>
                  <td>{l.phase}</td>
                  <td>{l.count ?? ""}</td>
                  <td className="wrap">{l.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {collect.data && (
        <ul className="plain" data-testid="collect-outcomes">
          {collect.data.map((o) => (
            <li key={o.environment}>
              {o.environment}:{" "}
              {o.snapshot ? `snapshot #${o.snapshot.id}, ${o.snapshot.resource_count} resources` : "nothing stored (earlier snapshots kept)"}
              {o.missing.length > 0 && <span className="warn"> — missing: {o.missing.map((m) => `${m.kind}: ${m.reason}`).join("; ")}</span>}
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <Modal title={editing.env ? `Edit ${editing.env.config.name}` : "Add environment"} onClose={() => setEditing(null)}>
          <EnvironmentForm initial={editing.env?.config ?? EMPTY_ENV} editing={!!editing.env} onDone={() => setEditing(null)} />
        </Modal>
      )}
    </div>
  );
}

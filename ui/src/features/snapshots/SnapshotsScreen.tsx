// Snapshot history per environment: compare two snapshots of one environment (a change view),
// delete old ones, and import a Terraform state as a snapshot.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api";
import { askThen } from "../../lib/confirm";
import { ErrorNote } from "../../components/ErrorNote";
import { formatAge } from "../../lib/format";

export function SnapshotsScreen({ onCompare }: { onCompare: (columns: string[]) => void }) {
  const client = useQueryClient();
  const envs = useQuery({ queryKey: ["environments"], queryFn: api.environments });
  const [env, setEnv] = useState<string>("");
  const current = env || envs.data?.[0]?.config.name || "";
  const snaps = useQuery({
    queryKey: ["snapshots", current],
    queryFn: () => api.snapshots(current),
    enabled: current !== "",
  });
  const [picked, setPicked] = useState<number[]>([]);
  const [tfEnv, setTfEnv] = useState("");
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ["snapshots"] });
    await client.invalidateQueries({ queryKey: ["environments"] });
    await client.invalidateQueries({ queryKey: ["matrix"] });
  };
  const del = useMutation({ mutationFn: api.deleteSnapshot, onSuccess: refresh });
  const tf = useMutation({
    mutationFn: async () => {
      const path = await api.chooseFile("tfstate", null);
      if (path === null) return null;
      return api.importTfstate(tfEnv.trim(), path);
    },
    onSuccess: refresh,
  });
  const toggle = (id: number) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));

  return (
    <div className="screen">
      <div className="toolbar">
        <label>
          Environment{" "}
          <select
            value={current}
            onChange={(e) => {
              setEnv(e.target.value);
              setPicked([]);
            }}
          >
            {(envs.data ?? []).map((e) => (
              <option key={e.config.name}>{e.config.name}</option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="primary"
          data-testid="compare-snapshots"
          disabled={picked.length !== 2}
          onClick={() => {
            const [a, b] = [...picked].sort((x, y) => x - y);
            onCompare([`${current}@${a}`, `${current}@${b}`]);
          }}
        >
          Compare the two selected
        </button>
        <span className="spacer" />
        <input data-testid="tf-environment" placeholder="environment for the state" value={tfEnv} onChange={(e) => setTfEnv(e.target.value)} />
        <button type="button" data-testid="import-tfstate" disabled={!tfEnv.trim() || tf.isPending} onClick={() => tf.mutate()}>
          Import Terraform state…
        </button>
      </div>
      <ErrorNote error={envs.error ?? snaps.error ?? del.error ?? tf.error} />
      {tf.data && (
        <p className="note" data-testid="tf-imported">
          Imported {tf.data.resources} resources into {tf.data.environment} (snapshot {tf.data.snapshot_id}
          {tf.data.environment_created ? ", new environment" : ""}; {tf.data.redacted_values} sensitive values redacted).
        </p>
      )}
      <table className="list">
        <thead>
          <tr>
            <th />
            <th>Snapshot</th>
            <th>Taken</th>
            <th>Source</th>
            <th>Collected by</th>
            <th>Resources</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(snaps.data ?? []).map((s, i) => (
            <tr key={s.id}>
              <td>
                <input type="checkbox" aria-label={`select snapshot ${s.id}`} checked={picked.includes(s.id)} onChange={() => toggle(s.id)} />
              </td>
              <td>
                {current}@{s.id} {i === 0 && <span className="badge">latest</span>}
              </td>
              <td title={s.taken_at}>
                {s.taken_at} ({formatAge(s.age_hours)} ago)
              </td>
              <td>{s.source}</td>
              <td data-testid="collected-by">{s.collected_by ?? "—"}</td>
              <td>{s.resource_count}</td>
              <td>
                {s.missing.length === 0 ? (
                  "complete"
                ) : (
                  <details>
                    <summary>partial</summary>
                    <ul className="plain">
                      {s.missing.map((m) => (
                        <li key={m.kind}>
                          {m.kind}: {m.reason}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </td>
              <td>
                <button
                  type="button"
                  className="link danger"
                  onClick={() => {
                    void askThen(`Delete snapshot ${s.id} of ${current}?`, "Delete snapshot", () => del.mutate(s.id));
                  }}
                >
                  delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

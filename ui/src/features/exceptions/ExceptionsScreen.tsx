// The exceptions manager: list with standing filters (active, expiring within 30 days, expired,
// violated), edit, expire, delete, and each exception's audit trail.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ExceptionViewDto } from "../../bindings";
import { api } from "../../api";
import { askThen } from "../../lib/confirm";
import { ErrorNote } from "../../components/ErrorNote";
import { Modal } from "../../components/Modal";
import { ExceptionForm } from "./ExceptionForm";

const STANDINGS = ["all", "active", "expiring", "expired", "violated"] as const;
type StandingFilter = (typeof STANDINGS)[number];

export function filterExceptions(list: ExceptionViewDto[], standing: StandingFilter, text: string): ExceptionViewDto[] {
  const needle = text.trim().toLowerCase();
  return list.filter(
    (v) =>
      // "active" includes the ones expiring soon: both are in force today
      (standing === "all" ||
        v.standing === standing ||
        (standing === "active" && v.standing === "expiring")) &&
      (!needle ||
        [v.rule.id, v.rule.resource, v.rule.attribute, v.rule.owner, v.rule.justification].some((f) =>
          f.toLowerCase().includes(needle),
        )),
  );
}

export function ExceptionsScreen() {
  const client = useQueryClient();
  const [standing, setStanding] = useState<StandingFilter>("all");
  const [text, setText] = useState("");
  const [editing, setEditing] = useState<ExceptionViewDto | null>(null);
  const [history, setHistory] = useState<string | null>(null);
  const list = useQuery({ queryKey: ["exceptions"], queryFn: api.exceptions });
  const envs = useQuery({ queryKey: ["environments"], queryFn: api.environments });
  const trail = useQuery({
    queryKey: ["exceptions", "history", history],
    queryFn: () => api.exceptionHistory(history ?? ""),
    enabled: history !== null,
  });
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ["exceptions"] });
    await client.invalidateQueries({ queryKey: ["matrix"] });
  };
  const expire = useMutation({ mutationFn: api.expireException, onSuccess: refresh });
  const remove = useMutation({ mutationFn: api.removeException, onSuccess: refresh });

  const shown = filterExceptions(list.data ?? [], standing, text);
  return (
    <div className="screen">
      <div className="toolbar">
        {STANDINGS.map((s) => (
          <button key={s} type="button" className={`chip${standing === s ? " on" : ""}`} onClick={() => setStanding(s)}>
            {s}
            {s !== "all" && <small> {(list.data ?? []).filter((v) => v.standing === s).length}</small>}
          </button>
        ))}
        <input type="search" placeholder="Filter by id, resource, owner…" value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <ErrorNote error={list.error ?? expire.error ?? remove.error} />
      <table className="list" data-testid="exceptions-list">
        <thead>
          <tr>
            <th>Exception</th>
            <th>Scope</th>
            <th>Environments</th>
            <th>Justification</th>
            <th>Owner</th>
            <th>Expires</th>
            <th>Standing</th>
            <th>Rows</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((v) => (
            <tr key={v.rule.id} data-id={v.rule.id}>
              <td>
                <code>{v.rule.id}</code>
              </td>
              <td>
                <code>{v.rule.resource}</code> · <code>{v.rule.attribute}</code>
              </td>
              <td>{v.rule.environments.join(", ")}</td>
              <td className="wrap">{v.rule.justification}</td>
              <td>{v.rule.owner}</td>
              <td className="nowrap">{v.rule.expires ?? "never"}</td>
              <td>
                <span className={`badge standing-${v.standing}`}>{v.standing}</span>
              </td>
              <td>{v.rows_covered}</td>
              <td className="actions-cell">
                <button type="button" className="link" onClick={() => setEditing(v)}>
                  edit
                </button>
                {v.standing !== "expired" && (
                  <button type="button" className="link" onClick={() => expire.mutate(v.rule.id)}>
                    expire
                  </button>
                )}
                <button
                  type="button"
                  className="link danger"
                  onClick={() => {
                    void askThen(`Delete exception ${v.rule.id}? Its audit trail is kept.`, "Delete exception", () => remove.mutate(v.rule.id));
                  }}
                >
                  delete
                </button>
                <button type="button" className="link" onClick={() => setHistory(v.rule.id)}>
                  history
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && shown.length === 0 && <p className="empty">No exceptions here.</p>}
      {editing && (
        <Modal title={`Edit ${editing.rule.id}`} onClose={() => setEditing(null)}>
          <ExceptionForm
            mode="edit"
            initial={{ ...editing.rule, id: editing.rule.id, version: editing.version }}
            environments={(envs.data ?? []).map((e) => e.config.name)}
            onCancel={() => setEditing(null)}
            onDone={() => setEditing(null)}
          />
        </Modal>
      )}
      {history && (
        <Modal title={`Audit trail of ${history}`} onClose={() => setHistory(null)}>
          <ErrorNote error={trail.error} />
          <ol className="audit">
            {(trail.data ?? []).map((a) => (
              <li key={a.seq}>
                <strong>{a.action}</strong> {a.at} via {a.via}
                {a.actor && (
                  <>
                    {" "}
                    by <span data-testid="audit-actor">{a.actor}</span>
                  </>
                )}
                {a.before && a.after && a.before.justification !== a.after.justification && (
                  <div className="muted">justification: “{a.before.justification}” → “{a.after.justification}”</div>
                )}
                {a.before?.expires !== a.after?.expires && a.after && (
                  <div className="muted">
                    expires: {a.before?.expires ?? "never"} → {a.after.expires ?? "never"}
                  </div>
                )}
              </li>
            ))}
          </ol>
        </Modal>
      )}
    </div>
  );
}

// The detail panel of one row: raw and normalised values side by side per environment, pair
// statuses, why the resources were paired, snapshot times, and the exceptions that cover it.
import { useQuery } from "@tanstack/react-query";
import type { RowDetailDto } from "../../bindings";
import { api } from "../../api";
import { StatusBadge } from "../../components/StatusBadge";
import { ErrorNote } from "../../components/ErrorNote";
import { pairLines } from "../../lib/elements";
import { isFailing } from "../../lib/status";

interface Props {
  columns: string[];
  index: number;
  changeView: boolean;
  onClose: () => void;
  onCreateException: (detail: RowDetailDto) => void;
}

export function DetailPanel({ columns, index, changeView, onClose, onCreateException }: Props) {
  const detail = useQuery({
    queryKey: ["matrix", "detail", columns, index],
    queryFn: () => api.rowDetail(columns, index),
  });
  const d = detail.data;
  return (
    <aside className="detail" aria-label="Row detail" data-testid="detail">
      <header>
        <h2 title={d?.row.key}>{d ? `${d.row.key}` : "…"}</h2>
        <button type="button" className="link" onClick={onClose} aria-label="Close detail">
          ×
        </button>
      </header>
      <ErrorNote error={detail.error} />
      {d && (
        <>
          <p className="detail-sub">
            <code>{d.row.attribute}</code> · {d.row.category} · <span data-testid="detail-status"><StatusBadge status={d.row.status} /></span>
          </p>
          {!changeView && isFailing(d.row.status) && (
            <button type="button" className="primary" data-testid="create-exception" onClick={() => onCreateException(d)}>
              Mark as intentional…
            </button>
          )}
          <h3>Values</h3>
          <table className="kv">
            <thead>
              <tr>
                <th>Column</th>
                <th>Status</th>
                <th>Raw</th>
                <th>Normalised</th>
              </tr>
            </thead>
            <tbody>
              {d.columns.map((c) => (
                <tr key={c.label}>
                  <th>{c.label}</th>
                  <td>
                    <StatusBadge status={c.status} />
                  </td>
                  <td className="value" data-testid={`raw-${c.label}`}>{c.raw ?? "—"}</td>
                  <td className="value">
                    {c.elements ? (
                      c.elements.length === 0 ? (
                        <span className="muted">(none)</span>
                      ) : (
                        <ul className="elements">
                          {c.elements.map((e) => (
                            <li key={e}>{e}</li>
                          ))}
                        </ul>
                      )
                    ) : (
                      (c.normalised ?? "—")
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.pairs.length > 0 && (
            <>
              <h3>Pairs</h3>
              <ul className="plain">
                {d.pairs.map((p) => (
                  <li key={`${p.a}-${p.b}`} data-testid={`pair-${p.a}-${p.b}`}>
                    {p.a} → {p.b}: <StatusBadge status={p.status} />
                    {p.baselined && <span className="baselined">baselined</span>}
                    {pairLines(p).length > 0 && (
                      <ul className="extra" aria-label={`extra elements ${p.a} → ${p.b}`}>
                        {pairLines(p).map((l) => (
                          <li key={l} className={l.startsWith("+") ? "add" : "rem"} title={l.startsWith("+") ? `in ${p.b}, not in ${p.a}` : `in ${p.a}, not in ${p.b}`}>
                            {l}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
          {(d.hints ?? []).length > 0 && (
            <>
              <h3>To converge</h3>
              <ul className="plain hints" aria-label="fix hints">
                {(d.hints ?? []).map((h) => (
                  <li key={h.text} data-testid={`hint-${h.environment}`}>
                    <code>{h.text}</code>
                    <div className="muted">
                      {h.towards === "expected"
                        ? `the value exception ${h.exception ?? ""} expects`
                        : `towards ${h.towards}, the reference environment`}
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>Why these were paired</h3>
          <ul className="plain pairings">
            {d.pairings.map((p) => (
              <li key={`${p.label}-${p.native_id}`}>
                <strong>{p.label}</strong> <code>{p.native_id}</code>
                <div className="muted">{p.explanation}</div>
              </li>
            ))}
          </ul>
          <h3>Snapshots</h3>
          <ul className="plain">
            {d.columns.map((c) => (
              <li key={c.label}>
                {c.label}: {c.taken_at}
              </li>
            ))}
          </ul>
          <h3>Exceptions</h3>
          {d.exceptions.length === 0 ? (
            <p className="muted">No exception covers this row.</p>
          ) : (
            d.exceptions.map((e) => (
              <div key={e.id} className="exception-card">
                <strong>{e.id}</strong> — {e.environments.join(", ")} may differ
                {e.elements.length > 0 && <p className="muted">accepts only: {e.elements.join("; ")}</p>}
                <p>{e.justification}</p>
                <p className="muted">
                  owner {e.owner}
                  {e.expires ? ` · expires ${e.expires}` : " · no expiry"}
                  {e.ticket ? ` · ${e.ticket}` : ""}
                </p>
              </div>
            ))
          )}
        </>
      )}
    </aside>
  );
}

// The matrix screen: parity scores per pair, filters, the virtualised grid, the detail panel and
// exceptions created straight from a drift cell.
import { useCallback, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ExceptionInputDto, RowDetailDto, RowDto } from "../../bindings";
import { api } from "../../api";
import { ErrorNote } from "../../components/ErrorNote";
import { Modal } from "../../components/Modal";
import { formatAge, formatPercent, isoDatePlus } from "../../lib/format";
import { elementsFor } from "../../lib/elements";
import { isFailing } from "../../lib/status";
import { ExceptionForm } from "../exceptions/ExceptionForm";
import { DetailPanel } from "./DetailPanel";
import { Filters } from "./Filters";
import { MatrixTable } from "./MatrixTable";
import { DEFAULT_FILTERS, toQuery, type MatrixFilters } from "./query";

export function exceptionFromDetail(d: RowDetailDto, environment: string | null): ExceptionInputDto {
  const failing = d.columns.filter((c) => isFailing(c.status)).map((c) => c.label);
  const env = environment ?? failing[failing.length - 1] ?? d.columns[d.columns.length - 1]?.label ?? "";
  return {
    id: null,
    resource: d.row.key,
    attribute: d.row.attribute,
    environments: env ? [env] : [],
    expected: {},
    elements: env ? elementsFor(d, env) : [],
    justification: "",
    owner: "",
    expires: isoDatePlus(90),
    ticket: null,
  };
}

export function MatrixScreen({ columns, onResetColumns }: { columns: string[]; onResetColumns: () => void }) {
  const [filters, setFilters] = useState<MatrixFilters>(DEFAULT_FILTERS);
  const [selected, setSelected] = useState<number | null>(null);
  const [open, setOpen] = useState<{ index: number; column?: number } | null>(null);
  const [creating, setCreating] = useState<{ detail: RowDetailDto; column?: number } | null>(null);
  const meta = useQuery({ queryKey: ["matrix", "meta", columns], queryFn: () => api.matrixMeta(columns) });
  const client = useQueryClient();
  const baseline = useMutation({
    mutationFn: async (choose: boolean) => {
      if (!choose) return api.setBaseline(null);
      const path = await api.chooseFile("baseline", null);
      if (path === null) return;
      return api.setBaseline(path);
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ["matrix"] }),
  });
  const query = toQuery(filters);

  const onSelect = useCallback((pos: number) => setSelected(pos), []);
  const onOpen = useCallback((row: RowDto, column?: number) => setOpen({ index: row.index, column }), []);
  const changeFilters = useCallback((f: MatrixFilters) => {
    setFilters(f);
    setSelected(null);
  }, []);

  if (meta.error) return <ErrorNote error={meta.error} />;
  if (!meta.data) return <div className="empty">Computing the matrix…</div>;
  const m = meta.data;
  const envOf = (col?: number) => (col === undefined ? null : (m.columns[col]?.environment ?? null));

  return (
    <div className="matrix-screen">
      <div className="scores" aria-label="Parity per pair">
        {m.change_view && (
          <span className="pill">
            Change view of {m.columns[0]?.environment}{" "}
            <button type="button" className="link" onClick={onResetColumns}>
              back to environments
            </button>
          </span>
        )}
        {m.scores.map((s) => (
          <button
            type="button"
            key={`${s.a},${s.b}`}
            className={`score${filters.pair === `${s.a},${s.b}` ? " on" : ""}`}
            title={`${s.parity} of ${s.compared} rows at parity; click to filter this pair`}
            onClick={() => changeFilters({ ...filters, pair: filters.pair === `${s.a},${s.b}` ? "" : `${s.a},${s.b}` })}
          >
            {s.a} ↔ {s.b} <strong>{formatPercent(s.score)}</strong>
          </button>
        ))}
        {m.columns.map((c) => (
          <span key={c.label} className={`pill${c.snapshot.stale ? " stale" : ""}`} title={c.snapshot.taken_at}>
            {c.label}: {formatAge(c.snapshot.age_hours)} old{c.snapshot.stale ? " (stale)" : ""}
            {c.snapshot.missing.length > 0 ? ` · partial (${c.snapshot.missing.map((x) => x.kind).join(", ")})` : ""}
          </span>
        ))}
        {m.skipped.length > 0 && <span className="pill muted">no snapshot yet: {m.skipped.join(", ")}</span>}
      </div>
      {m.shared_secrets.length > 0 && (
        <div className="shared-secrets" role="alert" data-testid="shared-secrets">
          <strong>{sharedTitle(m.shared_secrets.filter((s) => !s.accepted_by).length)}</strong>{" "}
          (the same value, compared by keyed fingerprint, never shown):
          <ul>
            {m.shared_secrets.map((s) => (
              <li key={`${s.index}:${s.a}:${s.b}`}>
                <button type="button" className="link" onClick={() => setOpen({ index: s.index })}>
                  {s.key} · {s.attribute}
                </button>{" "}
                in {s.a} and {s.b}
                {s.accepted_by ? ` — accepted by ${s.accepted_by}` : " — fails the gate"}
              </li>
            ))}
          </ul>
        </div>
      )}
      {!m.change_view && (
        <div className="baseline-bar" data-testid="baseline-bar">
          {m.baseline ? (
            <>
              <span title={m.baseline.path}>
                Baseline <code>{fileName(m.baseline.path)}</code>: {m.baseline.baselined_rows} rows baselined
                {m.baseline.gone.length > 0 ? `, ${m.baseline.gone.length} entries no longer occur` : ""}
              </span>
              <button type="button" className="link" onClick={() => baseline.mutate(true)}>
                change…
              </button>
              <button type="button" className="link" onClick={() => baseline.mutate(false)}>
                clear
              </button>
            </>
          ) : (
            <button type="button" className="link" data-testid="choose-baseline" onClick={() => baseline.mutate(true)}>
              Choose a baseline file…
            </button>
          )}
          <ErrorNote error={baseline.error} />
        </div>
      )}
      <Filters meta={m} filters={filters} onChange={changeFilters} />
      <div className={`matrix-area${open ? " with-detail" : ""}`}>
        <MatrixTable
          columns={columns}
          meta={m}
          query={query}
          selected={selected}
          onSelect={onSelect}
          onOpen={onOpen}
        />
        {open && (
          <DetailPanel
            columns={columns}
            index={open.index}
            changeView={m.change_view}
            onClose={() => setOpen(null)}
            onCreateException={(detail) => setCreating({ detail, column: open.column })}
          />
        )}
      </div>
      {creating && (
        <Modal title="Mark a difference as intentional" onClose={() => setCreating(null)}>
          <ExceptionForm
            mode="create"
            initial={exceptionFromDetail(creating.detail, envOf(creating.column))}
            environments={m.columns.map((c) => c.environment)}
            observed={Object.fromEntries(creating.detail.columns.map((c) => [c.label, c.raw]))}
            onCancel={() => setCreating(null)}
            onDone={() => setCreating(null)}
          />
        </Modal>
      )}
    </div>
  );
}

/** The last part of a path (either separator). */
function fileName(path: string): string {
  return path.split(/[/\\]/).pop() ?? path;
}

/** "1 secret shared between environments", "2 secrets …". */
function sharedTitle(n: number): string {
  return `${n} ${n === 1 ? "secret" : "secrets"} shared between environments`;
}

// "Compare for a service" (docs/CONTRACTS.md "Fix hints and the incident view"): during an
// incident, everything that differs between two environments for one service — its resources by
// service tag or name, and what they reference — ordered security, network, version, resilience,
// config, size, each row with what would make it converge. A row opens the matrix's detail panel
// of the same comparison, from which a difference can be marked as intentional (for the
// environment its hint says should change).
import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import type { IncidentDto, IncidentRowDto, RowDetailDto } from "../../bindings";
import { api } from "../../api";
import { ErrorNote } from "../../components/ErrorNote";
import { Modal } from "../../components/Modal";
import { StatusBadge } from "../../components/StatusBadge";
import { isFailing } from "../../lib/status";
import { ExceptionForm } from "../exceptions/ExceptionForm";
import { DetailPanel } from "../matrix/DetailPanel";
import { exceptionFromDetail } from "../matrix/MatrixScreen";

interface Asked {
  a: string;
  b: string;
  service: string;
}

/** The environment compared against the reference by default: the one before it, else the first other. */
export function defaultPair(environments: string[], reference: string | null): [string, string] {
  const b = reference ?? environments[environments.length - 1] ?? "";
  const others = environments.filter((e) => e !== b);
  const at = environments.indexOf(b);
  const a = (at > 0 ? environments[at - 1] : undefined) ?? others[0] ?? "";
  return [a, b];
}

/** "why" of a covered resource as a reader says it. */
export function includedBecause(r: IncidentDto["resources"][number], serviceTag: string): string {
  if (r.why === "tag") return `${serviceTag} tag`;
  if (r.why === "name") return "name";
  return r.from ? `referenced by ${r.from}` : "referenced";
}

export function IncidentScreen() {
  const options = useQuery({ queryKey: ["matrix", "incident-options"], queryFn: api.incidentOptions });
  const [a, setA] = useState<string | null>(null);
  const [b, setB] = useState<string | null>(null);
  const [service, setService] = useState("");
  const [asked, setAsked] = useState<Asked | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [creating, setCreating] = useState<RowDetailDto | null>(null);
  const view = useQuery({
    queryKey: ["matrix", "incident", asked?.a, asked?.b, asked?.service],
    queryFn: () => api.incident(asked!.a, asked!.b, asked!.service),
    enabled: asked !== null,
  });

  if (options.error) return <ErrorNote error={options.error} />;
  if (!options.data) return <div className="empty">Reading the environments…</div>;
  const o = options.data;
  if (o.environments.length < 2) {
    return <div className="empty">Compare for a service needs snapshots of two environments.</div>;
  }
  const [defA, defB] = defaultPair(o.environments, o.reference);
  const curA = a ?? defA;
  const curB = b ?? defB;
  const ask = (e: FormEvent) => {
    e.preventDefault();
    setOpen(null);
    setAsked({ a: curA, b: curB, service: service.trim() });
  };
  const columns = asked ? [asked.a, asked.b] : [];

  return (
    <div className="incident-screen">
      <form className="toolbar incident-form" onSubmit={ask} aria-label="Compare for a service">
        <label>
          Service{" "}
          <input
            data-testid="incident-service"
            list="incident-services"
            placeholder={`${o.service_tag} tag or name`}
            value={service}
            onChange={(e) => setService(e.target.value)}
          />
          <datalist id="incident-services">
            {o.services.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
        <EnvironmentSelect label="works in" testId="incident-a" value={curA} options={o.environments} onChange={setA} />
        <EnvironmentSelect label="fails in" testId="incident-b" value={curB} options={o.environments} onChange={setB} />
        <button type="submit" className="primary" data-testid="incident-compare" disabled={!service.trim() || curA === curB}>
          Compare
        </button>
        {o.reference && <span className="muted">fixes converge towards {o.reference}</span>}
      </form>
      <ErrorNote error={view.error} />
      {asked && view.isPending && <div className="empty">Comparing…</div>}
      {view.data && (
        <div className={`incident-area${open !== null ? " with-detail" : ""}`}>
          <IncidentResult view={view.data} selected={open} onOpen={setOpen} />
          {open !== null && (
            <DetailPanel
              columns={columns}
              index={open}
              changeView={false}
              onClose={() => setOpen(null)}
              onCreateException={setCreating}
            />
          )}
        </div>
      )}
      {creating && (
        <Modal title="Mark a difference as intentional" onClose={() => setCreating(null)}>
          <ExceptionForm
            mode="create"
            initial={exceptionFromDetail(creating, creating.hints?.[0]?.environment ?? null)}
            environments={o.environments}
            observed={Object.fromEntries(creating.columns.map((c) => [c.label, c.raw]))}
            onCancel={() => setCreating(null)}
            onDone={() => setCreating(null)}
          />
        </Modal>
      )}
    </div>
  );
}

function EnvironmentSelect(props: {
  label: string;
  testId: string;
  value: string;
  options: string[];
  onChange: (v: string) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((e) => (
          <option key={e}>{e}</option>
        ))}
      </select>
    </label>
  );
}

function IncidentResult({
  view,
  selected,
  onOpen,
}: {
  view: IncidentDto;
  selected: number | null;
  onOpen: (index: number) => void;
}) {
  if (view.resources.length === 0) {
    return (
      <p className="empty" data-testid="incident-summary">
        No resource of {view.a} or {view.b} has the {view.service_tag} tag “{view.service}” or “{view.service}” in its
        name.
      </p>
    );
  }
  return (
    <div className="incident-result">
      <p className="note" data-testid="incident-summary">
        <strong>{view.service}</strong>, {view.a} ↔ {view.b}: {view.rows.length}{" "}
        {view.rows.length === 1 ? "difference" : "differences"} across {view.resources.length} resources,{" "}
        <strong className={view.unexplained > 0 ? "problem" : "ok"}>{view.unexplained} unexplained</strong>.
      </p>
      <details className="note" data-testid="incident-resources">
        <summary>Resources included ({view.resources.length})</summary>
        <ul className="plain">
          {view.resources.map((r) => (
            <li key={r.key}>
              <code>{r.key}</code> <span className="muted">— {includedBecause(r, view.service_tag)}</span>
            </li>
          ))}
        </ul>
      </details>
      {view.rows.length === 0 ? (
        <p className="empty">Nothing differs between {view.a} and {view.b} for this service.</p>
      ) : (
        <table className="list incident-rows" data-testid="incident-rows">
          <thead>
            <tr>
              <th>Category</th>
              <th>Status</th>
              <th>Resource · attribute</th>
              <th>{view.a}</th>
              <th>{view.b}</th>
              <th>To converge</th>
            </tr>
          </thead>
          <tbody>
            {view.rows.map((r) => (
              <IncidentRow key={r.index} row={r} selected={selected === r.index} onOpen={onOpen} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function IncidentRow({ row, selected, onOpen }: { row: IncidentRowDto; selected: boolean; onOpen: (i: number) => void }) {
  return (
    <tr
      className={`${selected ? "selected " : ""}${isFailing(row.status) ? "failing" : ""}`}
      data-testid="incident-row"
      data-key={row.key}
      data-attribute={row.attribute}
      tabIndex={0}
      onClick={() => onOpen(row.index)}
      onKeyDown={(e) => {
        if (e.key === "Enter") onOpen(row.index);
      }}
    >
      <td>{row.category}</td>
      <td>
        <StatusBadge status={row.status} />
      </td>
      <td>
        <span className="resource">{row.key}</span> <span className="attribute">{row.attribute}</span>
      </td>
      <td className="value wrap">{row.a ?? "—"}</td>
      <td className="value wrap">{row.b ?? "—"}</td>
      <td className="hint" data-testid="incident-hint">
        {row.hints.length === 0
          ? row.exceptions.length > 0
            ? `explained by ${row.exceptions.join(", ")}`
            : "—"
          : row.hints.map((h) => <div key={h.text}>{h.text}</div>)}
      </td>
    </tr>
  );
}

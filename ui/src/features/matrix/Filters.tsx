// The matrix filters: unexplained-only (the default), statuses, kind, category, pair, tag, search.
import { useEffect, useState } from "react";
import type { MatrixMetaDto } from "../../bindings";
import { CATEGORIES, STATUS_ORDER, type Status } from "../../lib/status";
import { DEFAULT_FILTERS, type MatrixFilters } from "./query";

interface Props {
  meta: MatrixMetaDto;
  filters: MatrixFilters;
  onChange: (f: MatrixFilters) => void;
}

export function Filters({ meta, filters, onChange }: Props) {
  // Search is debounced so typing does not send a query per key.
  const [search, setSearch] = useState(filters.search);
  useEffect(() => {
    if (search === filters.search) return;
    const t = setTimeout(() => onChange({ ...filters, search }), 150);
    return () => clearTimeout(t);
  }, [search, filters, onChange]);

  const set = (patch: Partial<MatrixFilters>) => onChange({ ...filters, ...patch });
  const toggleStatus = (s: Status) =>
    set({ statuses: filters.statuses.includes(s) ? filters.statuses.filter((x) => x !== s) : [...filters.statuses, s] });

  return (
    <div className="filters" role="search">
      <label className="toggle">
        <input
          type="checkbox"
          data-testid="unexplained-only"
          checked={filters.unexplainedOnly}
          onChange={(e) => set({ unexplainedOnly: e.target.checked })}
        />
        Unexplained drift only
      </label>
      <input
        type="search"
        placeholder="Search key, attribute, value…"
        aria-label="Search"
        data-testid="search"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      <select aria-label="Kind" value={filters.kind} onChange={(e) => set({ kind: e.target.value })}>
        <option value="">All kinds</option>
        {meta.kinds.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <select aria-label="Category" value={filters.category} onChange={(e) => set({ category: e.target.value })}>
        <option value="">All categories</option>
        {CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <select aria-label="Environment pair" value={filters.pair} onChange={(e) => set({ pair: e.target.value })}>
        <option value="">All pairs</option>
        {meta.scores.map((s) => (
          <option key={`${s.a},${s.b}`} value={`${s.a},${s.b}`}>
            {s.a} ↔ {s.b}
          </option>
        ))}
      </select>
      <input
        list="tag-keys"
        placeholder="Tag (Team=payments)"
        aria-label="Tag"
        value={filters.tag}
        onChange={(e) => set({ tag: e.target.value })}
      />
      <datalist id="tag-keys">
        {meta.tag_keys.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      <div className="status-chips" aria-label="Statuses">
        {STATUS_ORDER.map((s) => (
          <button
            key={s}
            type="button"
            className={`chip status-${s}${filters.statuses.includes(s) ? " on" : ""}`}
            aria-pressed={filters.statuses.includes(s)}
            onClick={() => toggleStatus(s)}
          >
            {s} <small>{meta.by_status[s] ?? 0}</small>
          </button>
        ))}
      </div>
      <button
        type="button"
        className="link"
        onClick={() => {
          setSearch("");
          onChange({ ...DEFAULT_FILTERS, unexplainedOnly: false });
        }}
      >
        Show everything
      </button>
    </div>
  );
}

// The matrix grid: TanStack Table defines the columns, only the rows in view are rendered (see
// rowWindow.ts), and rows arrive from Rust a page at a time (filtering and paging happen there).
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { flushSync } from "react-dom";
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type Row } from "@tanstack/react-table";
import type { MatrixMetaDto, MatrixPageDto, MatrixQueryDto, RowDto } from "../../bindings";
import { api } from "../../api";
import { StatusBadge } from "../../components/StatusBadge";
import { ErrorNote } from "../../components/ErrorNote";
import { markerText, markerTitle } from "../../lib/elements";
import { formatAge } from "../../lib/format";
import { PAGE_SIZE, pagesFor } from "./query";
import { firstInView, layoutHeight, scrollTopToShow, visibleRows, type Geometry } from "./rowWindow";

/** A row with its position in the filtered list. */
export interface PlacedRow extends RowDto {
  pos: number;
  /** First row of its resource in the list (shows the resource name). */
  groupStart: boolean;
}

const ROW_HEIGHT = 30;

/** The data of each page query (`useQueries`' `combine`; stable, so its result is kept until a
 * page's result changes). */
const pageData = (results: { data?: MatrixPageDto }[]) => results.map((r) => r.data);
const helper = createColumnHelper<PlacedRow>();

interface Props {
  columns: string[];
  meta: MatrixMetaDto;
  query: MatrixQueryDto;
  selected: number | null;
  onSelect: (pos: number, row: RowDto | undefined, column?: number) => void;
  onOpen: (row: RowDto, column?: number) => void;
  onTotal?: (total: number) => void;
}

export function MatrixTable({ columns, meta, query, selected, onSelect, onOpen, onTotal }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const pageKey = (p: number) => ["matrix", "page", columns, query, p] as const;
  const pageFn = (p: number) => () => api.matrixPage(columns, query, p * PAGE_SIZE, PAGE_SIZE);

  // The previous result stays on screen until the new filter's first page arrives (no flash).
  const first = useQuery({
    queryKey: pageKey(0),
    queryFn: pageFn(0),
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  const total = first.data?.total ?? 0;
  useEffect(() => {
    if (first.data) onTotal?.(first.data.total);
  }, [first.data, onTotal]);

  // The scroll area's position and height, read on every scroll (rendered before the browser
  // paints it, so the rows in view move with the scroll bar) and on every resize.
  const [view, setView] = useState({ top: 0, height: 0 });
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => setView({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(measure);
    observer?.observe(el);
    return () => observer?.disconnect();
  }, []);
  const onScroll = () => {
    const el = scrollRef.current;
    if (el) flushSync(() => setView({ top: el.scrollTop, height: el.clientHeight }));
  };
  const geometry: Geometry = { total, rowHeight: ROW_HEIGHT, viewport: view.height };
  const items = visibleRows(geometry, view.top, 8);
  const pages = pagesFor(items[0]?.index ?? 0, items[items.length - 1]?.index ?? 0).filter((p) => p > 0);
  // One array of the pages' data, a new one only when a page's result changes (the combine
  // function is stable), so the rows below are rebuilt exactly then — however many pages.
  const more = useQueries({
    queries: pages.map((p) => ({ queryKey: pageKey(p), queryFn: pageFn(p), staleTime: Infinity })),
    combine: pageData,
  });

  const loaded: PlacedRow[] = useMemo(() => {
    const out: PlacedRow[] = [];
    for (const page of [first.data, ...more]) {
      if (!page) continue;
      page.rows.forEach((r, i) => {
        const pos = page.offset + i;
        const prev = i > 0 ? page.rows[i - 1] : undefined;
        out.push({ ...r, pos, groupStart: !prev || prev.key !== r.key });
      });
    }
    return out;
  }, [first.data, more]);

  const defs = useMemo(
    () => [
      helper.accessor("key", {
        header: "Resource",
        cell: (c) => (
          <span className="resource" title={c.getValue()}>
            {c.getValue()}
          </span>
        ),
      }),
      helper.accessor("attribute", {
        header: "Attribute",
        cell: (c) => (
          <span className="attribute" title={`${c.getValue()} · ${c.row.original.category}`}>
            {c.getValue()}
          </span>
        ),
      }),
      helper.accessor("status", {
        header: "Status",
        cell: (c) => (
          <span className="status-cell">
            <StatusBadge status={c.getValue()} />
            {c.row.original.baselined && (
              <span className="baselined" title="in the baseline: known before, unchanged since" data-testid="baselined">
                baselined
              </span>
            )}
          </span>
        ),
      }),
      ...meta.columns.map((col, i) =>
        helper.display({
          id: `col-${i}`,
          header: () => (
            <span className="col-head" title={`snapshot ${col.snapshot.id} taken ${col.snapshot.taken_at}`}>
              {col.label}
              <small className={col.snapshot.stale ? "stale" : "age"}>
                {formatAge(col.snapshot.age_hours)} ago{col.snapshot.stale ? " · stale" : ""}
                {col.snapshot.missing.length > 0 ? " · partial" : ""}
              </small>
            </span>
          ),
          cell: (c) => {
            const cell = c.row.original.cells[i];
            return (
              <span
                className={`cell status-${cell?.status ?? "none"}`}
                data-col={col.label}
                title={cell?.status ?? "not covered by this snapshot's source"}
                onClick={(e) => {
                  e.stopPropagation();
                  onSelect(c.row.original.pos, c.row.original, i);
                  onOpen(c.row.original, i);
                }}
              >
                <span className="cell-value">{cell?.value ?? (cell?.status ? "—" : "n/a")}</span>
                {cell?.marker && (
                  <span className="marker" data-testid="marker" title={markerTitle(cell.marker, col.label)}>
                    {markerText(cell.marker)}
                  </span>
                )}
              </span>
            );
          },
        }),
      ),
    ],
    [meta.columns, onOpen, onSelect],
  );

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table returns functions by design
  const table = useReactTable({
    data: loaded,
    columns: defs,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => String(r.pos),
  });
  const byPos = table.getRowModel().rowsById;
  const firstVisible = firstInView(geometry, view.top);
  const gridTemplate = `minmax(260px, 2.4fr) minmax(170px, 1.3fr) 150px repeat(${meta.columns.length}, minmax(140px, 1.5fr))`;

  // The selected row scrolls into view (keyboard moves, a row chosen elsewhere).
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || selected === null || selected >= total) return;
    const g: Geometry = { total, rowHeight: ROW_HEIGHT, viewport: el.clientHeight };
    const top = scrollTopToShow(g, el.scrollTop, selected);
    if (top !== null) el.scrollTop = top;
  }, [selected, total]);

  const activate = useCallback(
    (r: PlacedRow) => {
      onSelect(r.pos, r);
      onOpen(r);
    },
    [onSelect, onOpen],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20, j: 1, k: -1 };
    if (e.key in step) {
      e.preventDefault();
      const next = Math.min(total - 1, Math.max(0, (selected ?? -1) + (step[e.key] ?? 0)));
      if (total > 0) onSelect(next, byPos[String(next)]?.original);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      if (total > 0) {
        const next = e.key === "Home" ? 0 : total - 1;
        onSelect(next, byPos[String(next)]?.original);
      }
    } else if (e.key === "Enter" && selected !== null) {
      const row = byPos[String(selected)]?.original;
      if (row) onOpen(row);
    }
  };

  if (first.error) return <ErrorNote error={first.error} />;
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  return (
    // ARIA row numbers count the header row as the first, so a screen reader (and a test) can
    // tell which of the `total` rows a rendered one is.
    <div className="matrix" role="grid" aria-rowcount={total + 1} aria-label="Environment matrix">
      <div className="matrix-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: gridTemplate }}>
        {headers.map((h) => (
          <div key={h.id} role="columnheader" className="th">
            {flexRender(h.column.columnDef.header, h.getContext())}
          </div>
        ))}
      </div>
      <div
        ref={scrollRef}
        className="matrix-body"
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={onScroll}
        data-testid="matrix-body"
        data-total={total}
        data-loading={first.isFetching}
        data-query-us={first.data?.elapsed_us}
      >
        {first.isPending && <div className="empty">Loading…</div>}
        {first.data && total === 0 && (
          <div className="empty" data-testid="matrix-empty">
            No rows match these filters{query.unexplained_only ? " — no unexplained drift" : ""}.
          </div>
        )}
        <div style={{ height: layoutHeight(geometry), position: "relative" }}>
          {items.map((item) => {
            const row = byPos[String(item.index)];
            if (!row) {
              return (
                <div
                  key={item.index}
                  className="tr loading"
                  style={{ transform: `translateY(${item.top}px)`, height: ROW_HEIGHT, gridTemplateColumns: gridTemplate }}
                  role="row"
                  aria-rowindex={item.index + 2}
                >
                  <div className="td">…</div>
                </div>
              );
            }
            const r = row.original;
            return (
              <MatrixRow
                key={item.index}
                row={row}
                defs={defs}
                start={item.top}
                gridTemplate={gridTemplate}
                selected={selected === r.pos}
                // The first visible row names its resource even mid-group.
                named={r.groupStart || item.index === firstVisible}
                onActivate={activate}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

interface MatrixRowProps {
  row: Row<PlacedRow>;
  /** The column definitions the cells render with (a change re-renders the row). */
  defs: unknown;
  start: number;
  gridTemplate: string;
  selected: boolean;
  named: boolean;
  onActivate: (r: PlacedRow) => void;
}

/** Two renders of a row show the same thing when the row's content and placement are the same
 * (its page may have been re-fetched into new objects with the same cells). */
export function sameRow(a: MatrixRowProps, b: MatrixRowProps): boolean {
  const x = a.row.original;
  const y = b.row.original;
  return (
    a.defs === b.defs &&
    a.start === b.start &&
    a.gridTemplate === b.gridTemplate &&
    a.selected === b.selected &&
    a.named === b.named &&
    a.onActivate === b.onActivate &&
    x.pos === y.pos &&
    x.key === y.key &&
    x.attribute === y.attribute &&
    x.status === y.status &&
    x.groupStart === y.groupStart &&
    x.baselined === y.baselined &&
    x.cells === y.cells
  );
}

/** One virtualised row; memoised so that a filter change re-renders only the rows that changed. */
const MatrixRow = memo(function MatrixRow({ row, start, gridTemplate, selected, named, onActivate }: MatrixRowProps) {
  const r = row.original;
  return (
    <div
      role="row"
      aria-rowindex={r.pos + 2}
      aria-selected={selected}
      className={`tr${selected ? " selected" : ""}${r.groupStart ? " group-start" : ""}${named ? " named" : ""}`}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT, gridTemplateColumns: gridTemplate }}
      data-key={r.key}
      data-attribute={r.attribute}
      data-status={r.status}
      onClick={() => onActivate(r)}
    >
      {row.getVisibleCells().map((cell) => (
        <div key={cell.id} role="gridcell" className="td">
          {flexRender(cell.column.columnDef.cell, cell.getContext())}
        </div>
      ))}
    </div>
  );
}, sameRow);

// The matrix screen's filter state and the query Rust answers (filtering happens in Rust).
import { CATEGORIES, type Category, type MatrixQueryDto, type Status } from "../../bindings";

export interface MatrixFilters {
  statuses: Status[];
  kind: string;
  category: string;
  /** "a,b" column labels, or "". */
  pair: string;
  tag: string;
  search: string;
  unexplainedOnly: boolean;
}

export const DEFAULT_FILTERS: MatrixFilters = {
  statuses: [],
  kind: "",
  category: "",
  pair: "",
  tag: "",
  search: "",
  unexplainedOnly: true,
};

export function toQuery(f: MatrixFilters): MatrixQueryDto {
  const [a, b] = f.pair.split(",");
  return {
    statuses: f.statuses,
    categories: CATEGORIES.filter((c: Category) => c === f.category),
    kinds: f.kind ? [f.kind] : [],
    pair: a && b ? [a, b] : null,
    search: f.search.trim() ? f.search.trim() : null,
    tag: f.tag.trim() ? f.tag.trim() : null,
    unexplained_only: f.unexplainedOnly,
  };
}

export const PAGE_SIZE = 200;

/** The pages (by index) that cover rows [start, end]. */
export function pagesFor(start: number, end: number, pageSize = PAGE_SIZE): number[] {
  if (end < start) return [];
  const first = Math.floor(Math.max(0, start) / pageSize);
  const last = Math.floor(Math.max(0, end) / pageSize);
  const out: number[] = [];
  for (let p = first; p <= last; p++) out.push(p);
  return out;
}

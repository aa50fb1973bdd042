// Which rows of the matrix grid to render, and where: fixed-height rows, so this is arithmetic.
//
// Why not TanStack Virtual here: a large estate's matrix has 1.5 M rows (3 × 100,000 resources),
// and two of its limits bite there. (1) WebKit clamps an element's height at 2^25 px
// (33,554,431 px), so a list laid out one pixel per pixel stops scrolling after 1,118,481 rows of
// 30 px — the last rows cannot be reached (TanStack/virtual#616, open). (2) It lays out every row
// (an object per row) whenever the count changes, which costs hundreds of milliseconds per filter
// change at 1.5 M rows. Here a list taller than `LAYOUT_LIMIT` is laid out compressed: the scroll
// area is `LAYOUT_LIMIT` tall and a scroll position maps linearly onto the whole list, so every
// row stays reachable, and nothing is computed per row outside the window.

/** The tallest scroll area the grid lays out (px), well under WebKit's 2^25 px. */
export const LAYOUT_LIMIT = 8_000_000;

export interface Geometry {
  /** Rows in the list. */
  total: number;
  rowHeight: number;
  /** Visible height of the scroll area (px). */
  viewport: number;
  /** Tallest scroll area laid out (px); `LAYOUT_LIMIT` unless a test says otherwise. */
  limit?: number;
}

/** The height of the whole list (px). */
function contentHeight(g: Geometry): number {
  return g.total * g.rowHeight;
}

/** The height of the scroll area's content (px): the list's, or `limit` when taller. */
export function layoutHeight(g: Geometry): number {
  return Math.min(contentHeight(g), g.limit ?? LAYOUT_LIMIT);
}

/** How many list pixels one scrolled pixel moves (1 unless the layout is compressed). */
function ratio(g: Geometry): number {
  const content = contentHeight(g);
  const layout = layoutHeight(g);
  if (content <= layout || layout <= g.viewport) return 1;
  return (content - g.viewport) / (layout - g.viewport);
}

/** The furthest the scroll area scrolls (px). */
export function maxScrollTop(g: Geometry): number {
  return Math.max(0, layoutHeight(g) - g.viewport);
}

/** The list offset (px) shown at the top of the view when the scroll area is at `scrollTop`. */
export function listOffset(g: Geometry, scrollTop: number): number {
  const top = Math.min(Math.max(0, scrollTop), maxScrollTop(g));
  return top * ratio(g);
}

/** A row to render: its index and its top in the scroll area's content (px). */
export interface Slot {
  index: number;
  top: number;
}

/** The rows in view at `scrollTop`, plus `overscan` rows either side. */
export function visibleRows(g: Geometry, scrollTop: number, overscan: number): Slot[] {
  if (g.total === 0) return [];
  const top = Math.min(Math.max(0, scrollTop), maxScrollTop(g));
  const offset = listOffset(g, top);
  const first = Math.max(0, Math.floor(offset / g.rowHeight) - overscan);
  const last = Math.min(g.total - 1, Math.ceil((offset + g.viewport) / g.rowHeight) - 1 + overscan);
  const out: Slot[] = [];
  for (let index = first; index <= last; index++) {
    out.push({ index, top: top + index * g.rowHeight - offset });
  }
  return out;
}

/** The first row whose bottom is below the top of the view at `scrollTop`. */
export function firstInView(g: Geometry, scrollTop: number): number {
  return Math.min(Math.max(0, g.total - 1), Math.floor(listOffset(g, scrollTop) / g.rowHeight));
}

/** The scroll position that brings row `index` into view with the least movement, or `null`
 * when it is in view at `scrollTop` already. */
export function scrollTopToShow(g: Geometry, scrollTop: number, index: number): number | null {
  const offset = listOffset(g, scrollTop);
  const rowTop = index * g.rowHeight;
  // rounded so that the whole row shows: a compressed scroll pixel moves several list pixels
  let target: number;
  if (rowTop < offset) target = Math.floor(rowTop / ratio(g));
  else if (rowTop + g.rowHeight > offset + g.viewport) target = Math.ceil((rowTop + g.rowHeight - g.viewport) / ratio(g));
  else return null;
  return Math.min(Math.max(0, target), maxScrollTop(g));
}

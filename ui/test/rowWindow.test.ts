import { describe, expect, it } from "vitest";
import { firstInView, layoutHeight, maxScrollTop, scrollTopToShow, visibleRows, type Geometry } from "../src/features/matrix/rowWindow";

const H = 30;

describe("the matrix grid's row window", () => {
  it("lays a short list out one pixel per pixel", () => {
    const g: Geometry = { total: 1000, rowHeight: H, viewport: 300 };
    expect(layoutHeight(g)).toBe(30_000);
    const rows = visibleRows(g, 600, 2);
    // rows 20..29 are in view, two more either side
    expect(rows.map((r) => r.index)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
    expect(rows.find((r) => r.index === 20)?.top).toBe(600);
    expect(firstInView(g, 615)).toBe(20);
    expect(scrollTopToShow(g, 600, 25)).toBeNull();
    expect(scrollTopToShow(g, 600, 40)).toBe(40 * H + H - 300);
    expect(scrollTopToShow(g, 600, 3)).toBe(90);
    expect(visibleRows({ ...g, total: 0 }, 0, 8)).toEqual([]);
  });

  it("reaches every row of 1.5 M, past the height WebKit lays out", () => {
    const g: Geometry = { total: 1_500_000, rowHeight: H, viewport: 700 };
    // 45 M px of rows in a scroll area under WebKit's 2^25 px
    expect(layoutHeight(g)).toBeLessThan(2 ** 25);
    const bottom = maxScrollTop(g);
    const atEnd = visibleRows(g, bottom, 0);
    const last = atEnd[atEnd.length - 1]!;
    expect(last.index).toBe(1_499_999);
    // the last row's bottom is the view's bottom
    expect(last.top + H).toBeCloseTo(bottom + g.viewport, 6);
    for (const index of [0, 1, 777_777, 1_118_481, 1_250_000, 1_499_998, 1_499_999]) {
      const top = scrollTopToShow(g, 0, index) ?? 0;
      const slot = visibleRows(g, top, 0).find((r) => r.index === index);
      expect(slot, `row ${index}`).toBeTruthy();
      // wholly in view
      expect(slot!.top).toBeGreaterThanOrEqual(top - 1e-6);
      expect(slot!.top + H).toBeLessThanOrEqual(top + g.viewport + 1e-6);
    }
    // rows in view are consecutive and a row apart, whatever the compression
    const mid = visibleRows(g, 3_000_000, 1);
    mid.slice(1).forEach((r, i) => {
      expect(r.index).toBe(mid[i]!.index + 1);
      expect(r.top - mid[i]!.top).toBeCloseTo(H, 6);
    });
    expect(mid.length).toBeLessThanOrEqual(Math.ceil(g.viewport / H) + 3);
  });
});

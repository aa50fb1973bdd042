// The matrix grid against a mocked IPC: rows far down a long list arrive and show when scrolled to.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, waitFor, fireEvent } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { MatrixMetaDto, MatrixPageDto, MatrixQueryDto, RowDto } from "../src/bindings";
import { MatrixTable } from "../src/features/matrix/MatrixTable";
import { scrollTopToShow } from "../src/features/matrix/rowWindow";
import { snapshot } from "./fixtures";

// 30 M px of rows: laid out compressed (rowWindow.ts)
const TOTAL = 1_000_000;

const meta: MatrixMetaDto = {
  columns: [
    { label: "staging", environment: "staging", snapshot: snapshot(1, "staging") },
    { label: "prod", environment: "prod", snapshot: snapshot(2, "prod") },
  ],
  change_view: false,
  scores: [],
  total_rows: TOTAL,
  by_status: { same: TOTAL },
  kinds: ["ec2.instance"],
  tag_keys: [],
  skipped: [],
  compute_ms: 3,
  from_cache: false,
  baseline: null,
  shared_secrets: [],
};

const query: MatrixQueryDto = { statuses: [], categories: [], kinds: [], pair: null, search: null, tag: null, unexplained_only: false };

const row = (index: number): RowDto => ({
  index,
  kind: "ec2.instance",
  key: `ec2.instance/svc${index}`,
  attribute: "instance_type",
  category: "size",
  status: "same",
  cells: [
    { status: "same", value: "t3.small", marker: null },
    { status: "same", value: "t3.small", marker: null },
  ],
  exceptions: [],
  baselined: false,
});

describe("the matrix grid", () => {
  const height = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
  beforeEach(() => {
    // jsdom lays nothing out: the grid's scroll area is 300 px tall here
    Object.defineProperty(HTMLElement.prototype, "clientHeight", {
      configurable: true,
      get(this: HTMLElement) {
        return this.dataset.testid === "matrix-body" ? 300 : 0;
      },
    });
  });
  afterEach(() => {
    if (height) Object.defineProperty(HTMLElement.prototype, "clientHeight", height);
  });

  it("shows the rows of pages far down a million-row list once scrolled there, down to the last row", async () => {
    const asked: number[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "matrix_page") throw new Error(`unexpected ${cmd}`);
      const { offset, limit } = args as { offset: number; limit: number };
      asked.push(offset);
      const rows = [];
      for (let i = offset; i < Math.min(TOTAL, offset + limit); i++) rows.push(row(i));
      const page: MatrixPageDto = { total: TOTAL, offset, elapsed_us: 10, rows };
      return page;
    });
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const { container } = render(
      <QueryClientProvider client={client}>
        <MatrixTable columns={[]} meta={meta} query={query} selected={null} onSelect={() => {}} onOpen={() => {}} />
      </QueryClientProvider>,
    );
    const shown = (n: number) => container.querySelector(`.tr[data-key][aria-rowindex="${n + 2}"]`);
    await waitFor(() => expect(shown(0)).toBeTruthy());
    const body = container.querySelector<HTMLElement>('[data-testid="matrix-body"]')!;

    // row 500 is on the third page (rows 400–599)
    body.scrollTop = scrollTopToShow({ total: TOTAL, rowHeight: 30, viewport: 300 }, 0, 500)!;
    fireEvent.scroll(body);
    await waitFor(() => expect(shown(500)?.getAttribute("data-key")).toBe("ec2.instance/svc500"));
    expect(asked).toContain(400);

    // as far down as it scrolls: the list's last row
    body.scrollTop = 1e9;
    fireEvent.scroll(body);
    await waitFor(() => expect(shown(TOTAL - 1)?.getAttribute("data-key")).toBe(`ec2.instance/svc${TOTAL - 1}`));
    expect(asked).toContain(TOTAL - 200);
  });
});

// Element-level differences and the baseline in the desktop (docs/CONTRACTS.md "Element
// differences", "Baseline"): the marker and `+`/`-` lines, the detail panel's element lists, the
// elements an exception is pre-filled with, and the baseline bar.
import { describe, expect, it } from "vitest";
import { render, screen, fireEvent, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ReactNode } from "react";
import type { MatrixMetaDto, MatrixPageDto, RowDetailDto } from "../src/bindings";
import { elementsFor, markerText, markerTitle, pairLines } from "../src/lib/elements";
import { DetailPanel } from "../src/features/matrix/DetailPanel";
import { MatrixScreen, exceptionFromDetail } from "../src/features/matrix/MatrixScreen";

function wrap(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

const WORLD = "tcp 443 from 0.0.0.0/0";
const ALB = "tcp 443 from ec2.security_group/alb";

const row = {
  index: 12,
  kind: "ec2.security_group",
  key: "ec2.security_group/web",
  attribute: "ingress",
  category: "security" as const,
  status: "drift" as const,
  cells: [
    { status: "drift" as const, value: `[${ALB}]`, marker: { plus: 0, minus: 1, against: "staging" } },
    { status: "drift" as const, value: `[${WORLD}, ${ALB}]`, marker: { plus: 1, minus: 0, against: "dev" } },
    { status: "drift" as const, value: `[${ALB}]`, marker: { plus: 0, minus: 1, against: "staging" } },
  ],
  exceptions: [],
  baselined: false,
};

const detail: RowDetailDto = {
  row,
  columns: [
    { label: "dev", status: "drift", raw: `[${ALB}]`, normalised: `[${ALB}]`, elements: [ALB], taken_at: "2026-11-26T10:00:00Z" },
    { label: "staging", status: "drift", raw: `[${WORLD}, ${ALB}]`, normalised: `[${WORLD}, ${ALB}]`, elements: [WORLD, ALB], taken_at: "2026-11-26T10:00:00Z" },
    { label: "prod", status: "drift", raw: `[${ALB}]`, normalised: `[${ALB}]`, elements: [ALB], taken_at: "2026-11-26T10:00:00Z" },
  ],
  pairs: [
    { a: "dev", b: "staging", status: "drift", only_a: [], only_b: [WORLD], baselined: false },
    { a: "dev", b: "prod", status: "same", only_a: [], only_b: [], baselined: false },
    { a: "staging", b: "prod", status: "drift", only_a: [WORLD], only_b: [], baselined: true },
  ],
  pairings: [],
  exceptions: [],
};

describe("element differences", () => {
  it("reads as a compact marker and +/- lines", () => {
    expect(markerText({ plus: 1, minus: 0, against: "dev" })).toBe("+1 -0");
    expect(markerTitle({ plus: 1, minus: 2, against: "dev" }, "staging")).toBe(
      "staging has 1 element that dev lacks, and lacks 2 elements that dev has",
    );
    expect(pairLines(detail.pairs[0]!)).toEqual([`+ ${WORLD}`]);
    expect(pairLines(detail.pairs[2]!)).toEqual([`- ${WORLD}`]);
    expect(pairLines({ a: "a", b: "b", status: "drift", only_a: null, only_b: null, baselined: false })).toEqual([]);
  });

  it("pre-fills an exception with the extra elements of the environment's differing pairs", () => {
    expect(elementsFor(detail, "staging")).toEqual([WORLD]);
    expect(elementsFor(detail, "prod")).toEqual([WORLD]);
    const input = exceptionFromDetail(detail, "staging");
    expect(input.environments).toEqual(["staging"]);
    expect(input.elements).toEqual([WORLD]);
  });

  it("lists each column's elements and each pair's extras in the detail panel, never JSON", async () => {
    mockIPC((cmd) => {
      if (cmd === "row_detail") return detail;
      throw new Error(`unexpected ${cmd}`);
    });
    const { container } = wrap(
      <DetailPanel columns={[]} index={12} changeView={false} onClose={() => {}} onCreateException={() => {}} />,
    );
    const pair = await screen.findByTestId("pair-dev-staging");
    expect(pair.textContent).toContain(`+ ${WORLD}`);
    expect(screen.getByTestId("pair-staging-prod").textContent).toContain(`- ${WORLD}`);
    expect(screen.getByTestId("pair-staging-prod").textContent).toContain("baselined");
    expect(screen.getByTestId("pair-dev-staging").textContent).not.toContain("baselined");
    const items = [...container.querySelectorAll(".elements li")].map((li) => li.textContent);
    expect(items).toEqual([ALB, WORLD, ALB, ALB]);
    expect(container.textContent).not.toMatch(/[{}"]|protocol/);
  });
});

describe("baseline bar", () => {
  const base: MatrixMetaDto = {
    columns: [],
    change_view: false,
    scores: [],
    total_rows: 0,
    by_status: {},
    kinds: [],
    tag_keys: [],
    skipped: [],
    compute_ms: 1,
    from_cache: false,
    baseline: null,
    shared_secrets: [],
  };
  const empty: MatrixPageDto = { total: 0, offset: 0, elapsed_us: 1, rows: [] };

  it("offers to choose a baseline, then shows it and clears it through Rust", async () => {
    let current: MatrixMetaDto = {
      ...base,
      baseline: { path: "/ci/envparity-baseline.txt", entries: 62, baselined_rows: 28, gone: ["x a dev,prod"] },
    };
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "matrix_meta") return current;
      if (cmd === "matrix_page") return empty;
      if (cmd === "set_baseline") {
        sent.push(args);
        current = base;
        return null;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    wrap(<MatrixScreen columns={[]} onResetColumns={() => {}} />);
    const bar = await screen.findByTestId("baseline-bar");
    expect(bar.textContent).toContain("Baseline envparity-baseline.txt: 28 rows baselined, 1 entries no longer occur");
    fireEvent.click(screen.getByText("clear"));
    await waitFor(() => expect(sent).toEqual([{ path: null }]));
    expect(await screen.findByTestId("choose-baseline")).toBeTruthy();
  });
});

// Fix hints in the desktop's detail panel (docs/CONTRACTS.md "Fix hints and the incident view"):
// each hint's text, and what it converges to (the reference environment or an exception's
// expected value).
import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ReactNode } from "react";
import type { RowDetailDto } from "../src/bindings";
import { DetailPanel } from "../src/features/matrix/DetailPanel";

function wrap(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

const row = {
  index: 3,
  kind: "rds.db_parameter_group",
  key: "rds.db_parameter_group/orders-pg",
  attribute: "parameters.max_connections",
  category: "config" as const,
  status: "violated" as const,
  cells: [
    { status: "violated" as const, value: "200", marker: null },
    { status: "violated" as const, value: "400", marker: null },
  ],
  exceptions: ["prod-max-connections"],
  baselined: false,
};

const STAGING = 'staging: staging-orders-pg Parameters[max_connections] = "400"';
const PROD = 'prod: prod-orders-pg Parameters[max_connections] = "500"';

const detail = {
  row,
  columns: [
    { label: "staging", status: "violated", raw: "200", normalised: "200", elements: null, taken_at: "2026-11-26T10:00:00Z" },
    { label: "prod", status: "violated", raw: "400", normalised: "400", elements: null, taken_at: "2026-11-26T10:00:00Z" },
  ],
  pairs: [{ a: "staging", b: "prod", status: "violated", only_a: null, only_b: null, baselined: false }],
  pairings: [],
  exceptions: [],
  hints: [
    { environment: "staging", towards: "prod", exception: null, text: STAGING },
    { environment: "prod", towards: "expected", exception: "prod-max-connections", text: PROD },
  ],
} as unknown as RowDetailDto;

describe("fix hints in the detail panel", () => {
  it("lists each environment's hint and what it converges to", async () => {
    mockIPC((cmd) => {
      if (cmd === "row_detail") return detail;
      throw new Error(`unexpected ${cmd}`);
    });
    wrap(<DetailPanel columns={[]} index={3} changeView={false} onClose={() => {}} onCreateException={() => {}} />);
    const staging = await screen.findByTestId("hint-staging");
    expect(staging.textContent).toContain(STAGING);
    expect(staging.textContent).toContain("towards prod, the reference environment");
    const prod = screen.getByTestId("hint-prod");
    expect(prod.textContent).toContain(PROD);
    expect(prod.textContent).toContain("the value exception prod-max-connections expects");
    expect(screen.getByText("To converge")).toBeTruthy();
  });

  it("shows no section when the row needs nothing", async () => {
    mockIPC((cmd) => {
      if (cmd === "row_detail") return { ...detail, hints: [] };
      throw new Error(`unexpected ${cmd}`);
    });
    wrap(<DetailPanel columns={[]} index={3} changeView={false} onClose={() => {}} onCreateException={() => {}} />);
    await screen.findByText("Why these were paired");
    expect(screen.queryByText("To converge")).toBeNull();
  });
});

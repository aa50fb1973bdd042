// "Compare for a service" in the desktop (docs/CONTRACTS.md "Fix hints and the incident view"):
// the default pair (towards the reference environment), what the form sends, and the rows shown
// in the order the backend gives with their hints.
import { describe, expect, it } from "vitest";
import { render, screen, fireEvent, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ReactNode } from "react";
import type { IncidentDto, IncidentOptionsDto } from "../src/bindings";
import { IncidentScreen, defaultPair, includedBecause } from "../src/features/incident/IncidentScreen";

function wrap(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

const options: IncidentOptionsDto = {
  environments: ["dev", "staging", "prod"],
  reference: "prod",
  service_tag: "Service",
  services: ["checkout", "search"],
};

const view: IncidentDto = {
  service: "checkout",
  a: "staging",
  b: "prod",
  service_tag: "Service",
  resources: [
    { key: "rds.db_instance/orders-db", why: "tag", from: null },
    { key: "rds.db_parameter_group/orders-pg", why: "reference", from: "rds.db_instance/orders-db" },
  ],
  rows: [
    {
      index: 7,
      kind: "rds.db_instance",
      key: "rds.db_instance/orders-db",
      attribute: "engine_version",
      category: "version",
      status: "drift",
      a: "14.11",
      b: "15.6",
      exceptions: [],
      hints: [{ environment: "staging", towards: "prod", exception: null, text: 'staging: staging-orders-db EngineVersion = "15.6"' }],
    },
    {
      index: 3,
      kind: "rds.db_instance",
      key: "rds.db_instance/orders-db",
      attribute: "multi_az",
      category: "resilience",
      status: "intentional",
      a: "false",
      b: "true",
      exceptions: ["ex-1"],
      hints: [],
    },
  ],
  unexplained: 1,
};

describe("compare for a service", () => {
  it("compares towards the reference environment by default", () => {
    expect(defaultPair(["dev", "staging", "prod"], "prod")).toEqual(["staging", "prod"]);
    expect(defaultPair(["prod", "dev"], "prod")).toEqual(["dev", "prod"]);
    expect(defaultPair(["a", "b", "c"], null)).toEqual(["b", "c"]);
    expect(includedBecause(view.resources[1]!, "Service")).toBe("referenced by rds.db_instance/orders-db");
    expect(includedBecause(view.resources[0]!, "Team")).toBe("Team tag");
  });

  it("asks for the service between the chosen environments and shows the rows with their hints", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "incident_options") return options;
      if (cmd === "incident") {
        calls.push(args);
        return view;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    wrap(<IncidentScreen />);
    const input = await screen.findByTestId("incident-service");
    const compare = screen.getByTestId("incident-compare") as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    expect((screen.getByTestId("incident-a") as HTMLSelectElement).value).toBe("staging");
    expect((screen.getByTestId("incident-b") as HTMLSelectElement).value).toBe("prod");
    fireEvent.change(input, { target: { value: " checkout " } });
    fireEvent.click(compare);
    await waitFor(() => expect(screen.getAllByTestId("incident-row")).toHaveLength(2));
    expect(calls).toEqual([{ a: "staging", b: "prod", service: "checkout" }]);
    expect(screen.getByTestId("incident-summary").textContent).toContain("2 differences across 2 resources, 1 unexplained");
    const rows = screen.getAllByTestId("incident-row");
    expect(rows.map((r) => r.getAttribute("data-attribute"))).toEqual(["engine_version", "multi_az"]);
    const hints = screen.getAllByTestId("incident-hint").map((h) => h.textContent);
    expect(hints).toEqual(['staging: staging-orders-db EngineVersion = "15.6"', "explained by ex-1"]);
  });

  it("says so when nothing belongs to the service", async () => {
    mockIPC((cmd) => {
      if (cmd === "incident_options") return options;
      if (cmd === "incident") return { ...view, service: "nosuch", resources: [], rows: [], unexplained: 0 };
      throw new Error(`unexpected ${cmd}`);
    });
    wrap(<IncidentScreen />);
    fireEvent.change(await screen.findByTestId("incident-service"), { target: { value: "nosuch" } });
    fireEvent.click(screen.getByTestId("incident-compare"));
    expect((await screen.findByTestId("incident-summary")).textContent).toContain("No resource of staging or prod");
  });
});

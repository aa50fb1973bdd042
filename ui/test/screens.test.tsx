// Screens against a mocked IPC: what Rust would answer, as @tauri-apps/api/mocks delivers it.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor, fireEvent } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ReactNode } from "react";
import type { MatrixMetaDto, MatrixPageDto, ExceptionInputDto } from "../src/bindings";
import { MatrixScreen } from "../src/features/matrix/MatrixScreen";
import { ExceptionForm } from "../src/features/exceptions/ExceptionForm";
import { snapshot } from "./fixtures";

const XSS = "<img src=x onerror=alert(1)>";

function wrap(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

const meta: MatrixMetaDto = {
  columns: [
    { label: "staging", environment: "staging", snapshot: snapshot(1, "staging") },
    { label: "prod", environment: "prod", snapshot: snapshot(2, "prod") },
  ],
  change_view: false,
  scores: [{ a: "staging", b: "prod", score: 0.75, compared: 4, parity: 3 }],
  total_rows: 4,
  by_status: { drift: 1, same: 3 },
  kinds: ["ec2.instance"],
  tag_keys: ["Owner"],
  skipped: [],
  compute_ms: 3,
  from_cache: false,
  baseline: null,
  shared_secrets: [],
};

const page: MatrixPageDto = {
  total: 1,
  offset: 0,
  elapsed_us: 100,
  rows: [
    {
      index: 7,
      kind: "ec2.instance",
      key: "ec2.instance/api",
      attribute: "tags.Owner",
      category: "config",
      status: "drift",
      cells: [
        { status: "drift", value: XSS, marker: null },
        { status: "drift", value: "team-a", marker: null },
      ],
      exceptions: [],
      baselined: false,
    },
  ],
};

describe("matrix screen", () => {
  it("asks Rust for unexplained drift first and renders values as text", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "matrix_meta") return meta;
      if (cmd === "matrix_page") return page;
      throw new Error(`unexpected ${cmd}`);
    });
    const { container } = wrap(<MatrixScreen columns={[]} onResetColumns={() => {}} />);
    await screen.findByTitle(/3 of 4 rows at parity/);
    expect(screen.getByText("75.0%")).toBeTruthy();
    expect(screen.getByText(/staging: 30 h old \(stale\)/)).toBeTruthy();
    const pageCall = calls.find((c) => c.cmd === "matrix_page");
    expect((pageCall?.args as { query: { unexplained_only: boolean } }).query.unexplained_only).toBe(true);
    // the virtualiser needs layout jsdom lacks, so check the total the grid received
    await waitFor(() => expect(container.querySelector("[data-total='1']")).toBeTruthy());
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows secrets shared between environments, without any value", async () => {
    mockIPC((cmd) => {
      if (cmd === "matrix_meta")
        return {
          ...meta,
          shared_secrets: [
            { index: 3, key: "ssm.parameter/stripe/api-key", attribute: "value", a: "staging", b: "prod", accepted_by: null },
          ],
        };
      if (cmd === "matrix_page") return page;
      throw new Error(`unexpected ${cmd}`);
    });
    wrap(<MatrixScreen columns={[]} onResetColumns={() => {}} />);
    const banner = await screen.findByTestId("shared-secrets");
    expect(banner.textContent).toContain("1 secret shared between environments");
    expect(banner.textContent).toContain("ssm.parameter/stripe/api-key · value");
    expect(banner.textContent).toContain("in staging and prod — fails the gate");
  });

  it("shows a typed error readably", async () => {
    mockIPC(() => {
      throw { code: "not_found", message: "the workspace has no environments yet" };
    });
    wrap(<MatrixScreen columns={[]} onResetColumns={() => {}} />);
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "Not foundthe workspace has no environments yet");
  });
});

describe("exception form", () => {
  const initial: ExceptionInputDto = {
    id: null,
    resource: "ec2.instance/api",
    attribute: "instance_type",
    environments: ["prod"],
    expected: {},
    justification: "",
    owner: "",
    expires: "2027-01-01",
    ticket: null,
  };

  it("refuses to save without a justification, then sends the pre-filled scope", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "add_exception") {
        sent.push(args);
        return { ...initial, id: "api-instance-type-prod-1", expected: {}, created: "2026-11-26" };
      }
      return null;
    });
    let done = false;
    wrap(
      <ExceptionForm
        mode="create"
        initial={initial}
        environments={["staging", "prod"]}
        observed={{ prod: "t3.large" }}
        onCancel={() => {}}
        onDone={() => {
          done = true;
        }}
      />,
    );
    fireEvent.click(screen.getByTestId("save-exception"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/justification is required/);
    expect(sent).toHaveLength(0);
    fireEvent.change(screen.getByPlaceholderText("Why is this difference intentional?"), { target: { value: "Prod is bigger" } });
    fireEvent.change(document.querySelector("input[name=owner]") as HTMLInputElement, { target: { value: "platform" } });
    fireEvent.click(screen.getByText("use current value"));
    fireEvent.click(screen.getByTestId("save-exception"));
    await waitFor(() => expect(done).toBe(true));
    expect(sent[0]).toMatchObject({
      input: {
        resource: "ec2.instance/api",
        attribute: "instance_type",
        environments: ["prod"],
        justification: "Prod is bigger",
        owner: "platform",
        expected: { prod: '"t3.large"' },
      },
    });
  });

  it("an edit refused as stale offers to reload instead of overwriting", async () => {
    const sent: unknown[] = [];
    const asked: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "edit_exception") {
        sent.push(args);
        throw { code: "stale", message: "exception `x` was changed by someone else since it was read" };
      }
      if (cmd === "plugin:dialog|message") {
        asked.push(JSON.stringify(args));
        return "Ok";
      }
      return null;
    });
    let cancelled = false;
    wrap(
      <ExceptionForm
        mode="edit"
        initial={{ ...initial, id: "x", justification: "j", owner: "o", version: 5 }}
        environments={["staging", "prod"]}
        onCancel={() => {
          cancelled = true;
        }}
        onDone={() => {}}
      />,
    );
    fireEvent.click(screen.getByTestId("save-exception"));
    expect((await screen.findByRole("alert")).getAttribute("data-code")).toBe("stale");
    await waitFor(() => expect(cancelled).toBe(true));
    expect(sent[0]).toMatchObject({ input: { id: "x", version: 5 } });
    expect(asked[0]).toMatch(/Reload the exception/);
  });
});

// "Connect to a team workspace" and who wrote (issue 20), against a mocked IPC.
import { describe, expect, it } from "vitest";
import { render, screen, fireEvent, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ReactNode } from "react";
import { ConnectTeam, isTeamUrl, recentLabel } from "../src/features/workspace/WorkspaceBar";

function wrap(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

describe("team workspaces", () => {
  it("tells a team URL from a file path", () => {
    expect(isTeamUrl("postgres://ci@db:5432/parity")).toBe(true);
    expect(isTeamUrl("POSTGRESQL://ci@db/parity")).toBe(true);
    expect(isTeamUrl("/home/ana/postgres://x.sqlite")).toBe(false);
    expect(recentLabel("postgres://ci@db:5432/parity")).toBe("postgres://ci@db:5432/parity");
    expect(recentLabel("/home/ana/work.sqlite")).toBe("work.sqlite");
  });

  it("sends the typed URL and the password apart, and shows the backend's refusal", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "connect_team_workspace") throw { code: "internal", message: `unexpected ${cmd}` };
      calls.push(args);
      const { url } = args as { url: string };
      if (url.includes(":hunter2@")) {
        throw { code: "bad_input", message: "`postgres://…@db/parity`: the URL holds a password" };
      }
      return { id: "u", name: "team", path: url, is_demo: false, recent: [], launch_error: null };
    });
    let connected = 0;
    wrap(<ConnectTeam onClose={() => {}} onConnected={() => connected++} />);
    const url = screen.getByTestId("team-url");
    fireEvent.change(url, { target: { value: "postgres://ci:hunter2@db/parity" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("holds a password");
    expect(connected).toBe(0);

    fireEvent.change(url, { target: { value: " postgres://ci@db/parity " } });
    fireEvent.change(screen.getByTestId("team-password"), { target: { value: "s3cret" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(connected).toBe(1));
    expect(calls[1]).toEqual({ url: "postgres://ci@db/parity", password: "s3cret" });
  });
});

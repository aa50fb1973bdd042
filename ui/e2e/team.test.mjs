// End to end, "Connect to a team workspace" on the real app (issue 20, docs/CONTRACTS.md "Team
// workspaces"): a workspace written into the private PostgreSQL cluster by the real CLI, with a
// pipeline's name as its collector, is opened from the workspace menu by typing its URL (no
// password in it; the cluster's PGPASSFILE supplies it), and the app then shows its matrix and who
// collected each snapshot. A file path typed there is refused.
//
// Needs: APP (envparity-desktop), CLI (envparity, default: beside APP), ENVPARITY_TEST_PG and
// PGPASSFILE (scripts/pg.sh), Xvfb, a Secret Service for the workspace's fingerprint key.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchApp, waitFor } from "./webdriver.mjs";

const APP = process.env.APP;
const CLI = process.env.CLI ?? (APP ? path.join(path.dirname(APP), "envparity") : undefined);
const PG = process.env.ENVPARITY_TEST_PG;
const SHOTS = process.env.SHOTS ?? path.join(tmpdir(), "envparity-e2e-shots");
const PIPELINE = "nightly-pipeline@ci-runner-7";

if (!APP) throw new Error("set APP to the absolute path of envparity-desktop");
if (!PG) throw new Error("set ENVPARITY_TEST_PG (scripts/pg.sh starts the cluster)");

describe("a team workspace on PostgreSQL in the desktop app", () => {
  const db = `e2e_team_${process.pid}`;
  const url = PG.replace(/\/postgres(\?|$)/, `/${db}$1`);
  let app;
  let s;
  const psql = (sql) => execFileSync("psql", [PG, "-v", "ON_ERROR_STOP=1", "-qc", sql], { stdio: ["ignore", "ignore", "inherit"] });
  const textOf = (css) => s.exec("return document.querySelector(arguments[0])?.textContent ?? null", css);
  const openConnect = async () => {
    await s.click(await s.$(".ws-button"));
    const item = await waitFor(
      () => s.exec(`return [...document.querySelectorAll('[role=menuitem]')].some(b => b.textContent.startsWith('Connect to a team workspace'))`),
      "the menu item",
    );
    assert.ok(item);
    await s.exec(`[...document.querySelectorAll('[role=menuitem]')].find(b => b.textContent.startsWith('Connect to a team workspace')).click()`);
    return s.waitFor$('[data-testid="team-url"]');
  };

  before(async () => {
    psql(`CREATE DATABASE ${db}`);
    execFileSync(CLI, ["--db", url, "demo"], {
      env: { ...process.env, ENVPARITY_COLLECTED_BY: PIPELINE },
      stdio: ["ignore", "ignore", "inherit"],
    });
    app = await launchApp({ app: APP, prefix: "team" });
    s = app.s;
  });

  after(async () => {
    await app?.close();
    psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });

  it("refuses a typed file path, opens the typed URL and shows who collected the snapshots", async () => {
    const before = await s.exec(`return document.querySelector('.ws-button').title`);
    let input = await openConnect();
    await s.type(input, path.join(app.dataDir, "demo.sqlite"));
    await s.exec(`document.querySelector('[data-testid="team-url"]').form.requestSubmit()`);
    await waitFor(async () => /not a team database URL/.test((await textOf(".modal")) ?? ""), "the refusal");
    assert.equal(await s.exec(`return document.querySelector('.ws-button').title`), before);

    await s.clear(input);
    await s.type(input, url);
    await s.exec(`document.querySelector('[data-testid="team-url"]').form.requestSubmit()`);
    await waitFor(
      async () => {
        if ((await s.exec(`return document.querySelector('.ws-button').title`)) === url) return true;
        const problem = await textOf(".modal .error-note");
        if (problem) throw new Error(`refused: ${problem}`);
        return false;
      },
      "the team workspace to open",
      30000,
    );
    assert.equal((await s.$$('[data-testid="team-url"]')).length, 0, "the dialog closed");
    await s.waitFor$(".tr[data-key]", 30000);
    await s.saveScreenshot(SHOTS, "team-01-matrix");

    await s.click(await s.$('[data-testid="nav-snapshots"]'));
    const by = await waitFor(async () => {
      const v = await s.exec(`return [...document.querySelectorAll('[data-testid="collected-by"]')].map(c => c.textContent)`);
      return v.length > 0 ? v : null;
    }, "the snapshot list");
    assert.deepEqual([...new Set(by)], [PIPELINE]);
    await s.saveScreenshot(SHOTS, "team-02-collected-by");
  });
});

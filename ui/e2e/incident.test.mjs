// End to end, "compare for a service" on the real app (docs/CONTRACTS.md "Fix hints and the
// incident view"): on the demo, the checkout service between staging and prod lists its
// resources (by tag, name and reference) and every row that differs, security first, each with
// what would make staging converge; a row opens the detail panel, from which the difference is
// marked as intentional — the view then counts one unexplained row fewer.
//
// Needs: APP (envparity-desktop), Xvfb.
//   xvfb-run -a -s "-screen 0 1440x900x24" node --test e2e/incident.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchApp, waitFor } from "./webdriver.mjs";

const APP = process.env.APP;
const SHOTS = process.env.SHOTS ?? path.join(tmpdir(), "envparity-e2e-shots");
const ORDER = ["security", "network", "version", "resilience", "config", "size"];
const DB = "rds.db_instance/orders-db";

if (!APP) throw new Error("set APP to the absolute path of envparity-desktop");

describe("compare for a service in the desktop app", () => {
  let app;
  let s;

  const shot = (name) => s.saveScreenshot(SHOTS, name);
  const textOf = (css) => s.exec("return document.querySelector(arguments[0])?.textContent ?? null", css);
  const row = (key, attribute) => `[data-testid="incident-row"][data-key="${key}"][data-attribute="${attribute}"]`;
  const rows = () =>
    s.exec(
      `return [...document.querySelectorAll('[data-testid="incident-row"]')].map(r =>
         [r.dataset.key, r.dataset.attribute, r.cells[0].textContent, r.cells[1].textContent, r.cells[5].textContent]);`,
    );
  const unexplained = async () => Number(/(\d+) unexplained/.exec(await textOf('[data-testid="incident-summary"]'))?.[1]);

  before(async () => {
    app = await launchApp({ app: APP, prefix: "incident" });
    s = app.s;
  });

  after(async () => {
    await app?.close();
  });

  it("lists what differs for checkout between staging and prod, security first, with fix hints", async () => {
    await s.click(await s.$('[data-testid="nav-incident"]'));
    const service = await s.waitFor$('[data-testid="incident-service"]');
    // the default pair converges towards the reference environment, prod
    assert.equal(await s.exec(`return document.querySelector('[data-testid="incident-a"]').value`), "staging");
    assert.equal(await s.exec(`return document.querySelector('[data-testid="incident-b"]').value`), "prod");
    assert.deepEqual(
      await s.exec(`return [...document.querySelectorAll('#incident-services option')].map(o => o.value)`).then((v) => v.includes("checkout")),
      true,
    );
    await s.type(service, "checkout");
    await s.click(await s.$('[data-testid="incident-compare"]'));
    const found = await waitFor(async () => {
      const r = await rows();
      return r.length > 0 ? r : null;
    }, "the incident rows");
    const ranks = found.map(([, , category]) => ORDER.indexOf(category));
    assert.ok(ranks.every((r) => r >= 0), JSON.stringify(found));
    assert.ok(ranks.every((r, i) => i === 0 || ranks[i - 1] <= r), `not in incident order: ${JSON.stringify(found)}`);
    assert.equal(found[0][2], "security");
    const version = found.find(([key, attribute]) => key === DB && attribute === "engine_version");
    assert.ok(version, JSON.stringify(found));
    assert.equal(version[4], 'staging: staging-orders-db EngineVersion = "15.6"');
    assert.ok(!found.some(([key]) => key === "elasticache.cluster/sessions"), "the sessions cache is not checkout's");
    const resources = await s.exec(`return document.querySelector('[data-testid="incident-resources"]').textContent`);
    assert.match(resources, /rds\.db_parameter_group\/orders-pg — referenced by rds\.db_instance\/orders-db/);
    await s.exec(`document.querySelector('[data-testid="incident-resources"]').open = true`);
    await shot("incident-01-checkout");
  });

  it("opens a row's detail and marks the difference as intentional", async () => {
    const before = await unexplained();
    assert.ok(before > 0, `unexplained: ${before}`);
    const target = row(DB, "performance_insights_enabled");
    assert.equal(await s.exec(`return document.querySelector('${target}').cells[1].textContent`), "drift");
    await s.exec(`document.querySelector('${target}').scrollIntoView({ block: "center" })`);
    await s.click(await s.$(`${target} td:nth-child(3)`));
    await waitFor(async () => (await textOf('[data-testid="detail"] h2')) === DB, "the detail panel of the database");
    assert.match(await textOf('[data-testid="hint-staging"]'), /PerformanceInsightsEnabled = true/);
    await shot("incident-02-detail");
    await s.click(await s.waitFor$('[data-testid="create-exception"]'));
    await s.waitFor$('[data-testid="exception-form"]');
    assert.equal(await s.exec("return document.querySelector('input[name=attribute]').value"), "performance_insights_enabled");
    // for the environment the hint says should change
    assert.deepEqual(
      await s.exec(
        `return [...document.querySelectorAll('[data-testid="exception-form"] fieldset input[type=checkbox]')]
           .filter(c => c.checked).map(c => c.parentElement.textContent.trim())`,
      ),
      ["staging"],
    );
    await s.type(await s.$("textarea[name=justification]"), "Performance Insights costs money; staging does without (E2E).");
    await s.type(await s.$("input[name=owner]"), "dba-team");
    await s.click(await s.$('[data-testid="save-exception"]'));
    await waitFor(async () => (await s.$$('[data-testid="exception-form"]')).length === 0, "the form to close");
    await waitFor(
      async () => (await s.exec(`return document.querySelector('${target}')?.cells[1].textContent`)) === "intentional",
      "the row to become intentional",
    );
    assert.equal(await unexplained(), before - 1);
    assert.match(await textOf('[data-testid="detail"]'), /staging may differ/);
    await shot("incident-03-intentional");
  });
});

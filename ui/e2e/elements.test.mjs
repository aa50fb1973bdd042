// End to end, element-level differences and the baseline on the real app (docs/CONTRACTS.md
// "Element differences", "Baseline"): the demo's security group with one extra rule in staging
// reads as text with a `+1 -0` marker, the detail panel lists each pair's extra elements, and a
// baseline file written by the real CLI is chosen through the native open dialog, after which the
// matrix marks the baselined rows.
//
// Needs: APP (envparity-desktop), CLI (envparity, default: beside APP), Xvfb and xdotool.
//   xvfb-run -a -s "-screen 0 1440x900x24" node --test e2e/elements.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchApp, waitFor } from "./webdriver.mjs";
import { chooseFile } from "./x11.mjs";

const APP = process.env.APP;
const CLI = process.env.CLI ?? (APP ? path.join(path.dirname(APP), "envparity") : undefined);
const SHOTS = process.env.SHOTS ?? path.join(tmpdir(), "envparity-e2e-shots");
const WEB = "ec2.security_group/web";
const WORLD = "tcp 443 from 0.0.0.0/0";

if (!APP) throw new Error("set APP to the absolute path of envparity-desktop");

describe("element differences and the baseline in the desktop app", () => {
  let app;
  let dataDir;
  let s;

  const shot = (name) => s.saveScreenshot(SHOTS, name);
  const textOf = (css) => s.exec("return document.querySelector(arguments[0])?.textContent ?? null", css);
  const rowText = (key, attribute) =>
    s.exec(
      `const r = [...document.querySelectorAll('.tr[data-key]')].find(r => r.dataset.key === arguments[0] && r.dataset.attribute === arguments[1]);
       return r ? r.textContent : null;`,
      key,
      attribute,
    );

  before(async () => {
    app = await launchApp({ app: APP, prefix: "elements" });
    ({ s, dataDir } = app);
  });

  after(async () => {
    await app?.close();
  });

  it("shows set-valued cells as text with a marker, and each pair's extra elements in the detail", async () => {
    const search = await s.waitFor$('[data-testid="search"]');
    await s.type(search, "security_group/web");
    // the web ingress row is in the unfiltered view too: wait for the search's rows, or the click
    // below may land while the table re-renders (a CI run clicked another row that way)
    await waitFor(
      () =>
        s.exec(
          `const keys = [...document.querySelectorAll('.tr[data-key]')].map(r => r.dataset.key);
           return keys.length > 0 && keys.every(k => k.includes('security_group/web'));`,
        ),
      "only the searched rows shown",
    );
    const row = await waitFor(() => rowText(WEB, "ingress"), "the web ingress row");
    // readable values, never JSON
    assert.ok(row.includes(WORLD), row);
    assert.ok(!/[{}"]|protocol/.test(row), `raw JSON in the row: ${row}`);
    const markers = await s.exec(
      `const r = [...document.querySelectorAll('.tr[data-key]')].find(r => r.dataset.key === arguments[0] && r.dataset.attribute === 'ingress');
       return [...r.querySelectorAll('[data-testid="marker"]')].map(m => [m.closest('[data-col]').dataset.col, m.textContent, m.title]);`,
      WEB,
    );
    assert.deepEqual(
      markers.map(([col, text]) => [col, text]),
      // dev against staging (dev lacks the rule), staging against dev; prod equals dev: no marker
      [
        ["dev", "+0 -1"],
        ["staging", "+1 -0"],
      ],
    );
    assert.match(markers[1][2], /staging has 1 element that dev lacks/);
    await shot("elements-01-marker");

    await s.clickCss(`.tr[data-key="${WEB}"][data-attribute="ingress"] [data-col="staging"]`);
    await waitFor(async () => (await textOf('[data-testid="pair-dev-staging"]'))?.includes(`+ ${WORLD}`), "the dev → staging extras");
    assert.ok((await textOf('[data-testid="pair-staging-prod"]')).includes(`- ${WORLD}`));
    const detail = await textOf('[data-testid="detail"]');
    assert.ok(!/[{}"]|protocol/.test(detail), `raw JSON in the detail panel: ${detail}`);
    await s.exec("document.querySelector('[data-testid=\"pair-dev-staging\"]').scrollIntoView({ block: 'center' })");
    await shot("elements-02-detail");
  });

  it("marks the rows of a baseline file chosen through the native dialog", async () => {
    const db = path.join(dataDir, "demo.sqlite");
    const file = path.join(dataDir, "envparity-baseline.txt");
    execFileSync(CLI, ["--db", db, "baseline", "write", file], { stdio: ["ignore", "ignore", "inherit"] });
    const entries = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#") && l !== "envparity-baseline 1");
    assert.ok(entries.length > 10, "the demo has many unexplained differences");
    assert.equal(await s.exec("return document.querySelectorAll('[data-testid=\"baselined\"]').length"), 0);

    const choose = await s.waitFor$('[data-testid="choose-baseline"]');
    await s.click(choose);
    await chooseFile("Choose a baseline file", file);
    await waitFor(async () => (await textOf('[data-testid="baseline-bar"]'))?.includes("rows baselined"), "the baseline bar");
    const bar = await textOf('[data-testid="baseline-bar"]');
    assert.match(bar, /Baseline envparity-baseline\.txt: \d+ rows baselined/);
    await waitFor(async () => (await rowText(WEB, "ingress"))?.includes("baselined"), "the web ingress row marked baselined");
    await waitFor(
      async () => (await textOf('[data-testid="pair-dev-staging"]'))?.includes("baselined"),
      "the detail panel's pair marked baselined",
    );
    // every row the search keeps fails the gate and is in the baseline
    const rows = await s.exec(
      "return [...document.querySelectorAll('.tr[data-key]')].map(r => !!r.querySelector('[data-testid=\"baselined\"]'))",
    );
    assert.ok(rows.length > 0 && rows.every(Boolean), JSON.stringify(rows));
    await shot("elements-03-baselined");

    // clearing it removes the marks
    const cleared = await s.exec(
      `const b = [...document.querySelectorAll('[data-testid="baseline-bar"] button')].find(b => b.textContent.trim() === 'clear');
       if (b) b.click(); return !!b;`,
    );
    assert.ok(cleared);
    await waitFor(async () => !(await rowText(WEB, "ingress"))?.includes("baselined"), "the marks gone");
  });
});

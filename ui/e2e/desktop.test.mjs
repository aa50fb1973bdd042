// End to end on the real app: tauri-driver + WebKitWebDriver drive the built binary under Xvfb,
// on a demo workspace in a temporary data dir (the user's data is never touched).
//
//   APP=/abs/path/envparity-desktop SEED=/abs/path/envparity-seed [SHOTS=dir] [SCREENSHOT_OUT=png]
//   xvfb-run -a -s "-screen 0 1440x900x24" node --test e2e/desktop.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { matrixCacheStored, Session, startDriver, waitFor } from "./webdriver.mjs";

const APP = process.env.APP;
const SEED = process.env.SEED;
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? path.join(process.env.HOME ?? "/root", ".cargo/bin/tauri-driver");
const NATIVE_DRIVER = process.env.NATIVE_DRIVER ?? "/usr/bin/WebKitWebDriver";
const SHOTS = process.env.SHOTS ?? path.join(tmpdir(), "envparity-e2e-shots");
const XSS = "<img src=x onerror=alert(1)>";
const FAILING = ["drift", "missing", "violated", "expired"];
const WORKER = '.tr[data-key="ec2.instance/worker"][data-attribute="instance_type"]';

if (!APP || !SEED) throw new Error("set APP and SEED to the absolute paths of envparity-desktop and envparity-seed");

describe("the desktop app on the demo workspace", () => {
  let dataDir;
  let driver;
  let s;

  const shot = (name) => s.saveScreenshot(SHOTS, name);
  const rows = () => s.exec(`return [...document.querySelectorAll('.tr[data-key]')].map(r => ({key: r.dataset.key, attribute: r.dataset.attribute, status: r.dataset.status}))`);
  const textOf = (css) => s.exec("return document.querySelector(arguments[0])?.textContent ?? null", css);
  const search = async (text) => {
    const box = await s.$('[data-testid="search"]');
    await s.clear(box);
    if (text) await s.type(box, text);
  };
  const setUnexplained = async (on) => {
    const box = await s.$('[data-testid="unexplained-only"]');
    const checked = await s.exec("return arguments[0].checked", { "element-6066-11e4-a52e-4f735466cecf": box });
    if (checked !== on) await s.click(box);
  };
  const launch = async () => {
    const started = Date.now();
    s = await Session.create(driver.base, APP);
    await s.waitFor$(".tr[data-key]", 30000);
    return Date.now() - started;
  };

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "envparity-e2e-"));
    // The demo, plus a staging snapshot whose instance carries an HTML tag value.
    execFileSync(SEED, ["xss", path.join(dataDir, "demo.sqlite")], { stdio: "inherit" });
    driver = await startDriver({ tauriDriver: TAURI_DRIVER, nativeDriver: NATIVE_DRIVER, env: { ENVPARITY_DATA_DIR: dataDir } });
  });

  after(async () => {
    await s?.delete();
    await driver?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("opens the demo with a banner and shows only unexplained drift by default", async () => {
    const ms = await launch();
    console.log(`launch to first matrix row (debug build, demo): ${ms} ms`);
    const banner = await s.waitFor$('[data-testid="demo-banner"]');
    assert.ok(banner);
    assert.match(await textOf('[data-testid="demo-banner"]'), /demo workspace/);
    const shown = await rows();
    assert.ok(shown.length > 5, `expected drift rows, got ${shown.length}`);
    for (const r of shown) assert.ok(FAILING.includes(r.status), `${r.key} ${r.attribute} is ${r.status}`);
    assert.ok(shown.some((r) => r.key === "ec2.instance/worker" && r.attribute === "instance_type"));
    await shot("01-matrix-unexplained");

    await setUnexplained(false);
    await waitFor(async () => (await rows()).some((r) => r.status === "same"), "same rows once the filter is off");
    await shot("02-matrix-everything");
    await setUnexplained(true);
    await waitFor(async () => (await rows()).every((r) => FAILING.includes(r.status)), "only failing rows again");
  });

  it("renders an HTML tag value as inert text", async () => {
    await setUnexplained(false);
    await search("Owner");
    const css = '.tr[data-attribute="tags.Owner"] [data-col="staging"]';
    const cell = await s.waitFor$(css);
    await waitFor(async () => (await textOf(css)) === XSS, "the tag value shown literally");
    assert.equal(await s.exec("return document.querySelectorAll('img').length"), 0);
    await s.click(cell);
    await waitFor(async () => (await textOf('[data-testid="raw-staging"]')) === XSS, "the raw value shown literally");
    assert.equal(await s.exec("return document.querySelectorAll('img').length"), 0);
    await shot("03-xss-inert");
    await search("");
    await setUnexplained(true);
  });

  it("creates an exception from a drift cell and the row becomes intentional", async () => {
    await setUnexplained(true);
    await search("worker");
    const cell = await s.waitFor$(`${WORKER} [data-col="prod"]`);
    assert.equal(await s.exec(`return document.querySelector('${WORKER}').dataset.status`), "drift");
    await s.click(cell);
    await s.click(await s.waitFor$('[data-testid="create-exception"]'));
    const form = await s.waitFor$('[data-testid="exception-form"]');
    assert.ok(form);
    assert.equal(await s.exec("return document.querySelector('input[name=resource]').value"), "ec2.instance/worker");
    assert.equal(await s.exec("return document.querySelector('input[name=attribute]').value"), "instance_type");
    // no justification: refused
    await s.click(await s.$('[data-testid="save-exception"]'));
    const problem = await s.waitFor$("form .problem");
    assert.ok(problem);
    assert.match(await textOf("form .problem"), /justification is required/);
    await s.type(await s.$("textarea[name=justification]"), "Prod workers process the nightly batch and need more memory.");
    await s.type(await s.$("input[name=owner]"), "platform-team");
    await shot("04-exception-form");
    await s.click(await s.$('[data-testid="save-exception"]'));
    await waitFor(async () => (await s.$$('[data-testid="exception-form"]')).length === 0, "the form to close");
    await waitFor(
      async () => (await textOf('[data-testid="detail-status"]')) === "intentional",
      "the detail panel to say intentional",
    );
    // gone from the unexplained view, intentional in the full view
    await waitFor(async () => (await s.$$(WORKER)).length === 0, "the row to leave the unexplained view");
    await setUnexplained(false);
    await waitFor(
      async () => (await s.exec(`return document.querySelector('${WORKER}')?.dataset.status`)) === "intentional",
      "the row to show intentional",
    );
    await shot("05-row-intentional");
  });

  it("keeps the exception after a restart", async () => {
    // Saving the exception removed the matrix cache file of the launch; the app's cache writer
    // stores the matrix recomputed after it. Ending the WebDriver session kills the app, so wait
    // for that file to be in place (and no write in progress) first.
    await waitFor(() => matrixCacheStored(dataDir), "the recomputed matrix in the matrix cache", 15000);
    await s.delete();
    const ms = await launch();
    console.log(`relaunch to first matrix row: ${ms} ms`);
    // the matrix recomputed after the exception was saved was stored: the relaunch reads it
    const fromCache = await s.execAsync(
      `const done = arguments[arguments.length - 1];
       window.__TAURI_INTERNALS__.invoke("matrix_meta", { columns: [] }).then((m) => done(m.from_cache), (e) => done(String(e)));`,
    );
    assert.equal(fromCache, true, "the relaunch reads the matrix from the matrix cache");
    await setUnexplained(false);
    await search("worker");
    await waitFor(
      async () => (await s.exec(`return document.querySelector('${WORKER}')?.dataset.status`)) === "intentional",
      "the row to still be intentional",
    );
    await s.click(await s.$('[data-testid="nav-exceptions"]'));
    const list = await s.waitFor$('[data-testid="exceptions-list"]');
    assert.ok(list);
    await waitFor(async () => /nightly batch/.test(await textOf('[data-testid="exceptions-list"]')), "the new exception in the list");
    await shot("06-exceptions");
  });

  it("exports the workspace file with the new exception", async () => {
    await s.click(await s.$('[data-testid="nav-export"]'));
    await waitFor(
      async () => /worker-instance-type-prod[\s\S]*nightly batch/.test((await textOf('[data-testid="workspace-toml"]')) ?? ""),
      "the TOML to hold the exception",
    );
  });

  it("compares two snapshots of one environment as a change view", async () => {
    await s.click(await s.$('[data-testid="nav-snapshots"]'));
    await s.waitFor$('input[aria-label^="select snapshot"]');
    await s.exec(`document.querySelector('select').value = 'staging'; document.querySelector('select').dispatchEvent(new Event('change', {bubbles: true}))`);
    await waitFor(async () => (await s.$$('input[aria-label^="select snapshot"]')).length === 2, "two staging snapshots");
    for (const box of await s.$$('input[aria-label^="select snapshot"]')) await s.click(box);
    await s.click(await s.$('[data-testid="compare-snapshots"]'));
    await waitFor(async () => /Change view of staging/.test((await textOf(".scores")) ?? ""), "the change view");
    await waitFor(async () => (await rows()).some((r) => r.attribute === "tags.Owner"), "the tag change listed");
    await shot("07-change-view");
  });

  it("takes the README screenshot: the default view with a row's detail", async () => {
    await s.delete();
    await launch();
    // the matrix is virtualised and the demo's unexplained rows fill more than a screen: the row
    // is found through the search box, as a user looking for it would
    await s.waitFor$('[data-testid="search"]');
    await search("orders-db");
    const css = '.tr[data-key="rds.db_instance/orders-db"][data-attribute="engine_version"]';
    await s.click(await s.waitFor$(css));
    await s.waitFor$('[data-testid="raw-prod"]');
    const file = await shot("08-matrix-detail");
    if (process.env.SCREENSHOT_OUT) copyFileSync(file, process.env.SCREENSHOT_OUT);
  });
});

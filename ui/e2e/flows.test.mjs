// End to end, the flows around the matrix on the real app: keyboard navigation, the exception
// lifecycle (edit, expire, audit trail, delete behind a native confirmation), reports and the
// workspace file saved through the native save dialog, the workspace switcher, environments with
// static keys in the real Secret Service collected from a real moto server (progress, cancel),
// and a real Terraform state imported through the native open dialog.
//
// Needs: APP, a D-Bus session with an unlocked gnome-keyring (scripts/test runs this inside one),
// Xvfb, xdotool, and moto in $ENVPARITY_VENV.
//   xvfb-run -a -s "-screen 0 1440x900x24" node --test e2e/flows.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, Session, startDriver, waitFor } from "./webdriver.mjs";
import { answerDialog, chooseFile, dialogWindow, screenCapture } from "./x11.mjs";

const APP = process.env.APP;
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? path.join(homedir(), ".cargo/bin/tauri-driver");
const NATIVE_DRIVER = process.env.NATIVE_DRIVER ?? "/usr/bin/WebKitWebDriver";
const SHOTS = process.env.SHOTS ?? path.join(tmpdir(), "envparity-e2e-shots");
const VENV = process.env.ENVPARITY_VENV ?? path.join(homedir(), ".cache/envparity/venv");
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SEED_PY = path.join(REPO, "crates/parity-testkit/seed.py");
const TFSTATE = path.join(
  REPO,
  "tests/fixtures/realworld/tfstate/Akshay444Kumar__multi-env-terraform-workspaces__terraform.tfstate.d__dev__terraform.tfstate.backup.json",
);
// What the UI sends to the keyring; none of it may reach the workspace database.
const SECRETS = { staging: "e2e-staging-secret-Vb61qT", prod: "e2e-prod-secret-Kd09xR", hang: "e2e-hang-secret-Pp44aa" };
// What moto hands back in clear for SecureStrings (seed.py drift): never stored.
const PLAINTEXTS = ["S3cr3t-staging-plaintext", "S3cr3t-prod-plaintext"];

if (!APP) throw new Error("set APP to the absolute path of envparity-desktop");

/** moto's server from the venv on a free port, stopped by `stop()`. */
async function startMoto() {
  const port = await freePort();
  const proc = spawn(path.join(VENV, "bin/moto_server"), ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  proc.stderr.on("data", (d) => (log = (log + d).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`moto_server exited: ${log}`);
      return (await fetch(`${endpoint}/moto-api/`)).ok;
    },
    "moto_server to answer",
    30000,
    100,
  );
  return {
    endpoint,
    async stop() {
      proc.kill("SIGTERM");
      await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, "moto_server to exit", 10000).catch(() =>
        proc.kill("SIGKILL"),
      );
    },
  };
}

/** A TCP server that accepts connections and never answers: a collection against it hangs. */
async function startBlackHole() {
  const sockets = new Set();
  let accepted = 0;
  const srv = net.createServer((sock) => {
    accepted++;
    sockets.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${srv.address().port}`,
    accepted: () => accepted,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(resolve);
      }),
  };
}

describe("the desktop app's flows", () => {
  let dataDir;
  let driver;
  let moto;
  let hole;
  let s;

  const shot = (name) => s.saveScreenshot(SHOTS, name);
  const textOf = (css) => s.exec("return document.querySelector(arguments[0])?.textContent ?? null", css);
  const nav = async (screen) => s.click(await s.$(`[data-testid="nav-${screen}"]`));
  /** Clicks the button with exactly this text inside `scope` (a CSS selector). */
  const clickButton = async (scope, label) => {
    const ok = await s.exec(
      `const b = [...document.querySelectorAll(arguments[0] + ' button')].find(b => b.textContent.trim() === arguments[1]);
       if (b) b.click();
       return !!b;`,
      scope,
      label,
    );
    assert.ok(ok, `no button "${label}" in ${scope}`);
  };
  const typeInto = async (css, text) => {
    const el = await s.waitFor$(css);
    await s.clear(el);
    if (text) await s.type(el, text);
  };
  const selectedRow = () =>
    s.exec(`const r = document.querySelector('.tr[aria-selected="true"]'); return r ? r.dataset.key + ' ' + r.dataset.attribute : null`);
  const workspaceName = () => s.exec("return document.querySelector('.ws-button')?.textContent ?? ''");
  const dbBytes = (file) =>
    ["", "-wal"].map((suffix) => (existsSync(file + suffix) ? readFileSync(file + suffix).toString("latin1") : "")).join("");

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "envparity-flows-"));
    [moto, hole] = await Promise.all([startMoto(), startBlackHole()]);
    execFileSync(path.join(VENV, "bin/python"), [SEED_PY, moto.endpoint, "drift"], { stdio: ["ignore", "ignore", "inherit"] });
    driver = await startDriver({ tauriDriver: TAURI_DRIVER, nativeDriver: NATIVE_DRIVER, env: { ENVPARITY_DATA_DIR: dataDir } });
    s = await Session.create(driver.base, APP);
    await s.waitFor$(".tr[data-key]", 60000);
  });

  after(async () => {
    await s?.delete();
    await driver?.stop();
    await Promise.all([moto?.stop(), hole?.stop()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("moves through the matrix with the keyboard and opens a row's detail", async () => {
    const body = await s.$('[data-testid="matrix-body"]');
    await s.exec("arguments[0].focus()", { "element-6066-11e4-a52e-4f735466cecf": body });
    const keys = (value) =>
      s.cmd("POST", "/actions", {
        actions: [{ type: "key", id: "kb", actions: [...value].flatMap((k) => [{ type: "keyDown", value: k }, { type: "keyUp", value: k }]) }],
      });
    const DOWN = "\uE015";
    const UP = "\uE013";
    const END = "\uE010";
    const HOME = "\uE011";
    const ENTER = "\uE007";
    const order = await s.exec(`return [...document.querySelectorAll('.tr[data-key]')].map(r => r.dataset.key + ' ' + r.dataset.attribute)`);
    await keys(DOWN);
    await waitFor(async () => (await selectedRow()) === order[0], "the first row selected");
    await keys(DOWN + DOWN);
    await waitFor(async () => (await selectedRow()) === order[2], "the third row selected");
    await keys(UP);
    await waitFor(async () => (await selectedRow()) === order[1], "the second row selected");
    await keys(ENTER);
    await waitFor(
      async () => (await textOf('[data-testid="detail"]'))?.includes(order[1].split(" ")[1]),
      "the detail panel for the selected row",
    );
    await keys(END);
    // End selects the last row and scrolls it into view (the list is virtualised).
    await waitFor(
      async () =>
        s.exec(`const b = document.querySelector('[data-testid="matrix-body"]');
                const sel = document.querySelector('.tr[aria-selected="true"]');
                return !!sel && b.scrollTop + b.clientHeight >= b.scrollHeight - 2 && sel.dataset.key !== undefined;`),
      "the last row selected and scrolled into view",
    );
    assert.notEqual(await selectedRow(), order[1], "End moved the selection");
    await keys(HOME);
    await waitFor(async () => (await selectedRow()) === order[0], "Home back to the first row");
    await shot("flows-01-keyboard");
  });

  it("edits, expires, audits and deletes an exception (deletion asks first)", async () => {
    await nav("exceptions");
    const row = '[data-testid="exceptions-list"] tr[data-id="prod-instance-size"]';
    await s.waitFor$(row);
    await clickButton(row, "edit");
    await s.waitFor$('[data-testid="exception-form"]');
    await typeInto("textarea[name=justification]", "Instance size: prod serves production load (reviewed in the E2E run).");
    await s.click(await s.$('[data-testid="save-exception"]'));
    await waitFor(async () => (await s.$$('[data-testid="exception-form"]')).length === 0, "the edit form to close");
    await waitFor(async () => /reviewed in the E2E run/.test(await textOf(row)), "the new justification listed");

    await clickButton(row, "expire");
    await waitFor(async () => /expired/.test(await textOf(`${row} .badge`)), "the exception to be expired");

    await clickButton(row, "history");
    await waitFor(async () => {
      const t = (await textOf("ol.audit")) ?? "";
      return /create .* via demo/.test(t) && /update .* via desktop/.test(t) && /expire .* via desktop/.test(t);
    }, "create, update and expire in the audit trail");
    await shot("flows-02-audit-trail");
    await s.exec(`document.querySelector('.modal [aria-label="Close"]').click()`);
    await waitFor(async () => (await s.$$("ol.audit")).length === 0, "the audit trail to close");

    // Deleting asks in a native dialog: Escape keeps the exception, OK deletes it.
    await clickButton(row, "delete");
    await answerDialog("Delete exception", "Escape");
    assert.ok((await s.$$(row)).length === 1, "cancelled: the exception stays");
    await clickButton(row, "delete");
    await dialogWindow("Delete exception");
    screenCapture(SHOTS, "flows-03-confirm-delete");
    await answerDialog("Delete exception", "alt+o");
    await waitFor(async () => (await s.$$(row)).length === 0, "the exception to be deleted");
  });

  it("saves an HTML report and the workspace file through the native save dialog", async () => {
    await nav("export");
    const html = path.join(dataDir, "parity-report.html");
    await s.click(await s.waitFor$('[data-testid="save-html"]'));
    await chooseFile("Save the HTML report", html);
    await waitFor(async () => (await textOf('[data-testid="saved"]'))?.includes(html), "the saved path shown");
    const report = readFileSync(html, "utf8");
    assert.match(report, /<html/);
    assert.match(report, /shop-demo/);
    assert.ok(!report.includes("<img src=x"), "no injected markup");

    const toml = path.join(dataDir, "envparity.toml");
    await s.click(await s.$('[data-testid="save-toml"]'));
    await chooseFile("Save the workspace file", toml);
    await waitFor(() => existsSync(toml), "the workspace file written");
    const text = readFileSync(toml, "utf8");
    assert.match(text, /\[\[environment\]\]/);
    assert.ok(!text.includes("prod-instance-size"), "the deleted exception is gone from the file");
  });

  it("writes only files chosen in its own dialogs, whatever the page sends", async () => {
    // What a compromised page could try: name a path itself, reuse a path chosen earlier, or
    // open a file dialog without the backend. Each call's outcome comes back as text.
    const call = (cmd, args) =>
      s.execAsync(
        `const done = arguments[arguments.length - 1];
         window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
           .then(() => done("ok"), (e) => done("refused: " + (typeof e === "string" ? e : JSON.stringify(e))));`,
        cmd,
        args,
      );
    const forged = path.join(dataDir, "forged.html");
    const reused = path.join(dataDir, "parity-report.html");
    rmSync(reused);
    for (const p of [forged, reused]) {
      const out = await call("save_report", { path: p, format: "html" });
      assert.match(out, /^refused: .*not the file chosen in the report dialog/, out);
      assert.ok(!existsSync(p), `${p} was written`);
    }
    const tf = await call("import_tfstate", { environment: "x", path: "/etc/passwd" });
    assert.match(tf, /^refused: .*\/etc\/passwd/, tf);
    const dialog = await call("plugin:dialog|open", { options: { title: "sneaky" } });
    assert.match(dialog, /^refused: .*not allowed/i, dialog);
  });

  it("creates a workspace, adds environments with keys in the OS keyring and collects them from moto", async () => {
    const db = path.join(dataDir, "team.sqlite");
    await s.click(await s.$(".ws-button"));
    await clickButton(".menu", "New workspace…");
    await chooseFile("New workspace", db);
    await waitFor(async () => /team/.test(await workspaceName()), "the new workspace open");
    assert.equal((await s.$$('[data-testid="demo-banner"]')).length, 0, "no demo banner on a real workspace");

    await nav("environments");
    for (const env of ["staging", "prod"]) {
      await s.click(await s.waitFor$('[data-testid="add-environment"]'));
      await s.waitFor$('[data-testid="environment-form"]');
      await typeInto('[data-testid="environment-form"] input[name=name]', env);
      await s.click(await s.$('input[name=source][value=keyring]'));
      await typeInto("input[name=access-key-id]", `AKIAE2E${env.toUpperCase()}`);
      await typeInto("input[name=secret-access-key]", SECRETS[env]);
      await typeInto("input[name=endpoint-url]", moto.endpoint);
      await typeInto("textarea[name=tags]", `Environment=${env}`);
      if (env === "staging") await shot("flows-03-environment-form");
      await clickButton('[data-testid="environment-form"]', "Add environment");
      await waitFor(async () => (await s.$$('[data-testid="environment-form"]')).length === 0, "the form to close");
      await s.waitFor$(`tr[data-env="${env}"]`);
    }
    assert.match(await textOf('tr[data-env="staging"]'), /static keys \(keyring\)/);

    await clickButton('tr[data-env="staging"]', "test connection");
    await waitFor(async () => /✓ us-east-1/.test(await textOf('tr[data-env="staging"]')), "the connection test to pass", 30000);

    await clickButton(".toolbar", "Collect all");
    await waitFor(
      async () => ((await textOf('[data-testid="collect-outcomes"]')) ?? "").match(/snapshot #\d+, \d+ resources/g)?.length === 2,
      "both environments collected",
      120000,
      200,
    );
    const phases = await s.exec(`return [...document.querySelectorAll('[data-testid="progress"] tr')].map(r => r.dataset.env + ' ' + r.dataset.unit + ' ' + r.dataset.phase)`);
    assert.ok(phases.some((p) => /^staging ec2.instance.* done$/.test(p)), `progress per service: ${phases.join("; ")}`);
    assert.ok(phases.some((p) => /^prod ssm.parameter.* done$/.test(p)), `progress per service: ${phases.join("; ")}`);
    await shot("flows-04-collected");

    // The keys went to the keyring, never to the database; moto's plaintexts were not kept.
    const bytes = dbBytes(db);
    for (const secret of [...Object.values(SECRETS), ...PLAINTEXTS]) assert.ok(!bytes.includes(secret), `${secret} in the database`);

    await nav("matrix");
    await waitFor(
      async () => (await s.exec(`return [...document.querySelectorAll('.tr[data-key]')].some(r => r.dataset.status === 'drift')`)) === true,
      "drift between staging and prod in the matrix",
      30000,
    );
    await shot("flows-05-moto-matrix");
  });

  it("cancels a hanging collection and stores nothing", async () => {
    await nav("environments");
    await s.click(await s.waitFor$('[data-testid="add-environment"]'));
    await typeInto('[data-testid="environment-form"] input[name=name]', "hang");
    await s.click(await s.$('input[name=source][value=keyring]'));
    await typeInto("input[name=access-key-id]", "AKIAE2EHANG");
    await typeInto("input[name=secret-access-key]", SECRETS.hang);
    await typeInto("input[name=endpoint-url]", hole.endpoint);
    await clickButton('[data-testid="environment-form"]', "Add environment");
    await s.waitFor$('tr[data-env="hang"]');

    const before = hole.accepted();
    await clickButton('tr[data-env="hang"]', "collect");
    await waitFor(() => hole.accepted() > before, "the collection to reach the endpoint", 30000);
    await s.waitFor$('[data-testid="cancel-collect"]');
    await s.click(await s.$('[data-testid="cancel-collect"]'));
    await waitFor(async () => /collection cancelled/.test((await textOf(".error-note")) ?? ""), "the cancellation reported");
    assert.match(await textOf('tr[data-env="hang"]'), /none yet/);
    const phases = await s.exec(`return [...document.querySelectorAll('[data-testid="progress"] tr[data-env="hang"]')].map(r => r.dataset.phase)`);
    assert.ok(phases.includes("stopped") && !phases.includes("started"), `units after cancel: ${phases.join(", ")}`);
    await shot("flows-06-cancelled");
  });

  it("imports a real Terraform state through the native open dialog", async () => {
    await nav("snapshots");
    await typeInto('[data-testid="tf-environment"]', "tf-dev");
    await s.click(await s.$('[data-testid="import-tfstate"]'));
    await chooseFile("Import a Terraform state", TFSTATE);
    await waitFor(async () => /Imported \d+ resources into tf-dev/.test((await textOf('[data-testid="tf-imported"]')) ?? ""), "the import summary");
    assert.match(await textOf('[data-testid="tf-imported"]'), /new environment/);
    await shot("flows-07-tfstate");
  });

  it("switches back to the demo and to the team workspace from the recent list", async () => {
    await s.click(await s.$(".ws-button"));
    await clickButton(".menu", "Open the demo");
    await s.waitFor$('[data-testid="demo-banner"]');
    await s.click(await s.$(".ws-button"));
    await clickButton(".menu", "team.sqlite");
    await waitFor(async () => /team/.test(await workspaceName()), "the team workspace again");
    await nav("environments");
    await s.waitFor$('tr[data-env="tf-dev"]');
  });
});

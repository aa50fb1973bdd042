// A small W3C WebDriver client over fetch, and the tauri-driver process it talks to. Every wait
// polls a condition with a bounded timeout; nothing sleeps for a fixed time.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** Whether the app with data directory `dataDir` has a matrix stored in its matrix cache (a
 * `.matrix` file, and no write under way). */
export function matrixCacheStored(dataDir) {
  const dir = path.join(dataDir, "matrix-cache");
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return names.some((n) => n.endsWith(".matrix")) && !names.some((n) => n.endsWith(".tmp"));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeout` ms. */
export async function waitFor(fn, what, timeout = 15000, interval = 50) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await delay(interval);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/** The pids of processes whose environment holds `marker` (an exact `NAME=value` entry). */
function processesWith(marker) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/**
 * Starts tauri-driver (which starts WebKitWebDriver, which starts the app) with `env` passed on
 * to the app. Every process of the run carries a unique marker in its environment, so `stop()`
 * also ends an app that outlived its WebDriver session (the session's end and the driver's
 * shutdown race), and nothing is left holding the driver's output pipes.
 */
export async function startDriver({ tauriDriver, nativeDriver, env }) {
  const port = await freePort();
  const nativePort = await freePort();
  const args = ["--port", String(port), "--native-port", String(nativePort)];
  if (nativeDriver) args.push("--native-driver", nativeDriver);
  const marker = `ENVPARITY_E2E_RUN=${process.pid}-${port}`;
  const [markerName, markerValue] = marker.split("=");
  const proc = spawn(tauriDriver, args, {
    env: { ...process.env, ...env, [markerName]: markerValue },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout.on("data", (d) => (log += d));
  proc.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`tauri-driver exited: ${log}`);
    const r = await fetch(`${base}/status`);
    return r.ok;
  }, "tauri-driver to listen", 20000, 100);
  return {
    base,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, "tauri-driver to exit", 5000).catch(() =>
          proc.kill("SIGKILL"),
        );
      }
      for (const pid of processesWith(marker)) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      await waitFor(() => processesWith(marker).length === 0, "the app to exit", 5000).catch(() => {
        for (const pid of processesWith(marker)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      });
      proc.stdout.destroy();
      proc.stderr.destroy();
    },
  };
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, application) {
    const r = await fetch(`${base}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ capabilities: { alwaysMatch: { "tauri:options": { application } } } }),
    });
    const j = await r.json();
    if (!r.ok) throw new Error(`new session: ${JSON.stringify(j)}`);
    return new Session(base, j.value.sessionId);
  }

  async cmd(method, path, body) {
    const r = await fetch(`${this.base}/session/${this.id}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j.value ?? j)}`);
    return j.value;
  }

  async delete() {
    await fetch(`${this.base}/session/${this.id}`, { method: "DELETE" }).catch(() => {});
  }

  async $(css) {
    const v = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return v[ELEMENT];
  }

  async $$(css) {
    const v = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return v.map((e) => e[ELEMENT]);
  }

  async waitFor$(css, timeout = 15000) {
    return waitFor(async () => (await this.$$(css))[0], `element ${css}`, timeout);
  }

  click(el) {
    return this.cmd("POST", `/element/${el}/click`, {});
  }

  /** Finds `css` and clicks it, finding it again while a re-render replaces the node in between
   *  (a "stale element reference"), within the usual bounded wait. */
  clickCss(css, timeout = 15000) {
    return waitFor(
      async () => {
        const el = (await this.$$(css))[0];
        if (!el) return false;
        try {
          await this.click(el);
          return true;
        } catch (e) {
          if (/stale element reference/.test(String(e?.message))) return false;
          throw e;
        }
      },
      `a click on ${css}`,
      timeout,
    );
  }

  text(el) {
    return this.cmd("GET", `/element/${el}/text`);
  }

  type(el, text) {
    return this.cmd("POST", `/element/${el}/value`, { text });
  }

  clear(el) {
    return this.cmd("POST", `/element/${el}/clear`, {});
  }

  exec(script, ...args) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  execAsync(script, ...args) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  /**
   * The window as PNG bytes, once the page has painted its latest changes (two frames).
   *
   * WebKitWebDriver answers a screenshot only after the page's next rendering update. Without
   * compositing (the app's choice when the machine has no GPU render node, as under Xvfb: see
   * src-tauri/src/rendering.rs) a page that does not change never has one, and the request waited
   * until its 300 s timeout. So while the request is pending, the page repaints the app's root
   * every frame, toggling its background between two fully transparent colours: the pixels stay
   * the same (checked against X screen grabs before and after), and the repaint lets the answer
   * come. The toggling stops when the answer has come, and after 600 frames in any case.
   */
  async screenshot() {
    await this.execAsync("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));");
    await this.exec(
      `const root = document.getElementById("root");
       let frames = 0;
       window.__repaintForScreenshot = true;
       const step = () => {
         if (!window.__repaintForScreenshot || ++frames > 600) return void (root.style.backgroundColor = "");
         root.style.backgroundColor = frames % 2 ? "rgba(0, 0, 0, 0)" : "rgba(255, 255, 255, 0)";
         requestAnimationFrame(step);
       };
       requestAnimationFrame(step);`,
    );
    try {
      return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
    } finally {
      await this.exec("window.__repaintForScreenshot = false");
    }
  }

  /** Saves the window as `dir/name.png`; returns the file. */
  async saveScreenshot(dir, name) {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.png`);
    writeFileSync(file, await this.screenshot());
    return file;
  }
}

/**
 * Launches the app (`app`: the envparity-desktop binary) on a fresh data directory, where a first
 * run opens the demo workspace, and waits for the matrix. `close()` ends the session and the
 * driver and removes the directory.
 */
export async function launchApp({
  app,
  prefix,
  tauriDriver = process.env.TAURI_DRIVER ?? path.join(homedir(), ".cargo/bin/tauri-driver"),
  nativeDriver = process.env.NATIVE_DRIVER ?? "/usr/bin/WebKitWebDriver",
}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), `envparity-${prefix}-`));
  let driver;
  let s;
  const close = async () => {
    await s?.delete();
    await driver?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    driver = await startDriver({ tauriDriver, nativeDriver, env: { ENVPARITY_DATA_DIR: dataDir } });
    s = await Session.create(driver.base, app);
    await s.waitFor$(".tr[data-key]", 60000);
  } catch (e) {
    await close();
    throw e;
  }
  return { s, dataDir, close };
}

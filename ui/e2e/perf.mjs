// Performance of the real app on a large workspace (not a test: it prints figures).
//   envparity-seed large /abs/large.sqlite 20000      # 3 × 20,000 resources, 300,000 rows
//   APP=/abs/release/envparity-desktop WORKSPACE=/abs/large.sqlite \
//   xvfb-run -a -s "-screen 0 1440x900x24" node e2e/perf.mjs
// (RUNS=N runs; the first launch computes the matrix, later ones read it from the matrix cache
// unless its files are removed meanwhile — then set STORE_WAIT=0.)
// Launch: from asking tauri-driver for a session (which starts the app) to the first matrix row in
// the DOM. Filter change: in the page, from the click to the DOM showing the new rows ("dom"), and
// to the next frame painted after that ("painted"), and the part of it the query took in Rust
// (the page's `elapsed_us`, which the matrix body carries). Each filter is a fresh query (never a
// cached page), alternating so that every click changes the rows.
// "Painted" is WebKit's word for it (two animation frames later); the pixels reach the X screen
// later still. With SCREEN_PYTHON=/path/to/python (one with python-xlib 0.33), screen-poll.py
// watches the first rows' pixels on the screen and each filter also gets "on screen": from the
// click until those pixels show what they settle in ("unchanged" when the first rows look the
// same before and after).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { matrixCacheStored, Session, startDriver, waitFor } from "./webdriver.mjs";

const APP = process.env.APP;
const WORKSPACE = process.env.WORKSPACE;
if (!APP || !WORKSPACE) throw new Error("set APP and WORKSPACE");
const RUNS = Number(process.env.RUNS ?? 3);

/** Applies a filter (a click on `target`, or choosing `value` in the `target` select) and times the
 * DOM update and the next painted frame. */
const measure = (s, target, value = null) =>
  s.execAsync(
    `const done = arguments[arguments.length - 1];
     const body = document.querySelector('[data-testid="matrix-body"]');
     const signature = () => body.dataset.total + '|' + [...document.querySelectorAll('.tr[data-key]')].slice(0, 3).map(r => r.dataset.key + r.dataset.attribute + r.dataset.status).join();
     const before = signature();
     const t0 = performance.now();
     let dom = null;
     const check = () => {
       if (dom === null && body.dataset.loading === "false" && signature() !== before) {
         dom = performance.now() - t0;
         // the frame that shows it: painted once the next frame's callbacks run
         requestAnimationFrame(() => requestAnimationFrame(() => done({ click: performance.timeOrigin + t0, dom, painted: performance.now() - t0, total: Number(body.dataset.total), rust: Number(body.dataset.queryUs) / 1000 })));
       }
     };
     const mo = new MutationObserver(check);
     mo.observe(body, { attributes: true, childList: true, subtree: true });
     setTimeout(() => { mo.disconnect(); if (dom === null) done({ dom: -1, painted: -1, total: Number(body.dataset.total), rust: -1 }); }, 10000);
     const el = document.querySelector(arguments[0]);
     if (arguments[1] === null) {
       el.click();
     } else {
       el.value = arguments[1];
       el.dispatchEvent(new Event("change", { bubbles: true }));
     }`,
    target,
    value,
  );

/** Scrolls the matrix down by `screens` heights of its scroll area (to the top when null) and
 * times the next painted frame. */
const scrollBy = (s, screens) =>
  s.execAsync(
    `const done = arguments[arguments.length - 1];
     const body = document.querySelector('[data-testid="matrix-body"]');
     const t0 = performance.now();
     body.scrollTop = arguments[0] === null ? 0 : body.scrollTop + arguments[0] * body.clientHeight;
     requestAnimationFrame(() => requestAnimationFrame(() => done({ click: performance.timeOrigin + t0, painted: performance.now() - t0 })));`,
    screens,
  );

/** Peak resident memory (VmHWM, MiB) of the running processes whose command line contains
 * `needle` (the app's own process, and WebKit's web process that renders its UI), largest first. */
const peakMiB = (needle) => {
  let pids = [];
  try {
    pids = execFileSync("pgrep", ["-f", needle], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
  return pids
    .map((pid) => {
      try {
        const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+) kB/);
        return m ? Math.round(Number(m[1]) / 1024) : 0;
      } catch {
        return 0;
      }
    })
    .filter((x) => x > 0)
    .sort((a, b) => b - a);
};

/** Watches the first rows' pixels on the screen (see the top), or returns null without
 * SCREEN_PYTHON. `after(t)`: ms from epoch time `t` until those pixels first show what they
 * finally show (a frame may paint them in parts: the state they settle in, 200 ms without a
 * change, counts), or null when they end as they were before `t` (none within 1.5 s). */
const watchScreen = async (s) => {
  if (!process.env.SCREEN_PYTHON) return null;
  const r = await s.exec(
    `const b = document.querySelector('[data-testid="matrix-body"]').getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height, sx: window.screenX, sy: window.screenY };`,
  );
  const region = [r.sx + r.x, r.sy + r.y, Math.min(300, r.w), Math.min(90, r.h)].map((v) => String(Math.round(v)));
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "screen-poll.py");
  const proc = spawn(process.env.SCREEN_PYTHON, [script, ...region], { stdio: ["pipe", "pipe", "inherit"] });
  /** Every change: [epoch ms, pixels' CRC]. */
  const changes = [];
  let buf = "";
  proc.stdout.on("data", (d) => {
    buf += d;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const [time, crc] = buf.slice(0, i).split(" ");
      changes.push([Number(time), crc]);
      buf = buf.slice(i + 1);
    }
  });
  await waitFor(() => changes.length > 0, "the screen poller's first grab", 10000, 10);
  return {
    async after(t) {
      // settled: changed since `t` and then quiet for 200 ms, or unchanged for 1.5 s
      const last = () => changes[changes.length - 1][0];
      const settled = () => (last() > t && Date.now() - last() >= 200) || Date.now() - t >= 1500;
      await waitFor(settled, "the screen to settle", 5000, 10).catch(() => {});
      const final = changes[changes.length - 1][1];
      const before = changes.filter(([time]) => time <= t).pop()?.[1];
      if (final === before) return null;
      const first = changes.find(([time, crc]) => time > t && crc === final);
      return first ? first[0] - t : null;
    },
    stop: () => proc.stdin.end(),
  };
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** A step's "on screen" for its line (empty without SCREEN_PYTHON). */
const shownText = (screen, r) => (!screen ? "" : r.screen === null ? ", on screen: unchanged" : `, on screen ${r.screen.toFixed(0).padStart(4)} ms`);

/** The steps' median "on screen" for the summary (empty without SCREEN_PYTHON). */
const onScreenMedian = (rs) => {
  if (!process.env.SCREEN_PYTHON) return "";
  const seen = rs.map((r) => r.screen).filter((x) => x !== null && x !== undefined);
  return `, on screen ${seen.length ? `${median(seen).toFixed(0)} ms (${seen.length} of ${rs.length} changed it)` : "unchanged"}`;
};

const dataDir = mkdtempSync(path.join(tmpdir(), "envparity-perf-"));
const driver = await startDriver({
  tauriDriver: process.env.TAURI_DRIVER ?? path.join(process.env.HOME ?? "/root", ".cargo/bin/tauri-driver"),
  nativeDriver: process.env.NATIVE_DRIVER ?? "/usr/bin/WebKitWebDriver",
  env: { ENVPARITY_DATA_DIR: dataDir, ENVPARITY_WORKSPACE: WORKSPACE },
});
const launches = [];
const filters = {};
const scrolls = [];
const memory = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    const t0 = Date.now();
    const s = await Session.create(driver.base, APP);
    await waitFor(async () => (await s.$$(".tr[data-key]")).length > 0, "first matrix row", 60000, 20);
    const ms = Date.now() - t0;
    launches.push(ms);
    const total = await s.exec(`return document.querySelector('[data-testid="matrix-body"]').dataset.total`);
    const meta = await s.execAsync(
      `const done = arguments[arguments.length - 1];
       window.__TAURI_INTERNALS__.invoke("matrix_meta", { columns: [] }).then((m) => done({ rows: m.total_rows, ms: m.compute_ms, cached: m.from_cache }), (e) => done({ error: String(e) }));`,
    );
    console.log(
      `run ${run}: launch → matrix visible ${ms} ms (unexplained rows ${total}; of it, ${meta.cached ? "reading the matrix cache" : "loading and comparing"} for ${meta.rows} rows in Rust: ${meta.ms} ms)`,
    );
    // five fresh queries per run, each changing the rows shown
    const steps = [
      ["unexplained off", '[data-testid="unexplained-only"]'],
      ["kind ec2.instance", 'select[aria-label="Kind"]', "ec2.instance"],
      ["kind rds", 'select[aria-label="Kind"]', "rds.db_instance"],
      ["category size", 'select[aria-label="Category"]', "size"],
      ["unexplained on", '[data-testid="unexplained-only"]'],
    ];
    const screen = await watchScreen(s);
    for (const [name, target, value] of steps) {
      const r = await measure(s, target, value);
      r.screen = screen ? await screen.after(r.click) : null;
      (filters[name] ??= []).push(r);
      console.log(`run ${run}: ${name.padEnd(17)} dom ${r.dom.toFixed(0).padStart(4)} ms, painted ${r.painted.toFixed(0).padStart(4)} ms${shownText(screen, r)} (of it, the query in Rust ${r.rust.toFixed(0)} ms), ${r.total} rows`);
    }
    // all rows shown again (the steps above leave unexplained-only on, kind rds, category size:
    // each reset changes the rows)
    await measure(s, '[data-testid="unexplained-only"]');
    await measure(s, 'select[aria-label="Kind"]', "");
    await measure(s, 'select[aria-label="Category"]', "");
    // scrolling by a screen within the first page (rows already in the page: no query), from the
    // top; each step timed to the next painted frame and to the pixels
    if (screen) await screen.after((await scrollBy(s, null)).click);
    for (let i = 1; i <= 4; i++) {
      const r = await scrollBy(s, 1);
      r.screen = screen ? await screen.after(r.click) : null;
      scrolls.push(r);
      console.log(`run ${run}: ${"scroll a screen".padEnd(17)} painted ${r.painted.toFixed(0).padStart(4)} ms${shownText(screen, r)}`);
    }
    screen?.stop();
    // every row is reachable: scrolled to the bottom, the last one shown
    const reach = await s.execAsync(
      `const done = arguments[arguments.length - 1];
       const b = document.querySelector('[data-testid="matrix-body"]');
       b.scrollTop = b.scrollHeight;
       const t0 = performance.now();
       const poll = () => {
         const shown = [...document.querySelectorAll('.tr[data-key]')].map((r) => Number(r.getAttribute('aria-rowindex')) - 1);
         const last = Math.max(0, ...shown);
         if (last === Number(b.dataset.total) || performance.now() - t0 > 10000) done({ last, total: Number(b.dataset.total), height: b.scrollHeight });
         else setTimeout(poll, 20);
       };
       poll();`,
    );
    console.log(`run ${run}: scrolled to the bottom of ${reach.total} rows (scroll area ${reach.height} px): last row shown ${reach.last}${reach.last === reach.total ? " — every row reachable" : " — NOT the last row"}`);
    const app = peakMiB(APP);
    const web = peakMiB("WebKitWebProcess");
    memory.push(app[0] ?? 0);
    console.log(`run ${run}: peak resident memory: app process ${app[0] ?? "?"} MiB, WebKit web process ${web[0] ?? "?"} MiB`);
    // After a miss the app stores the matrix in the background, between commands. Ending the
    // session kills the app: wait for the file first, as a user who looks at the screen for a
    // moment gives it time to (STORE_WAIT=0 skips this, e.g. while a loop removes the files to
    // force misses).
    if (!meta.cached && process.env.STORE_WAIT !== "0") {
      const t = Date.now();
      try {
        await waitFor(async () => matrixCacheStored(dataDir), "the matrix stored in the matrix cache", 60000, 50);
        console.log(`run ${run}: the matrix was stored ${Date.now() - t} ms after the run's last step`);
      } catch {
        console.log(`run ${run}: the matrix was NOT stored within 60 s of the run's last step (the next launch misses)`);
      }
    }
    await s.delete();
  }
} finally {
  await driver.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const warm = launches.slice(1);
console.log(`\nlaunch → matrix visible: first ${launches[0]} ms; later runs median ${warm.length ? median(warm) : "n/a"} ms   (target ≤ 1500 ms at 3 × 20,000 resources, ≤ 2500 ms at 3 × 100,000)`);
console.log(`peak resident memory of the app process: median ${median(memory)} MiB   (goal ≤ 1536 MiB at 3 × 100,000)`);
for (const [name, rs] of Object.entries(filters)) {
  console.log(
    `filter ${name.padEnd(17)} median dom ${median(rs.map((r) => r.dom)).toFixed(0)} ms, painted ${median(rs.map((r) => r.painted)).toFixed(0)} ms${onScreenMedian(rs)}, query in Rust ${median(rs.map((r) => r.rust)).toFixed(0)} ms   (target ≤ 100 ms)`,
  );
}
if (scrolls.length) {
  console.log(`${"scroll a screen".padEnd(24)} median painted ${median(scrolls.map((r) => r.painted)).toFixed(0)} ms${onScreenMedian(scrolls)}`);
}

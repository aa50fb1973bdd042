// Performance of the real app on a large workspace (not a test: it prints figures).
//   APP=/abs/release/envparity-desktop WORKSPACE=/abs/large.sqlite \
//   xvfb-run -a -s "-screen 0 1440x900x24" node e2e/perf.mjs
// Launch: from asking tauri-driver for a session (which starts the app) to the first matrix row
// in the DOM; also the moment the app's own page started (performance.timeOrigin) to that row.
// Filter change: in the page, from the click to the next frame painted with the new rows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Session, startDriver, waitFor } from "./webdriver.mjs";

const APP = process.env.APP;
const WORKSPACE = process.env.WORKSPACE;
if (!APP || !WORKSPACE) throw new Error("set APP and WORKSPACE");
const RUNS = Number(process.env.RUNS ?? 3);

const measureClick = (s, css) =>
  s.execAsync(
    `const done = arguments[arguments.length - 1];
     const body = document.querySelector('[data-testid="matrix-body"]');
     const before = body.dataset.total;
     const firstKey = () => document.querySelector('.tr[data-key]')?.dataset.key + '|' + document.querySelector('.tr[data-key]')?.dataset.attribute;
     const beforeKey = firstKey();
     const t0 = performance.now();
     document.querySelector(arguments[0]).click();
     const check = () => {
       if (body.dataset.loading === "false" && (body.dataset.total !== before || firstKey() !== beforeKey)) {
         requestAnimationFrame(() => done({ ms: performance.now() - t0, total: Number(body.dataset.total) }));
       } else if (performance.now() - t0 > 10000) {
         done({ ms: -1, total: Number(body.dataset.total) });
       } else {
         requestAnimationFrame(check);
       }
     };
     requestAnimationFrame(check);`,
    css,
  );

const dataDir = mkdtempSync(path.join(tmpdir(), "envparity-perf-"));
const driver = await startDriver({
  tauriDriver: process.env.TAURI_DRIVER ?? path.join(process.env.HOME ?? "/root", ".cargo/bin/tauri-driver"),
  nativeDriver: process.env.NATIVE_DRIVER ?? "/usr/bin/WebKitWebDriver",
  env: { ENVPARITY_DATA_DIR: dataDir, ENVPARITY_WORKSPACE: WORKSPACE },
});
try {
  for (let run = 1; run <= RUNS; run++) {
    const t0 = Date.now();
    const s = await Session.create(driver.base, APP);
    const created = Date.now();
    await waitFor(async () => (await s.$$(".tr[data-key]")).length > 0, "first matrix row", 60000, 20);
    const visible = Date.now();
    const inPage = await s.exec("return performance.now()");
    const total = await s.exec(`return document.querySelector('[data-testid="matrix-body"]').dataset.total`);
    console.log(
      `run ${run}: launch→matrix visible ${visible - t0} ms (session ready after ${created - t0} ms; page age at first row ≈ ${Math.round(inPage)} ms); unexplained rows ${total}`,
    );
    const off = await measureClick(s, '[data-testid="unexplained-only"]');
    console.log(`run ${run}: filter change (unexplained off) → painted in ${off.ms.toFixed(1)} ms, ${off.total} rows`);
    const on = await measureClick(s, '[data-testid="unexplained-only"]');
    console.log(`run ${run}: filter change (unexplained on) → painted in ${on.ms.toFixed(1)} ms, ${on.total} rows`);
    const chip = await measureClick(s, ".status-chips .chip.status-drift");
    console.log(`run ${run}: filter change (status=drift) → painted in ${chip.ms.toFixed(1)} ms, ${chip.total} rows`);
    await s.delete();
  }
} finally {
  await driver.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Session, startDriver, waitFor } from "./webdriver.mjs";
const dataDir = mkdtempSync(path.join(tmpdir(), "ipc-"));
const driver = await startDriver({ tauriDriver: "/root/.cargo/bin/tauri-driver", nativeDriver: "/usr/bin/WebKitWebDriver", env: { ENVPARITY_DATA_DIR: dataDir, ENVPARITY_WORKSPACE: "/tmp/large.sqlite" } });
try {
  const s = await Session.create(driver.base, process.env.APP);
  await waitFor(async () => (await s.$$(".tr[data-key]")).length > 0, "row", 60000, 20);
  for (let i = 0; i < 4; i++) {
    const r = await s.execAsync(`const done = arguments[arguments.length-1];
      const body = document.querySelector('[data-testid="matrix-body"]');
      const before = body.dataset.total;
      const marks = {};
      const t0 = performance.now();
      const origInvoke = window.__TAURI_INTERNALS__.invoke;
      window.__TAURI_INTERNALS__.invoke = (...a) => { if (a[0]==='matrix_page' && !marks.invoke) marks.invoke = performance.now()-t0; const p = origInvoke(...a); p.then(() => { if (!marks.resolved) marks.resolved = performance.now()-t0; }); return p; };
      const mo = new MutationObserver(() => { if (body.dataset.total !== before && !marks.dom) { marks.dom = performance.now()-t0; requestAnimationFrame(() => { marks.raf = performance.now()-t0; setTimeout(() => { window.__TAURI_INTERNALS__.invoke = origInvoke; mo.disconnect(); done(marks); }, 0); }); } });
      mo.observe(body, { attributes: true });
      document.querySelector('[data-testid="unexplained-only"]').click();
      marks.clickReturned = performance.now()-t0;`);
    console.log(JSON.stringify(r));
  }
  await s.delete();
} finally { await driver.stop(); }

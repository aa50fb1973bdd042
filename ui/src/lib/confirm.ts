// Destructive actions ask first, in a native dialog. (The dialog plugin replaces `window.confirm`
// with an async version whose Promise is always truthy, so `if (window.confirm(...))` would never
// wait for the answer: always go through here.)
import { confirm } from "@tauri-apps/plugin-dialog";

/** Asks `question` in a native OK/Cancel dialog titled `title`; runs `then` only on OK. */
export async function askThen(question: string, title: string, then: () => void, ask = confirm): Promise<boolean> {
  const ok = await ask(question, { title, kind: "warning" });
  if (ok) then();
  return ok;
}

// Native dialogs (GTK file choosers and message dialogs opened by the dialog plugin) live outside
// the webview, so WebDriver cannot reach them; xdotool answers them as a user would, on the Xvfb
// display the app runs on. Every wait is a bounded poll.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { waitFor } from "./webdriver.mjs";

const xdotool = (...args) => execFileSync("xdotool", args, { encoding: "utf8" }).trim();

const exactly = (title) => `^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;

/** Waits for a visible window titled exactly `title`; returns its id. */
export async function dialogWindow(title, timeout = 15000) {
  const pattern = exactly(title);
  return waitFor(
    () => {
      try {
        return xdotool("search", "--onlyvisible", "--name", pattern).split("\n")[0] || null;
      } catch {
        return null; // xdotool exits 1 while no window matches
      }
    },
    `the native dialog "${title}"`,
    timeout,
    100,
  );
}

async function focused(title) {
  const win = await dialogWindow(title);
  xdotool("windowfocus", "--sync", win);
  return win;
}

/**
 * Answers a GTK file chooser titled `title` with the absolute path `file`: typed into the location
 * (or name) entry, then Enter. GTK's inline completion can take the first Enter, so Enter is
 * pressed again (at most three times) while the dialog stays open.
 */
export async function chooseFile(title, file) {
  await focused(title);
  // Ctrl+L shows the location entry in open dialogs; in save dialogs the name entry has focus and
  // takes a whole path. Select what is there, type over it.
  xdotool("key", "--clearmodifiers", "ctrl+l");
  xdotool("key", "--clearmodifiers", "ctrl+a");
  xdotool("type", "--delay", "5", file);
  let closed = false;
  for (let attempt = 1; attempt <= 3 && !closed; attempt++) {
    xdotool("key", "--clearmodifiers", "Return");
    closed = await gone(title, 3000).then(
      () => true,
      () => false,
    );
  }
  if (!closed) {
    // what the dialog shows (an error, a search…) is the diagnosis
    const shot = screenCapture(process.env.SHOTS ?? "/tmp", `dialog-${title.replace(/\W+/g, "-")}`);
    throw new Error(`the native dialog "${title}" did not take ${file} (screen: ${shot})`);
  }
}

/** Answers a message dialog titled `title` with `key` (`alt+o` for _OK, Escape to cancel). */
export async function answerDialog(title, key) {
  await focused(title);
  xdotool("key", "--clearmodifiers", key);
  await gone(title);
}

/** The whole X screen (dialogs included, which WebDriver screenshots miss) as `dir/name.png`. */
export function screenCapture(dir, name) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  execFileSync("import", ["-window", "root", file]);
  return file;
}

async function gone(title, timeout = 15000) {
  await waitFor(
    () => {
      try {
        xdotool("search", "--onlyvisible", "--name", exactly(title));
        return false;
      } catch {
        return true;
      }
    },
    `the native dialog "${title}" to close`,
    timeout,
    100,
  );
}

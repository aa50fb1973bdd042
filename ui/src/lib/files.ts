// Where native file dialogs start: the folder last used for the same purpose, else the home
// folder (GTK's open dialog otherwise starts in "Recent", which hides the user's files).
import { homeDir } from "@tauri-apps/api/path";

const KEY = "envparity.lastDir.";

/** The folder of `file` (either separator). */
export function folderOf(file: string): string {
  const i = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return i > 0 ? file.slice(0, i) : file;
}

/** The folder a dialog for `purpose` should open in. */
export async function startFolder(purpose: string, storage: Pick<Storage, "getItem"> = localStorage): Promise<string | undefined> {
  const last = storage.getItem(KEY + purpose);
  if (last) return last;
  try {
    return await homeDir();
  } catch {
    return undefined; // the dialog picks its own start
  }
}

/** Remembers the folder of the file chosen for `purpose`. */
export function rememberFolder(purpose: string, file: string, storage: Pick<Storage, "setItem"> = localStorage): void {
  storage.setItem(KEY + purpose, folderOf(file));
}

# Shared by scripts/demo and scripts/test for the desktop app: its system packages, the UI's npm
# packages, the built UI, and the E2E drivers. Installs what is missing, never more.
# shellcheck shell=bash

# Tauri v2 on Debian 12 (WebKitGTK 4.1), plus what E2E and screenshots need.
DESKTOP_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
  libssl-dev pkg-config build-essential file)
DESKTOP_E2E_PACKAGES=(xvfb xauth imagemagick xdotool webkit2gtk-driver)

# node_need: Node 20+ and npm must already be there (Debian 12's own nodejs is too old for Vite 7).
node_need() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "EnvParity's UI needs Node.js 20 or newer with npm (https://nodejs.org); install it and re-run." >&2
    exit 2
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -lt 20 ]; then
    echo "Node.js $major found; EnvParity's UI needs 20 or newer." >&2
    exit 2
  fi
}

# ui_deps_need: `npm ci` in ui/ when node_modules is missing or older than the lock file.
ui_deps_need() {
  node_need
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    log "npm ci (ui/)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ui_build: builds ui/dist, which the app embeds.
ui_build() {
  ui_deps_need
  log "building the UI (ui/dist)"
  (cd "$ROOT/ui" && npm run --silent build >/dev/null)
}

# tauri_driver_need: the WebDriver bridge for the E2E tests (cargo install, about a minute).
tauri_driver_need() {
  if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    log "installing tauri-driver"
    cargo install tauri-driver --locked --quiet
  fi
}

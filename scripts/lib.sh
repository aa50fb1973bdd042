# Shared by scripts/demo and scripts/test: installs what is missing, never more.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ENVPARITY_CACHE:-$HOME/.cache/envparity}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
# Each run builds once: incremental state only costs disk (it reached 19 GB in the shared target).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export ENVPARITY_VENV="${ENVPARITY_VENV:-$CACHE/venv}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# apt_need PKG...: installs the Debian packages that are not installed yet.
apt_need() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# venv_need: the Python venv with moto's server (the AWS emulator the tests talk to).
venv_need() {
  if [ ! -x "$ENVPARITY_VENV/bin/moto_server" ] || ! "$ENVPARITY_VENV/bin/python" -c 'import moto, boto3' 2>/dev/null; then
    log "creating the moto venv at $ENVPARITY_VENV"
    python3 -m venv "$ENVPARITY_VENV"
    "$ENVPARITY_VENV/bin/pip" install -q --disable-pip-version-check 'moto[server]==5.2.*' 'boto3<2'
  fi
}

BUILD_PACKAGES=(build-essential pkg-config libssl-dev libdbus-1-dev)
KEYRING_PACKAGES=(gnome-keyring dbus dbus-x11 libsecret-tools)
REPORT_PACKAGES=(chromium poppler-utils)

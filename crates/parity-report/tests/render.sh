#!/usr/bin/env bash
# Renders an HTML report in headless Chromium to a PNG screenshot and a PDF, and the PDF's pages
# to PNGs (pdftoppm, from poppler-utils), so a person can look at them.
#   crates/parity-report/tests/render.sh REPORT.html [OUT_DIR]
# Without REPORT.html, builds the CLI, loads the demo with a fixed clock and renders its report.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
out="${2:-$(mktemp -d /tmp/envparity-render.XXXXXX)}"
mkdir -p "$out"
if [[ $# -ge 1 && -n "$1" ]]; then
  report="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
  (cd "$root" && cargo build -q -p parity-cli)
  bin="$CARGO_TARGET_DIR/debug/envparity"
  db="$out/demo.sqlite"
  rm -f "$db"
  export ENVPARITY_NOW="${ENVPARITY_NOW:-2026-11-26T12:00:00Z}"
  "$bin" --db "$db" demo >/dev/null
  report="$out/report.html"
  "$bin" --db "$db" report --format html -o "$report" 2>/dev/null
fi
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run --hide-scrollbars
       --no-pdf-header-footer)
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" "${flags[@]}" --user-data-dir="$profile" --window-size=1280,2000 \
  --screenshot="$out/report.png" "file://$report" 2>/dev/null
"$chromium" "${flags[@]}" --user-data-dir="$profile" \
  --print-to-pdf="$out/report.pdf" "file://$report" 2>/dev/null
if command -v pdftoppm >/dev/null; then
  pdftoppm -r 60 -png "$out/report.pdf" "$out/page"
fi
echo "$out"
ls -1 "$out"

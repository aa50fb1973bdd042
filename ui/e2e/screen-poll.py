"""Watches a region of the X screen for perf.mjs: prints "<epoch ms> <crc32>" whenever its
pixels change (and once at the start), until stdin closes or the time limit passes.

    screen-poll.py X Y WIDTH HEIGHT [SECONDS]

Needs python-xlib (pip install python-xlib==0.33). Grabs every 4 ms: a 300 × 90 px region costs
a few per cent of a core, so the figures it gives are a little pessimistic, never optimistic."""

import select
import sys
import time
import zlib

from Xlib import X, display


def main() -> None:
    x, y, w, h = (int(a) for a in sys.argv[1:5])
    limit = float(sys.argv[5]) if len(sys.argv) > 5 else 600.0
    root = display.Display().screen().root
    end = time.monotonic() + limit
    last = None
    while time.monotonic() < end:
        crc = zlib.crc32(root.get_image(x, y, w, h, X.ZPixmap, 0xFFFFFFFF).data)
        if crc != last:
            print(f"{time.time() * 1000:.1f} {crc}", flush=True)
            last = crc
        # stdin closed (the caller went away): stop
        if select.select([sys.stdin], [], [], 0.004)[0] and not sys.stdin.read(1):
            return


if __name__ == "__main__":
    main()

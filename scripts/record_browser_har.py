#!/usr/bin/env python3
"""Record tests/e2e/har/chromium.har with a real browser (how the committed file was made).

    apt-get install chromium && pip install playwright
    python scripts/record_browser_har.py [OUT.har]

Starts tests/servers/har_site.py on a free loopback port, opens its page in headless Chromium
(the system's /usr/bin/chromium, driven by Playwright, which writes the HAR 1.2 file from the
browser's network events with bodies embedded) and waits until the page's three fetch() calls
are done. Nothing here runs in the test suite: the tests replay the committed file.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "tests" / "servers" / "har_site.py"
DEFAULT_OUT = ROOT / "tests" / "e2e" / "har" / "chromium.har"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> int:
    from playwright.sync_api import sync_playwright  # an optional tool, not a dependency

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    port = free_port()
    site = subprocess.Popen([sys.executable, str(SITE), str(port)], stdout=subprocess.PIPE)
    try:
        assert site.stdout is not None
        site.stdout.readline()  # "listening on PORT": bound
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path="/usr/bin/chromium")
            context = browser.new_context(record_har_path=str(out), record_har_content="embed")
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("document.title === 'done'", timeout=15_000)
            context.close()  # writes the HAR
            browser.close()
    finally:
        site.terminate()
        site.wait(timeout=10)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Check the HTML report in a real browser: headless Chromium, driven over the DevTools
protocol on a pipe (no WebDriver, no extra Python package, no network port).

It runs the real CLI twice over a spec whose targets print hostile bodies (a `<script>` that
would set `window.__pwned`, an `<img onerror>`), so the report has a history and a chart per
run, then loads the report from disk and:

  1. proves the page's own script ran and the targets' scripts did not (no `__pwned`, one
     `<script>` element in the whole document, no exception, no CSP violation);
  2. clicks the DIFF filter chip and checks only DIFF rows remain;
  3. clicks the Case column header and checks the rows are sorted;
  4. follows a divergent case's link and checks its side-by-side view opened, with
     highlighted lines in both targets' columns;
  5. loads the page again with scripts disabled and checks the content is all there;
  6. keeps screenshots of the page, the opened divergence and the script-less page.

    python scripts/browser_check.py [--out DIR] [--chromium PATH]

Exit status: 0 every check passed, 1 a check failed, 3 no Chromium on this machine (said
plainly; nothing was checked). Screenshots go to DIR (default artifacts/browser-check).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOT_RUN = 3
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# As root in a container Chromium needs --no-sandbox; the rest keep it off the network
# (this machine's closed network refuses its background connections, many at a time).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-pipe",
)
TIMEOUT = 20.0  # seconds for any one answer from the browser
HOSTILE = "<script>window.__pwned = 1; document.title = 'PWNED'</script>"
IMG = '<img src=x onerror="window.__pwned = 2">'

HELPER = """\
import json, sys
case = json.loads(sys.stdin.read())
who = sys.argv[1]
out = {"name": case["name"], "who": "same"}
if case["kind"] == "hostile":
    out["note"] = case["note"] if who == "left" else case["note"] + " (changed)"
if case["kind"] == "number":
    out["total"] = {"value": 2 if who == "left" else 2.5, "unit": "EUR"}
if case["kind"] == "missing" and who == "left":
    out["extra"] = [1, 2, 3]
print(json.dumps(out, indent=None))
"""


def find_chromium(given: str | None) -> str | None:
    if given:
        return given if Path(given).is_file() else shutil.which(given)
    env = os.environ.get("YAMLPARITY_CHROMIUM")
    if env:
        return env
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


# ---------------------------------------------------------------- the report to check


def make_report(folder: Path) -> Path:
    """Run the real CLI over a spec with hostile bodies, after an earlier run recorded in the
    history (so the report has a trend to draw)."""
    (folder / "helper.py").write_text(HELPER, "utf-8")
    cases = [
        {"name": "plain_match", "input": {"name": "plain_match", "kind": "same"}},
        {
            "name": "hostile_body",
            "input": {"name": "hostile", "kind": "hostile", "note": f"{HOSTILE} {IMG}"},
        },
        {"name": "number_literal", "input": {"name": "number_literal", "kind": "number"}},
        {"name": "missing_field", "input": {"name": "missing_field", "kind": "missing"}},
    ]
    spec = {
        "name": "browser_check",
        "title": f"Browser check {HOSTILE}",
        "targets": {
            "left": {"run": [sys.executable, "helper.py", "left"]},
            "right": {"run": [sys.executable, "helper.py", "right"]},
        },
        "cases": cases,
    }
    (folder / "spec.yaml").write_text(json.dumps(spec, indent=2), "utf-8")  # JSON is YAML
    (folder / "out").mkdir()
    earlier = {
        "v": 1, "spec": "browser_check", "started": "2025-01-01T00:00:00Z", "total": 4,
        "tally": {"MATCH": 0, "DIFF": 3, "ERROR": 1}, "commit": "0123456789abcdef",
    }  # fmt: skip
    (folder / "out" / "history.jsonl").write_text(json.dumps(earlier) + "\n", "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "yamlparity", "run", "spec.yaml", "--report-dir", "out",
         "--format", "html,md", "-q"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode not in (0, 1):
        raise SystemExit(f"yamlparity run failed ({done.returncode}):\n{done.stderr}")
    return folder / "out" / "browser_check.html"


# ---------------------------------------------------------------- DevTools over a pipe


class Browser:
    """Chromium with --remote-debugging-pipe: it reads commands on fd 3 and writes answers
    on fd 4, each a JSON message ended by a NUL byte."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()

        def wire() -> None:  # in the child, before exec: the pipe ends become fds 3 and 4
            ours = os.dup(to_browser), os.dup(from_browser)
            os.dup2(ours[0], 3)
            os.dup2(ours[1], 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(3, 4),
            preexec_fn=wire,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        for index, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(index)
        while True:
            event = self._receive()
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._read], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def close(self) -> None:
        with suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=5)
        os.close(self._read)
        os.close(self._write)


@contextmanager
def browser(executable: str) -> Iterator[Browser]:
    with tempfile.TemporaryDirectory(prefix="yamlparity-chromium-") as profile:
        chrome = Browser(executable, Path(profile))
        try:
            yield chrome
        finally:
            chrome.close()


class Page:
    def __init__(self, chrome: Browser, *, scripts: bool = True) -> None:
        self.chrome = chrome
        target = chrome.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = chrome.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )
        if not scripts:
            self.call("Emulation.setScriptExecutionDisabled", {"value": True})

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.chrome.call(method, params, self.session)

    def load(self, path: Path) -> None:
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.chrome.wait_for("Page.loadEventFired", self.session)

    def js(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, path: Path, *, full: bool = False) -> None:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full}
        if full:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {
                "x": 0, "y": 0, "width": 1280, "height": min(size["height"], 6000), "scale": 1,
            }  # fmt: skip
        data = self.call("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))

    def problems(self) -> list[str]:
        """Exceptions and console errors (a CSP violation is one) seen on this page."""
        found = []
        for event in self.chrome.events:
            if event.get("sessionId") != self.session:
                continue
            if event.get("method") == "Runtime.exceptionThrown":
                found.append(json.dumps(event["params"]["exceptionDetails"])[:300])
            elif event.get("method") == "Log.entryAdded":
                entry = event["params"]["entry"]
                if entry.get("level") == "error" and "favicon" not in entry.get("text", ""):
                    found.append(entry.get("text", "")[:300])
            elif event.get("method") == "Runtime.consoleAPICalled":
                found.append("console: " + json.dumps(event["params"].get("args"))[:300])
        return found


# ---------------------------------------------------------------- the checks


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, name: str, ok: bool, detail: Any = "") -> None:
        print(f"{'ok  ' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail != "" else ""))
        if not ok:
            self.failed.append(name)


VISIBLE_VERDICTS = (
    "Array.from(document.querySelectorAll('#results + .controls + table tbody tr'))"
    ".filter(r => !r.hidden).map(r => r.cells[r.cells.length - 1].textContent.trim())"
)
CASE_NAMES = (
    "Array.from(document.querySelectorAll('#results + .controls + table tbody tr'))"
    ".filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())"
)


def check_report(report: Path, chrome: Browser, out: Path, checks: Checks) -> None:
    page = Page(chrome)
    page.load(report)
    time.sleep(0.2)  # let the load-time script settle before reading the page
    ran = page.js("document.documentElement.dataset.script")
    checks.check("the page's own script ran", ran == "ran")
    checks.check("no target script ran", page.js("typeof window.__pwned") == "undefined")
    checks.check("title is the report's, not a target's", page.js("document.title") != "PWNED",
                 page.js("document.title"))  # fmt: skip
    checks.check("exactly one <script> element", page.js("document.scripts.length") == 1)
    checks.check("no <img> element", page.js("document.images.length") == 0)
    body_text = page.js("document.body.innerText")
    checks.check("hostile text is shown as text", HOSTILE in body_text)
    charts = page.js("Array.from(document.querySelectorAll('figure.chart')).map(f => f.id)")
    checks.check("charts: per path, per pair, per run", set(charts) >= {"chart-paths",
                 "chart-pairs", "chart-runs"}, charts)  # fmt: skip
    page.screenshot(out / "report.png", full=True)

    page.js("document.querySelector('.chip[data-verdict=DIFF]').click()")
    shown = page.js(VISIBLE_VERDICTS)
    checks.check("filter: DIFF chip leaves only DIFF rows", bool(shown) and set(shown) == {"DIFF"},
                 shown)  # fmt: skip
    page.js("document.querySelector('.chip[data-verdict=DIFF]').click()")  # off again
    page.js("document.querySelector('.text-filter').value = 'number';"
            "document.querySelector('.text-filter').dispatchEvent(new Event('input'))")  # fmt: skip
    checks.check("filter: text", page.js(CASE_NAMES) == ["number_literal"], page.js(CASE_NAMES))
    page.js("document.querySelector('.text-filter').value = '';"
            "document.querySelector('.text-filter').dispatchEvent(new Event('input'))")  # fmt: skip

    page.js("document.querySelector('#results + .controls + table thead th button').click()")
    names = page.js(CASE_NAMES)
    checks.check("sort: Case column ascending", names == sorted(names, key=str.lower), names)
    page.js("document.querySelector('#results + .controls + table thead th button').click()")
    names = page.js(CASE_NAMES)
    checks.check("sort: Case column descending", names == sorted(names, key=str.lower,
                 reverse=True), names)  # fmt: skip

    page.js("document.querySelector('a[href^=\"#case-\"]').click()")
    time.sleep(0.2)
    opened = page.js("Array.from(document.querySelectorAll('details[open]')).map(d => d.id)")
    checks.check("a divergence opens from its link", len(opened) == 1, opened)
    columns = page.js(
        "Array.from(document.querySelectorAll('details[open] .sbs-col')).map("
        "c => c.querySelectorAll('.line.hl').length)"
    )
    checks.check("side by side: a column per target, highlights in both", len(columns) == 2
                 and all(columns), columns)  # fmt: skip
    page.js("document.querySelector('details[open]').scrollIntoView()")
    page.screenshot(out / "divergence.png")
    checks.check("no exception, console error or CSP violation", not page.problems(),
                 page.problems())  # fmt: skip

    blocked = Page(chrome, scripts=False)
    blocked.load(report)
    # Runtime.evaluate is DevTools' own: it runs even where page scripts may not.
    checks.check("scripts blocked: the page script did not run",
                 blocked.js("document.documentElement.dataset.script") is None)  # fmt: skip
    rows = blocked.js("document.querySelectorAll('table tbody tr').length")
    checks.check("scripts blocked: every row is there", rows >= 4, rows)
    blocked.js("document.querySelector('details').open = true")
    checks.check("scripts blocked: divergences open natively",
                 blocked.js("document.querySelector('details .sbs') !== null"))  # fmt: skip
    blocked.screenshot(out / "no-script.png", full=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "browser-check")
    parser.add_argument("--chromium", help="the browser to drive (default: found on PATH)")
    args = parser.parse_args(argv)
    executable = find_chromium(args.chromium)
    if executable is None:
        print(
            "browser check NOT RUN: no Chromium on this machine (looked for "
            f"{', '.join(CANDIDATES)} on PATH and $YAMLPARITY_CHROMIUM). "
            "Install it with `apt-get install chromium` to check the HTML report in a browser."
        )
        return NOT_RUN
    args.out.mkdir(parents=True, exist_ok=True)
    checks = Checks()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="yamlparity-browser-") as temp:
        report = make_report(Path(temp))
        shutil.copy(report, args.out / "report.html")
        with browser(executable) as chrome:
            check_report(report, chrome, args.out, checks)
    took = time.monotonic() - started
    summary = textwrap.shorten(", ".join(checks.failed), 300) if checks.failed else "none"
    print(f"browser check: {len(checks.failed)} failed ({summary}) in {took:.1f} s; "
          f"screenshots in {args.out}")  # fmt: skip
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""A hostile command target: `python3 hostile.py MODE [ARG]`, reading stdin first (except
`no_read`). Used by tests/e2e/test_hostile_*.py.

Modes:
- leak: prints the secret in $HOSTILE_TOKEN in every encoding a runtime may give it (JSON of
  Go, PHP, JS, Python, full \\uXXXX, URL, form, base64 of a Basic credential, shell quoting),
  in a JSON answer, on stderr, and across the 200-character cut of an excerpt; ARG "fail"
  exits 1 (the excerpt path), anything else exits 0 with a differing answer.
- escape: leaves a double-forked, setsid()ed daemon and a setpgid()ed child behind (their pids
  in the file ARG), answers, and exits.
- escape_hang: as escape, then hangs (for interrupts).
- ansi: answers nothing on stdout, writes terminal escape sequences on stderr, exits 1.
- no_read: a stream helper that never reads its stdin (and never answers).
"""

import base64
import json
import os
import sys
import time
import urllib.parse

mode = sys.argv[1]
arg = sys.argv[2] if len(sys.argv) > 2 else ""
data = b"" if mode == "no_read" else sys.stdin.buffer.readline()


def encodings(token: str) -> dict[str, str]:
    js = json.dumps(token)[1:-1]
    return {
        "raw": token,
        "python_json": js,
        "ascii_json": json.dumps(token, ensure_ascii=True)[1:-1],
        "go_json": js.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"),
        "php_json": js.replace("/", "\\/"),
        "full_u": "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c for c in token),
        "nested_json": json.dumps(json.dumps(token))[1:-1],
        "url": urllib.parse.quote(token, safe=""),
        "form": urllib.parse.quote_plus(token),
        "basic": "Basic " + base64.b64encode(f"user:{token}".encode()).decode(),
        "shell": "'" + token.replace("'", "'\"'\"'") + "'",
        "ansi_c": "$'" + "".join(f"\\x{b:02x}" for b in token.encode()) + "'",
        "html": "".join(f"&#{ord(c)};" for c in token),
    }


def spawn_escapees(pid_file: str) -> None:
    """A daemon (double fork + setsid) and a child in its own process group."""
    pids: list[int] = []
    read, write = os.pipe()
    if os.fork() == 0:  # first child
        os.setsid()
        if os.fork() == 0:  # the daemon: re-parented when the first child exits
            os.close(read)
            os.write(write, f"{os.getpid()}\n".encode())
            os.close(write)
            for fd in (0, 1, 2):  # a daemon lets go of the pipes
                os.dup2(os.open(os.devnull, os.O_RDWR), fd)
            time.sleep(600)
            os._exit(0)
        os._exit(0)
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        for fd in (0, 1, 2):
            os.dup2(os.open(os.devnull, os.O_RDWR), fd)
        time.sleep(600)
        os._exit(0)
    pids.append(pid)
    os.close(write)
    daemon = os.read(read, 64).decode().strip()
    pids.append(int(daemon))
    with open(pid_file, "a") as handle:
        handle.write("".join(f"{p}\n" for p in pids))


if mode == "leak":
    token = os.environ["HOSTILE_TOKEN"]
    forms = encodings(token)
    # The secret starts 10 characters before the 200th: an excerpt cut there keeps its head.
    prefix = "x" * 190
    answer = {"echo": forms, "who": sys.argv[0], "cut": prefix + token + " tail"}
    if arg != "fail":
        answer["differs"] = os.getpid()
    text = json.dumps(answer)
    if arg == "fail":
        sys.stdout.write(prefix + token + " and more\n")
        sys.stderr.write(prefix + token + " " + " ".join(forms.values()) + "\n")
        sys.exit(1)
    sys.stdout.write(text)
elif mode in ("escape", "escape_hang"):
    spawn_escapees(arg)
    sys.stdout.write('{"ok": true}')
    sys.stdout.flush()
    if mode == "escape_hang":
        time.sleep(600)
elif mode == "ansi":
    sys.stderr.write("\x1b[2J\x1b[31mred alert\x1b]0;owned\x07 bell\x1b[0m\n")
    sys.exit(1)
elif mode == "no_read":
    time.sleep(600)
else:
    raise SystemExit(f"unknown mode {mode}")

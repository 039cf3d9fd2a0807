"""A deliberately faulty command target: `python3 faulty.py MODE`, reading stdin first.

Modes: echo, hang, hang_grandchild, segv, exit3, binary, invalid_utf8, huge, drip, empty,
garbage, stderr_only, no_read.
"""

import os
import signal
import subprocess
import sys
import time

mode = sys.argv[1]
data = b"" if mode == "no_read" else sys.stdin.buffer.read()

if mode == "echo":
    sys.stdout.buffer.write(data)
elif mode == "hang":
    time.sleep(600)
elif mode == "hang_grandchild":
    # The grandchild writes its pid, then sleeps holding stdout open.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(sys.argv[2], "w") as handle:
        handle.write(str(child.pid))
    time.sleep(600)
elif mode == "answer_then_grandchild":
    # Answers and exits 0; a child it started sleeps on with stdout still open.
    sys.stdout.write('{"ok": true}\n')
    sys.stdout.flush()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(sys.argv[2], "w") as handle:
        handle.write(str(child.pid))
    sys.exit(0)
elif mode == "segv":
    os.kill(os.getpid(), signal.SIGSEGV)
elif mode == "exit3":
    sys.stdout.write('{"ok": false}')
    sys.stderr.write("something went wrong\n")
    sys.exit(3)
elif mode == "binary":
    sys.stdout.buffer.write(bytes(range(256)))
elif mode == "invalid_utf8":
    sys.stdout.buffer.write(b'{"name": "caf\xe9"}')
elif mode == "huge":
    block = b"x" * (1 << 20)
    for _ in range(200):  # 200 MB
        sys.stdout.buffer.write(block)
elif mode == "drip":
    for char in '{"slow": true}':
        sys.stdout.write(char)
        sys.stdout.flush()
        time.sleep(0.02)
elif mode == "empty":
    pass
elif mode == "garbage":
    sys.stdout.write("this is not json {")
elif mode == "stderr_only":
    sys.stderr.write("only stderr\n")
elif mode == "no_read":
    sys.stdout.write("{}")
else:
    sys.exit(f"unknown mode {mode}")

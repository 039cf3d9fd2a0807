"""Writes bytes that are not UTF-8: stdin {"n": N} -> b"caf\xe9 N\n" on stdout, a UTF-8 line on
stderr, exit code N % 3. With argv[1] == "drift", N == 2 writes \xe8 instead of \xe9."""

import json
import sys

n = json.load(sys.stdin)["n"]
accent = b"\xe8" if len(sys.argv) > 1 and sys.argv[1] == "drift" and n == 2 else b"\xe9"
sys.stdout.buffer.write(b"caf" + accent + f" {n}\n".encode())
sys.stderr.write(f"done {n} \u2713\n")
sys.exit(n % 3)

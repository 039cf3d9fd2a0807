"""Echoes stdin after sleeping SECONDS (a helper that waits on a remote service), and appends
to FOLDER.max how many copies were running at that moment (one file per live copy in FOLDER).
`python3 overlap_helper.py FOLDER SECONDS`."""

import os
import sys
import time

folder, seconds = sys.argv[1], float(sys.argv[2])
data = sys.stdin.read()
mine = os.path.join(folder, str(os.getpid()))
open(mine, "w").close()
time.sleep(seconds)
live = len(os.listdir(folder))
with open(folder + ".max", "a") as out:
    out.write(f"{live}\n")
os.remove(mine)
sys.stdout.write(data)

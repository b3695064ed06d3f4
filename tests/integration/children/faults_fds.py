"""faults_fds.py: a child that prints the descriptors it was started with, and where they lead.

Prints "fds: {"0": "/dev/null", "1": "pipe:[...]", ...}" as JSON on one line. The descriptor
of /proc/self/fd itself (open only while it is listed) is left out.
"""
import json
import os
import time

T0 = time.time()
fds = {}
listing = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
for name in os.listdir(listing):
    if int(name) == listing:
        continue
    try:
        fds[name] = os.readlink("/proc/self/fd/" + name)
    except OSError:
        continue
os.close(listing)
print("start time: %.3f" % T0)
print("fds: " + json.dumps(fds, sort_keys=True), flush=True)

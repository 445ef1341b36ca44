"""A tiny process launcher for bench.py: runs one command per request, reports wall time,
exit status and the child's own peak RSS.

Why a separate process: Linux carries the parent's peak RSS into a child's ``ru_maxrss``
across fork/vfork + exec (the kernel keeps the larger of the old and the new address
space's high-water mark). Measured here: a child ``python -c pass`` launched from a
bench process holding 800 MB reports 830 MB instead of 11 MB. So bench.py starts this
launcher first, while everything is small; it imports only os, sys, time and json and runs
under ``python -S -I`` (~8 MB), so that is the floor every child's peak is measured from
(reported by running /bin/true).

Protocol: one JSON object per line on stdin, ``{"argv": [...], "stderr": PATH,
"timeout": SECONDS}``; one JSON line back per request, ``{"wall_s", "maxrss_kb", "rc",
"utime_s", "stime_s"}``. The child's stdout goes to /dev/null, its stderr to PATH.
"""

import json
import os
import signal
import sys
import time


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def run(argv, stderr_path, timeout):
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    signal.signal(signal.SIGALRM, _alarm)
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        _, status, usage = os.wait4(pid, 0)  # blocking: no polling to steal a core
    except _Timeout:
        os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        return {"wall_s": None, "maxrss_kb": usage.ru_maxrss, "rc": "timeout"}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall,
        "maxrss_kb": usage.ru_maxrss,
        "rc": os.waitstatus_to_exitcode(status),
        "utime_s": usage.ru_utime,
        "stime_s": usage.ru_stime,
    }


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            res = run(req["argv"], req["stderr"], float(req.get("timeout", 1800)))
        except OSError as exc:
            res = {"wall_s": None, "maxrss_kb": None, "rc": f"spawn failed: {exc}"}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

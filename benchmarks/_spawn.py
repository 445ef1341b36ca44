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

With ``"tree": true`` (the batch regime's worker pools) the launcher makes itself the
subreaper of its descendants (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``), so processes the
child leaves behind (a multiprocessing forkserver, which started and reaped the workers)
come back to it; after the child it waits for them too and adds ``tree_utime_s``,
``tree_stime_s`` (everyone's CPU time) and ``tree_maxrss_kb`` (the largest peak).
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


_SUBREAPER = []


def _become_subreaper():
    """True when this process now adopts its orphaned descendants (Linux only)."""
    if not _SUBREAPER:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _SUBREAPER.append(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            _SUBREAPER.append(False)
    return _SUBREAPER[0]


def _reap_orphans(result, timeout):
    """Wait for the descendants left behind; add their CPU time and the largest peak."""
    user, system, peak = result["utime_s"], result["stime_s"], result["maxrss_kb"]
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        while True:
            _, _, usage = os.wait4(-1, 0)
            user, system = user + usage.ru_utime, system + usage.ru_stime
            peak = max(peak, usage.ru_maxrss)
    except ChildProcessError:  # none left
        pass
    except _Timeout:
        result["rc"] = "descendants still running"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    result.update(tree_utime_s=user, tree_stime_s=system, tree_maxrss_kb=peak)
    return result


def run(argv, stderr_path, timeout, tree=False):
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    signal.signal(signal.SIGALRM, _alarm)
    tree = tree and _become_subreaper()
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
    result = {
        "wall_s": wall,
        "maxrss_kb": usage.ru_maxrss,
        "rc": os.waitstatus_to_exitcode(status),
        "utime_s": usage.ru_utime,
        "stime_s": usage.ru_stime,
    }
    return _reap_orphans(result, 60) if tree else result


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            res = run(req["argv"], req["stderr"], float(req.get("timeout", 1800)),
                      bool(req.get("tree")))
        except OSError as exc:
            res = {"wall_s": None, "maxrss_kb": None, "rc": f"spawn failed: {exc}"}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

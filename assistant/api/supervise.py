"""A worker process of `assistant serve` dies with its supervisor.

With FAQ_WORKERS > 1, uvicorn's supervisor process starts the workers and they share its listening socket. When
the supervisor was killed with SIGKILL (an OOM kill, `kill -9`, a crashed container runtime), nothing told the
workers: they went on serving on the port, so the restarted service failed with "Address already in use".

So each worker asks the kernel for SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``, Linux) and runs
a watchdog thread that notices the parent is gone (its parent id changes; also where prctl is missing): it
sends the same SIGTERM, a graceful shutdown (requests in flight finish, the store is closed), and ends the
process if that has not happened within ``GRACE_S``.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time

log = logging.getLogger("assistant.api")

PR_SET_PDEATHSIG = 1
GRACE_S = 10.0
POLL_S = 0.5


def die_with_parent() -> None:
    """In a worker process (started by uvicorn's supervisor); a process of its own is left alone: its parent
    is a shell or a service manager, whose end must not stop the service."""
    supervisor = multiprocessing.parent_process()
    if supervisor is None or supervisor.pid is None:
        return
    parent = supervisor.pid  # not getppid(): the supervisor may be gone already (then the watchdog fires at once)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux with glibc: the watchdog alone
        pass
    threading.Thread(target=_watch, args=(parent,), name="parent-watchdog", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    log.error("the supervisor (process %d) is gone: this worker stops", parent)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_S)
    log.error("the graceful shutdown took more than %.0f s: exiting now", GRACE_S)
    os._exit(1)

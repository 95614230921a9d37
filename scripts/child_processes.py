"""Helpers for starting servers as child processes on loopback (benchmarks and tests).

One definition serves ``scripts/bench_http.py``, ``scripts/scale_sim.py`` and the test
helpers, so every server they start picks its port and dies with its parent the same way.
"""

from __future__ import annotations

import ctypes
import signal
import socket
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A loopback port that is free now (the caller binds it soon after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parent_death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes Linux send SIGTERM to the child when its parent dies.

    So a killed script or test run never leaves a server behind on the machine. ``prctl`` is
    looked up here, before the fork; the child only calls it. None where there is no prctl.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return set_signal

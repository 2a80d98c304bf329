"""What every forked worker process (door notices, VEVENTs, the search
index) does first."""

from __future__ import annotations

import os
import signal


def start_worker(nice: int = 0) -> None:
    """The initializer of a worker pool. Ctrl-C in a terminal interrupts the
    whole process group: each worker printed its own KeyboardInterrupt
    traceback before the build's one line ("构建已中断…"). The build
    process alone handles it, and shuts its pools down; a worker ignores it.
    ``nice``: how far below the build process it runs (see its callers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        os.nice(nice)

"""Tasks for local worker processes in tests (importable by a ``spawn`` child, unlike a test module's functions)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def hold(folder: str) -> int:
    """Write this worker's pid to ``folder/innocent`` and wait (until the pool is stopped)."""
    (Path(folder) / "innocent").write_text(str(os.getpid()))
    time.sleep(60)
    return os.getpid()


def die(folder: str) -> int:
    """Write this worker's pid to ``folder/culprit`` once the innocent task runs, then exit abruptly (status 3)."""
    (Path(folder) / "culprit").write_text(str(os.getpid()))
    deadline = time.monotonic() + 60
    while not (Path(folder) / "innocent").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    os._exit(3)


def pid(_: object) -> int:
    """This worker's pid."""
    return os.getpid()

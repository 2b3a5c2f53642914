"""A campaign's journal: an append-only JSON-lines file, written by one process (the controller).

Every task is journaled (``submit``) *before* it runs and again when it ends (``done``, ``lost``), so after a
crash, a killed worker or Ctrl-C the journal says what finished, what was in flight (a task's spec is its
reproducer: tasks are deterministic given their spec) and where to resume. Each line is flushed and
fsynced and carries its wall-clock ``time``; a line torn by a crash mid-write is skipped on reading, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def digest(data: Any) -> str:
    """A short content digest of JSON data (task keys, the instance a dead worker was checking)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


SHIPPED = "source"  # a spec field sent to workers but not journaled: the claim file's text


class Journal:
    """Append events to ``path``; read them back, tolerating a torn last line."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, event: str, **fields: Any) -> None:
        """Write one event line and fsync it (a journaled task survives a crash of this process)."""
        # the wall-clock time of every event: a session killed before its "stop" event still shows how long it ran
        line = json.dumps({"event": event, "time": time.time(), **fields}, separators=(",", ":"), allow_nan=False)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def submit(self, spec: dict[str, Any]) -> None:
        """Journal a task's spec before it runs (without the shipped claim-file text, which can be long)."""
        self.append("submit", task=spec["task"], spec=without_shipped(spec))

    def rotate(self) -> None:
        """Move an existing journal aside (``journal.1.jsonl``, ``journal.2.jsonl``, ...) to start afresh."""
        if not self.path.exists():
            return
        k = 1
        while (aside := self.path.with_name(f"{self.path.stem}.{k}{self.path.suffix}")).exists():
            k += 1
        self.path.replace(aside)

    def events(self) -> Iterator[dict[str, Any]]:
        """Every complete event, in order (torn or garbled lines are skipped)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(event, dict) and "event" in event:
                    yield event

    def in_flight(self) -> list[dict[str, Any]]:
        """Specs still owed: submitted and not finished, or lost with a re-run queued but not yet submitted.

        A ``lost`` event carrying a ``retry`` spec keeps the task open with that spec; ``done``, ``failed``
        and a ``lost`` event without one close it.
        """
        open_tasks: dict[str, dict[str, Any]] = {}
        for e in self.events():
            task = e.get("task", "")
            if e["event"] == "submit":
                open_tasks[task] = e["spec"]
            elif e["event"] == "lost" and e.get("retry"):
                open_tasks[task] = e["retry"]
            elif e["event"] in {"done", "lost", "failed"}:
                open_tasks.pop(task, None)
        return list(open_tasks.values())


def without_shipped(spec: dict[str, Any]) -> dict[str, Any]:
    """A spec as journaled: without the claim file's text (workers get it from the controller)."""
    return {k: v for k, v in spec.items() if k != SHIPPED}

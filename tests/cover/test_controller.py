"""The one campaign controller: journal before submit, the failure path, lost tasks and Ctrl-C."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from theorycheck.controller import TaskFailed, run_tasks
from theorycheck.journal import Journal
from theorycheck.parallel import InlineExecutor, TaskLost
from theorycheck.tasks import StopReason


@attrs.frozen
class _Spec:
    task: str
    value: int

    def to_data(self) -> dict[str, Any]:
        return {"task": self.task, "value": self.value}


def _double(spec: _Spec) -> int:
    if spec.value < 0:
        raise ValueError("negative")
    if spec.value == 99:
        raise TaskLost("the worker died")
    if spec.value == 7:
        raise KeyboardInterrupt
    return 2 * spec.value


def _run(tmp_path: Path, values: list[int], **kw: Any) -> tuple[Any, dict[str, Any], Journal]:
    journal = Journal(tmp_path / "journal.jsonl")
    todo = [_Spec(f"t{i}", v) for i, v in enumerate(values)]
    seen: dict[str, Any] = {"done": {}, "lost": [], "stop": None}

    def on_stop(reason: StopReason | None, pending: list[_Spec]) -> None:
        seen["stop"] = (reason, [s.task for s in pending])

    stopped = run_tasks(
        InlineExecutor(),
        journal,
        _double,
        lambda: todo.pop(0) if todo else None,
        on_done=lambda s, r: seen["done"].__setitem__(s.task, r),
        on_lost=lambda s, e: seen["lost"].append(s.task),
        on_failed=lambda s, e: TaskFailed(f"task {s.task} raised {e!r} (spec: {s.to_data()})"),
        on_stop=on_stop,
        **kw,
    )
    return stopped, seen, journal


def test_every_task_is_journaled_before_it_runs_and_its_result_handed_back(tmp_path):
    stopped, seen, journal = _run(tmp_path, [1, 2, 3])
    assert stopped is None
    assert seen["done"] == {"t0": 2, "t1": 4, "t2": 6}
    assert [e["spec"] for e in journal.events() if e["event"] == "submit"] == [
        {"task": f"t{i}", "value": v} for i, v in enumerate([1, 2, 3])
    ]
    assert seen["stop"] == (None, [])


def test_a_task_lost_with_its_worker_goes_to_on_lost_and_the_run_goes_on(tmp_path):
    _, seen, _ = _run(tmp_path, [1, 99, 3])
    assert seen["lost"] == ["t1"]
    assert seen["done"] == {"t0": 2, "t2": 6}


def test_a_task_that_raises_stops_the_run_with_its_reproducer_and_error_as_the_stop_reason(tmp_path):
    with pytest.raises(TaskFailed, match=r"task t1 raised ValueError\('negative'\) \(spec: \{'task': 't1'") as info:
        _run(tmp_path, [1, -1, 3])
    assert isinstance(info.value.__cause__, ValueError)


def test_enough_stops_submitting(tmp_path):
    done: list[int] = []
    journal = Journal(tmp_path / "journal.jsonl")
    todo = [_Spec(f"t{i}", i) for i in range(1, 5)]
    run_tasks(
        InlineExecutor(),
        journal,
        _double,
        lambda: todo.pop(0) if todo else None,
        on_done=lambda s, r: done.append(r),
        on_lost=lambda s, e: None,
        on_failed=lambda s, e: e,
        on_stop=lambda r, p: None,
        enough=lambda: len(done) >= 1,
    )
    assert done == [2]
    assert len(todo) == 3


def test_ctrl_c_ends_the_run_cleanly_as_interrupted(tmp_path):
    stopped, seen, _ = _run(tmp_path, [1, 7, 3])
    assert stopped == StopReason.INTERRUPTED
    assert seen["stop"][0] == StopReason.INTERRUPTED
    assert seen["done"] == {"t0": 2}

"""The one campaign controller: tasks journaled, submitted to an executor, waited for and handed back.

``stress`` and ``scale`` differ in what a task is and what its result means; how tasks run is this module's
job alone. :func:`run_tasks` journals each task *before* it is submitted (its spec is its reproducer), keeps the
executor at capacity, blocks until a task finishes (no polling: ``concurrent.futures.wait`` or Dask's ``wait``,
woken at least every :data:`WAKE` seconds to honour a Ctrl-C Python could not raise where it landed), and hands
each finished task to ``on_done``, a task lost with its worker to ``on_lost`` (which may queue a re-run through
``next_task``), and a task that raised to ``on_failed``, which journals it with its reproducer and returns the
error to raise. Ctrl-C ends the run cleanly; ``on_stop`` always sees why it ended and the tasks still in flight
(they stay open in the journal, so ``--resume`` re-runs them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from theorycheck.errors import TaskFailed as TaskFailed  # noqa: PLC0414  # re-exported (PEP 484): its import path before errors.py held it
from theorycheck.journal import Journal
from theorycheck.parallel import Executor, Interrupts, Task, TaskLost
from theorycheck.tasks import StopReason

WAKE = 0.25  # seconds: the longest a wait blocks before looking at a Ctrl-C flag and the deadline


class Spec(Protocol):
    """A task's spec: a name and its journaled form."""

    @property
    def task(self) -> str:
        """The task's name (unique within its campaign)."""

    def to_data(self) -> dict[str, Any]:
        """The journaled form (the task's reproducer)."""


S = TypeVar("S", bound=Spec)


def run_tasks(
    executor: Executor,
    journal: Journal,
    fn: Task,
    next_task: Callable[[], S | None],
    *,
    on_done: Callable[[S, Any], None],
    on_lost: Callable[[S, TaskLost], None],
    on_failed: Callable[[S, Exception], Exception],
    on_stop: Callable[[StopReason | None, list[S]], None],
    enough: Callable[[], bool] = lambda: False,
    overdue: Callable[[], bool] = lambda: False,
    on_wake: Callable[[], None] | None = None,
) -> StopReason | None:
    """Run ``fn`` on the specs ``next_task`` gives (None: none to give now) until none is given or pending.

    ``enough()``: stop submitting and return (e.g. a counterexample was found); ``overdue()``: when no task
    finished within a wait, give up on the ones in flight; ``on_wake``: after each wait (a progress line).
    Returns :attr:`StopReason.INTERRUPTED` after a Ctrl-C, else None (the caller knows why its tasks ran out).
    ``on_stop`` runs in every case, with :attr:`StopReason.ERROR` when a task raised.

    Raises:
        The exception ``on_failed`` returns for a task that raised (chained to the task's own).
    """
    pending: dict[Any, S] = {}
    stopped: StopReason | None = None
    with Interrupts() as interrupts:
        try:
            while True:
                interrupts.check()
                stop = enough()
                while not stop and len(pending) < executor.capacity and (spec := next_task()) is not None:
                    journal.submit(spec.to_data())
                    pending[executor.submit(fn, spec)] = spec
                if not pending or stop:
                    break  # unfinished tasks stay "in flight" in the journal (--resume re-runs them)
                finished = executor.wait(list(pending), WAKE)
                if not finished and overdue():
                    break  # overdue tasks stay "in flight" (a finished one is always collected first)
                for handle in finished:
                    spec = pending.pop(handle)
                    try:
                        result = executor.result(handle)
                    except TaskLost as exc:
                        on_lost(spec, exc)
                        continue
                    except Exception as exc:
                        stopped = StopReason.ERROR
                        raise on_failed(spec, exc) from exc
                    on_done(spec, result)
                if on_wake is not None:
                    on_wake()
        except KeyboardInterrupt:
            stopped = StopReason.INTERRUPTED
        finally:
            on_stop(stopped, list(pending.values()))
    return stopped

"""Where campaign tasks run: one executor seam, three implementations.

* :class:`InlineExecutor`: in this process, one task at a time (``--workers 1``; tests).
* :class:`ProcessExecutor`: local ``spawn`` processes (the default: all cores). numba's thread pool does not
  survive ``fork``, hence ``spawn``.
* :class:`DaskExecutor`: a ``distributed.Client`` on ``--scheduler tcp://HOST:PORT``, or on a ``LocalCluster`` it
  starts itself (``--dask-local N``), which listens on 127.0.0.1 only: reaching another machine is always an
  explicit address.

A task is a top-level function of one typed, frozen record (:mod:`theorycheck.tasks`) returning one, so the
same task runs in a thread, a process or on a cluster. The controller (:mod:`theorycheck.controller`) blocks in
:meth:`Executor.wait` and is the only writer of reports and journals. A worker that dies mid-task surfaces as
:class:`TaskLost` from :meth:`Executor.result` (Dask retries a task on another worker first,
``allowed-failures``; a broken local pool is rebuilt), so the controller can journal the loss and go on. A
local pool starts its workers through a context of ours (:class:`_WorkerContext`), which keeps their public
``Process`` objects: the workers that died on their own are named in :attr:`TaskLost.culprits` and every worker
is killed on close, without reading the pool's private attributes.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing.context
import os
import signal
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, Self

from theorycheck.errors import InvalidArgument
from theorycheck.errors import TaskLost as TaskLost  # noqa: PLC0414  # re-exported (PEP 484): its import path before errors.py held it

Task = Callable[[Any], Any]  # a task's one argument is a frozen record (theorycheck.tasks)


class Executor(Protocol):
    """What a campaign needs from wherever its tasks run."""

    workers: int
    capacity: int  # tasks to keep in flight (running plus queued)
    description: str
    shares_disk: bool  # workers see this machine's files (local processes, a local cluster)

    def submit(self, fn: Task, spec: Any) -> Any:
        """Start ``fn(spec)``; returns a handle."""

    def wait(self, handles: Iterable[Any], timeout: float) -> list[Any]:
        """The handles that have finished (result or error), blocking until one has or ``timeout`` seconds pass."""

    def result(self, handle: Any) -> Any:
        """The finished task's value; raises :class:`TaskLost` if its worker died, or the task's own exception."""

    def close(self) -> None:
        """Cancel what is pending and release the workers."""


class InlineExecutor:
    """Runs each task at submission, in this process."""

    workers = 1
    capacity = 1  # a task runs at submission: nothing to overlap
    description = "this process"
    shares_disk = True

    def submit(self, fn: Task, spec: Any) -> cf.Future[Any]:
        """Run ``fn(spec)`` now; the returned future is already done."""
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(spec))
        except Exception as exc:  # noqa: BLE001 - delivered through result(), as the other executors do
            future.set_exception(exc)
        return future

    def wait(self, handles: Iterable[Any], timeout: float) -> list[Any]:  # noqa: ARG002 - never has to wait
        """All of them (each ran at submission)."""
        return list(handles)

    def result(self, handle: Any) -> Any:
        """The value (or the task's exception)."""
        return handle.result()

    def close(self) -> None:
        """Nothing to release."""


def _limit_threads(threads: int) -> None:
    """Numba and BLAS threads per worker, so N workers do not oversubscribe the cores."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - numba is a dependency
        pass


def _single_threaded(fn: Task, spec: Any) -> Any:
    """Run a task with one numba thread (numba's setting is per calling thread, so it is made in the task).

    Dask parallelises across workers; numba's OpenMP threads on top of that oversubscribe the cores and spin:
    measured 30x slower per instance on a 2-worker LocalCluster on this 2-core machine before this.
    """
    _limit_threads(1)
    return fn(spec)


def _worker_setup(threads: int, parent: int | None = None) -> None:
    """Local worker initializer: thread limits; Ctrl-C is left to the controller; die with the controller.

    The controller journals, writes the index and stops the pool; workers would each print a traceback.
    ``parent``: the controller's pid, watched by :func:`watch_parent`.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_threads(threads)
    if parent is not None:
        watch_parent(parent)


PARENT_POLL = 0.25  # seconds between a worker's checks that its controller is alive


def watch_parent(parent: int, *, poll: float = PARENT_POLL) -> None:
    """End this process (``os._exit``) within ``poll`` seconds of its parent's death; a daemon thread.

    A controller killed by ``kill -9`` runs no cleanup: its spawn workers are re-parented (to init or a
    subreaper) and, idle on their task queue or busy on a long instance, would live on. The thread watches
    ``os.getppid()`` (portable; ``prctl(PR_SET_PDEATHSIG)`` fires on the death of the parent *thread* that
    started the worker, which in a process pool is not the controller's lifetime). Once the workers are gone,
    multiprocessing's resource tracker, whose pipe they held open, reads end-of-file and exits too.
    """
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)  # no cleanup: there is no one left to report to, and a hung instance must not hold the exit

    threading.Thread(target=watch, name="theorycheck-parent-watch", daemon=True).start()


SETTLE = 5.0  # seconds a broken local pool's workers get to exit before their exit statuses are read


class _WorkerContext(multiprocessing.context.SpawnContext):
    """The ``spawn`` context one local pool starts its workers through, keeping each worker's ``Process``.

    ``ProcessPoolExecutor`` starts every worker with its ``mp_context``'s ``Process`` (what the argument is
    for), so the public ``Process`` objects (``pid``, ``exitcode``, ``kill``) of exactly this pool's workers
    are here, the ones that died included: no private attribute of the pool is read.
    """

    def __init__(self) -> None:
        super().__init__()
        self.processes: list[multiprocessing.context.SpawnProcess] = []

    # typeshed declares Process as the class; a factory returning its instance is called the same way
    def Process(self, *args: Any, **kwargs: Any) -> multiprocessing.context.SpawnProcess:  # type: ignore[override]  # noqa: N802
        """A spawn process, remembered."""
        process = multiprocessing.context.SpawnProcess(*args, **kwargs)
        self.processes.append(process)
        return process

    def died(self, within: float = SETTLE) -> set[int]:
        """Pids of the workers that exited on their own: a broken pool SIGTERMs the others (innocent).

        Called once the pool is broken, when every worker is on its way out. A dead worker's pipe closes, and
        the pool breaks, a moment before its exit status can be read: so this waits up to ``within`` seconds for
        each worker's status (without the wait the culprit went unnamed in 6 of 8 runs of the test).
        """
        deadline = time.monotonic() + within
        for p in self.processes:
            while p.pid is not None and p.exitcode is None and time.monotonic() < deadline:
                p.join(0.05)
        return {p.pid for p in self.processes if p.pid is not None and p.exitcode not in {None, -signal.SIGTERM}}

    def kill(self) -> None:
        """SIGKILL every worker still running."""
        for p in self.processes:
            if p.pid is not None and p.exitcode is None:
                p.kill()


class ProcessExecutor:
    """Local ``spawn`` processes; a pool broken by a dying worker is rebuilt and its in-flight tasks are lost."""

    shares_disk = True

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.capacity = 2 * workers  # one queued behind each running task keeps every worker busy
        self.description = f"{workers} local processes"
        self._threads = max(1, (os.cpu_count() or 1) // workers)
        self._dead: set[int] = set()
        self._pool, self._context = self._new_pool()

    def _new_pool(self) -> tuple[cf.ProcessPoolExecutor, _WorkerContext]:
        context = _WorkerContext()
        pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_worker_setup,
            initargs=(self._threads, os.getpid()),
        )
        return pool, context

    def submit(self, fn: Task, spec: Any) -> cf.Future[Any]:
        """Queue ``fn(spec)`` (rebuilding the pool first if a dead worker broke it)."""
        try:
            return self._pool.submit(fn, spec)
        except cf.process.BrokenProcessPool:
            self._dead |= self._context.died()
            self._stop(self._pool, self._context)
            self._pool, self._context = self._new_pool()
            return self._pool.submit(fn, spec)

    def wait(self, handles: Iterable[Any], timeout: float) -> list[Any]:
        """Finished futures, after blocking until one finishes or ``timeout`` passes (``concurrent.futures.wait``)."""
        done, _ = cf.wait(list(handles), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return list(done)

    def result(self, handle: Any) -> Any:
        """The value; :class:`TaskLost` if the pool broke under it."""
        try:
            return handle.result()
        except cf.process.BrokenProcessPool as exc:
            culprits = frozenset(self._dead | self._context.died())
            raise TaskLost(f"a worker process died: {exc}", culprits) from None

    @staticmethod
    def _stop(pool: cf.ProcessPoolExecutor, context: _WorkerContext) -> None:
        # kill, not join: a budget is wall time, and a hung instance must not hold the exit
        context.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Cancel pending tasks and kill the processes (running chunks are journaled as in flight)."""
        self._stop(self._pool, self._context)


class DaskExecutor:
    """Tasks on a Dask distributed cluster: an explicit scheduler address, or a loopback LocalCluster we start."""

    def __init__(
        self, *, scheduler: str | None = None, local_workers: int | None = None, limit: int | None = None
    ) -> None:
        if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
            raise InvalidArgument("--scheduler", scheduler, "is not a scheduler address", "give tcp://HOST:PORT")
        try:
            import distributed
        except ImportError:
            raise InvalidArgument(
                "--scheduler" if scheduler else "--dask-local",
                scheduler or local_workers,
                "needs Dask distributed, which is not installed",
                "pip install 'theorycheck[dask]'",
            ) from None
        self._distributed: Any = distributed  # untyped library: used through Any
        self._cluster: Any = None
        self._client: Any = None
        if scheduler is not None:
            try:
                self._client = self._distributed.Client(scheduler, timeout="20s", set_as_default=False)
            except OSError as exc:
                problem = f"cannot be reached ({' '.join(str(exc).split())})"
                raise InvalidArgument(
                    "--scheduler", scheduler, problem, "start the scheduler or fix the address"
                ) from None
            self.shares_disk = False
        else:
            n = local_workers or 1
            self._cluster = self._distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",  # never listen beyond this machine unless the user gives an address
                dashboard_address=None,
                silence_logs=40,
            )
            self._client = self._distributed.Client(self._cluster, set_as_default=False)
            self.shares_disk = True
        try:
            self._client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            self.close()
            raise InvalidArgument(
                "--scheduler", scheduler, "has no workers after 60 s", "start workers: dask worker ADDRESS"
            ) from None
        self.workers = max(1, sum(int(n) for n in self._client.nthreads().values()))
        self.capacity = 2 * self.workers
        if limit is not None:  # --workers with --scheduler: at most this many tasks at once on a shared cluster
            self.workers = min(self.workers, limit)
            self.capacity = self.workers
        self.description = f"Dask at {self._client.scheduler.address} ({self.workers} worker threads)"

    def submit(self, fn: Task, spec: Any) -> Any:
        """Submit ``fn(spec)`` (``pure=False``: equal specs are still separate runs), one numba thread per task."""
        return self._client.submit(_single_threaded, fn, spec, pure=False)

    def wait(self, handles: Iterable[Any], timeout: float) -> list[Any]:
        """Finished futures (errored and lost ones too), after Dask's ``wait`` for the first or ``timeout``."""
        handles = list(handles)
        # none finished in time: the caller looks at its Ctrl-C flag and deadline, then waits again
        # as_current: our client is not the process's default (set_as_default=False), and wait() asks for that
        with contextlib.suppress(TimeoutError), self._client.as_current():
            self._distributed.wait(handles, timeout=timeout, return_when="FIRST_COMPLETED")
        return [h for h in handles if h.done()]

    def result(self, handle: Any) -> Any:
        """The value; :class:`TaskLost` when Dask gave up on it after workers died (``KilledWorker``)."""
        try:
            return handle.result()
        except self._distributed.KilledWorker as exc:
            raise TaskLost(f"Dask lost the task with its workers: {exc}") from None
        except self._distributed.client.FutureCancelledError as exc:
            raise TaskLost(f"Dask cancelled the task: {exc}") from None

    def close(self) -> None:
        """Close the client (and the LocalCluster we started)."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


class Interrupts:
    """Ctrl-C for a controller loop: raises KeyboardInterrupt as usual *and* remembers it.

    CPython drops an exception raised inside a garbage-collector callback (Hypothesis installs one), so a
    Ctrl-C landing there would be lost; the loop also polls :attr:`requested` between tasks. Installed only in
    the main thread and only when SIGINT is not ignored (a background job keeps ignoring it).
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> Self:
        import threading

        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous is not signal.SIG_IGN:
                self._previous = previous
                signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, _signum: int, _frame: Any) -> None:
        self.requested = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise KeyboardInterrupt if a Ctrl-C came (even one Python could not raise where it landed)."""
        if self.requested:
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def open_executor(*, workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None) -> Any:
    """The executor the options ask for: Dask if ``scheduler`` or ``dask_local``, else local processes.

    ``workers=None`` means every core; ``workers=1`` runs tasks in this process. With a ``scheduler``,
    ``workers`` caps the tasks in flight (the cluster may be shared).
    """
    if scheduler is not None and dask_local is not None:
        raise InvalidArgument("--dask-local", dask_local, "conflicts with --scheduler", "give one of them")
    if dask_local is not None and workers is not None:
        raise InvalidArgument("--workers", workers, "conflicts with --dask-local N", "give --dask-local N alone")
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(scheduler=scheduler, local_workers=dask_local, limit=workers)
    n = workers or os.cpu_count() or 1
    return InlineExecutor() if n == 1 else ProcessExecutor(n)

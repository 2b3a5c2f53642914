"""Immutable run records: :class:`RunStatus`, :class:`RunResult`, and :func:`run_result` that every runner ends with."""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import attrs
import numpy as np

from theorycheck._validation import readonly
from theorycheck.models import Objective
from theorycheck.precision import Precision


class RunStatus(enum.IntEnum):
    """How one trajectory ended. Values match the kernel's codes."""

    RUNNING = 0
    CONVERGED = 1
    STATIONARY = 2
    DIVERGED = 3
    MAX_STEPS = 4

    @property
    def message(self) -> str:
        """One sentence for reports."""
        return _MESSAGES[self]


_MESSAGES = {
    RunStatus.RUNNING: "still running (an interrupted run)",
    RunStatus.CONVERGED: "reached the loss tolerance",
    RunStatus.STATIONARY: "reached the gradient-norm tolerance",
    RunStatus.DIVERGED: "diverged: a non-finite value or the loss above its cap; the last finite iterate is kept",
    RunStatus.MAX_STEPS: "spent the step budget (or time horizon) without meeting a tolerance",
}


def _ro(value: Any) -> Any:
    return None if value is None else readonly(value)


def _ro_map(value: Mapping[str, Any]) -> Mapping[str, np.ndarray]:
    return MappingProxyType({k: readonly(v) for k, v in value.items()})


def _arr_eq(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(a, b))


def _map_eq(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


_ARR = attrs.cmp_using(eq=_arr_eq)


@attrs.frozen
class RunResult:
    """The outcome of running B trajectories with GD or gradient flow. Arrays are read-only copies.

    Attributes:
        objective: the model that was run.
        method: ``"gd"`` or ``"gf"``.
        precision: the arithmetic of the run.
        status: ``(B,)`` :class:`RunStatus` codes.
        steps: ``(B,)`` GD iterations taken (the index of the final iterate); for GF, solver steps.
        final_params: ``(B, n_params)`` final weights (rounded to float64 for high-precision runs).
        final_loss, final_grad_norm: ``(B,)`` at the final iterate, computed in the run's precision.
        target, data: the per-trajectory Y ``(B, d_N, m)`` and X ``(B, d_0, m)`` or None.
        init: ``(B, n_params)`` the starting weights.
        step_size: ``(B,)`` base step sizes (GD), or None (GF).
        schedule: multipliers per step, the last one repeating (``Schedule.multipliers``; GD), or None.
        record_at: steps (GD, int) or times (GF, float) at which observables were recorded.
        observables: name -> ``(len(record_at), B, ...)`` arrays (see :mod:`.observables`).
        final_time: ``(B,)`` GF time reached (float64, or an object array of mpmath numbers for a
            high-precision solve, kept at its precision), or None for GD.
        seed: the seed the caller drew the instance with, kept for the report.
        final_params_hp: for high-precision runs, per trajectory the flat weights as backend numbers.
        elapsed: wall-clock seconds.
    """

    objective: Objective
    method: str
    precision: Precision
    status: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    steps: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    final_params: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    final_loss: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    final_grad_norm: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    target: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    data: np.ndarray | None = attrs.field(converter=_ro, eq=_ARR)
    init: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    step_size: np.ndarray | None = attrs.field(converter=_ro, eq=_ARR)
    schedule: np.ndarray | None = attrs.field(converter=_ro, eq=_ARR)
    record_at: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    observables: Mapping[str, np.ndarray] = attrs.field(converter=_ro_map, eq=attrs.cmp_using(eq=_map_eq))
    final_time: np.ndarray | None = attrs.field(default=None, converter=_ro, eq=_ARR)
    seed: int | None = None
    final_params_hp: tuple[tuple[Any, ...], ...] | None = attrs.field(default=None, eq=False)
    elapsed: float = attrs.field(default=0.0, eq=False)

    @property
    def batch_size(self) -> int:
        """B."""
        return int(self.status.shape[0])

    def statuses(self) -> tuple[RunStatus, ...]:
        """Per-trajectory statuses as enum members."""
        return tuple(RunStatus(int(s)) for s in self.status)

    def layers(self, b: int = 0) -> tuple[np.ndarray, ...]:
        """Final weights ``W_1..W_N`` of trajectory ``b``."""
        return self.objective.split(self.final_params[b])

    def observable(self, name: str, b: int | None = None) -> np.ndarray:
        """Recorded series ``(len(record_at), ...)`` of trajectory b, or all ``(len(record_at), B, ...)``."""
        series = self.observables[name]
        return series if b is None else series[:, b]

    def summary(self) -> str:
        """A few lines for a terminal."""
        counts = {s.name.lower(): int(np.sum(self.status == s)) for s in RunStatus if np.any(self.status == s)}
        return (
            f"{self.method.upper()} on {self.objective.describe()}, B={self.batch_size}, {self.precision}: "
            + ", ".join(f"{n} {k}" for k, n in counts.items())
            + f"; final loss min {np.min(self.final_loss):.3e} max {np.max(self.final_loss):.3e}"
            + f"; {self.elapsed:.2f}s"
        )


class Ending(NamedTuple):
    """What a runner computed per trajectory: the fields of its :class:`RunResult` that are not its inputs."""

    final_params: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    final_loss: np.ndarray
    final_grad_norm: np.ndarray
    observables: Mapping[str, np.ndarray]
    final_time: np.ndarray | None = None
    final_params_hp: tuple[tuple[Any, ...], ...] | None = None


def run_result(
    objective: Objective,
    inputs: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    ending: Ending,
    *,
    method: str,
    precision: Precision,
    record_at: np.ndarray,
    started: float,
    step_size: np.ndarray | None = None,
    schedule: np.ndarray | None = None,
    seed: int | None = None,
) -> RunResult:
    """The :class:`RunResult` of a run: its prepared ``inputs`` (target, init, data), its ``ending``, and how it ran.

    ``started`` is the run's ``time.perf_counter()`` at entry; ``elapsed`` is measured from it.
    """
    target, init, data = inputs
    return RunResult(
        objective=objective,
        method=method,
        precision=precision,
        target=target,
        data=data,
        init=init,
        step_size=step_size,
        schedule=schedule,
        record_at=record_at,
        seed=seed,
        elapsed=time.perf_counter() - started,
        **ending._asdict(),  # the rest of the fields, by name
    )

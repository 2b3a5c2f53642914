"""Problem instances: what a strategy draws and a claim checks. Immutable, arrays read-only.

A :class:`Target` keeps the matrix *and* its defining factors ``U diag(sigma) V^H`` (exact by construction),
so claims can use the singular basis without an SVD of a matrix with tied singular values. An
:class:`Instance` is one trajectory's complete problem: model, target, optional data, initial weights,
step size and horizon, plus the low-entropy parameters it was drawn from (for readable reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np

from theorycheck._validation import readonly
from theorycheck.dynamics.gd import run_gd
from theorycheck.dynamics.observables import Recording
from theorycheck.dynamics.result import RunResult
from theorycheck.errors import InvalidArgument
from theorycheck.models import Objective
from theorycheck.precision import FLOAT64, Precision


def _arr_eq(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(a, b))


def _ro(value: Any) -> Any:
    return None if value is None else readonly(value)


_ARR = attrs.cmp_using(eq=_arr_eq)


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Target:
    """``matrix = u @ diag(sigma) @ v^H`` with ``u`` (m, r), ``v`` (n, r) orthonormal columns, sigma descending >= 0.

    Attributes:
        matrix: the (m, n) target Y / Sigma.
        u, sigma, v: its factors; ``r = len(sigma)`` (zeros allowed for rank-deficient targets).
    """

    matrix: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    u: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    sigma: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    v: np.ndarray = attrs.field(converter=readonly, eq=_ARR)

    @property
    def rank(self) -> int:
        """Number of nonzero singular values."""
        return int(np.sum(self.sigma > 0))

    @property
    def condition(self) -> float:
        """sigma_1 / sigma_r over the nonzero singular values (inf for the zero matrix)."""
        nz = self.sigma[self.sigma > 0]
        return float(nz[0] / nz[-1]) if nz.size else float("inf")

    @property
    def shape(self) -> tuple[int, int]:
        """(m, n)."""
        return (int(self.matrix.shape[0]), int(self.matrix.shape[1]))


@attrs.frozen
class Instance:
    """One complete GD problem.

    Attributes:
        objective: the model.
        target: the :class:`Target` (its ``matrix`` is Y).
        init: flat initial weights ``(n_params,)``.
        step: eta > 0.
        max_steps: horizon in GD steps.
        data: X ``(d_0, m)`` or None.
        tol: loss tolerance for CONVERGED (0: run the whole horizon).
        params: the low-entropy parameters it was drawn from (``{"kappa": 50.0, "scale": 1e-3, ...}``).
    """

    objective: Objective
    target: Target
    init: np.ndarray = attrs.field(converter=readonly, eq=_ARR)
    step: float
    max_steps: int
    data: np.ndarray | None = attrs.field(default=None, converter=_ro, eq=_ARR)
    tol: float = 0.0
    params: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map, eq=False)

    def layers(self) -> tuple[np.ndarray, ...]:
        """Initial ``W_1..W_N``."""
        return self.objective.split(self.init)

    def run(
        self, *, precision: Precision | str = FLOAT64, record: Recording | None = None, gtol: float = 0.0
    ) -> RunResult:
        """GD on this instance alone (B = 1); ``gtol`` stops it at a stationary point."""
        return run_gd(
            self.objective,
            self.target.matrix,
            self.init,
            step=self.step,
            max_steps=self.max_steps,
            data=self.data,
            tol=self.tol,
            gtol=gtol,
            record=record,
            precision=precision,
        )

    def describe(self) -> str:
        """One line for reports: model, shape, spectrum summary and drawn parameters."""
        drawn = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        return (
            f"{self.objective.describe()}; target {self.target.shape} rank {self.target.rank} "
            f"kappa {self.target.condition:.4g}; eta={self.step:.4g}, T={self.max_steps}"
            + (f"; {drawn}" if drawn else "")
        )


def run_instances(
    instances: list[Instance] | tuple[Instance, ...],
    *,
    precision: Precision | str = FLOAT64,
    record: Recording | None = None,
) -> RunResult:
    """Run instances sharing one model and horizon as a single batch (each keeps its target, init and step)."""
    first = instances[0]
    for k, inst in enumerate(instances):
        if inst.objective != first.objective or inst.max_steps != first.max_steps or inst.tol != first.tol:
            raise InvalidArgument(
                f"instances[{k}]",
                inst.describe(),
                "differs from instances[0] in model, horizon or tolerance",
                "batch only instances of one model and horizon (group them first)",
            )
    data = None if first.data is None else np.stack([np.asarray(i.data) for i in instances])
    return run_gd(
        first.objective,
        np.stack([i.target.matrix for i in instances]),
        np.stack([i.init for i in instances]),
        step=np.array([i.step for i in instances]),
        max_steps=first.max_steps,
        data=data,
        tol=first.tol,
        record=record,
        precision=precision,
    )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)

"""What a claim says about scaling: the parameters a bound depends on, its stated exponents, how to measure.

``theorycheck scale`` sweeps the axes of a :class:`Scaling` on a log grid, measures the quantity on
deterministic instances (``build(parameters, repeat)``), fits ``log T = sum_k a_k g_k(x_k) + c`` and sets each
fitted ``a_k`` beside the stated exponent. ``g`` is ``log x`` for a power law (``form="power"``: T ~ x^a) and
``log log(1/x)`` for a logarithmic factor (``form="log"``: T ~ log(1/x)^a, as in "O(kappa log(1/eps))" where a
power fit in 1/eps would report an exponent near 0 for every linearly convergent method).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import attrs
import numpy as np

from theorycheck.dynamics import RunStatus
from theorycheck.dynamics.instance import Instance, run_instances
from theorycheck.errors import InvalidArgument

FORMS = ("power", "log")


@attrs.frozen
class Axis:
    """One parameter of a bound.

    Attributes:
        name: as on the command line (``kappa``, ``eps``).
        default: its value when it is not swept.
        lo, hi: the default sweep range (``--vary name`` without a range).
        form: ``"power"`` (T ~ x^a) or ``"log"`` (T ~ log(1/x)^a; needs 0 < x < 1).
        stated: the claim's exponent on this axis (None: the claim says nothing).
        note: where the stated exponent comes from.
    """

    name: str
    default: float
    lo: float
    hi: float
    form: str = "power"
    stated: float | None = None
    note: str = ""

    def __attrs_post_init__(self) -> None:
        if self.form not in FORMS:
            raise InvalidArgument("form", self.form, "is not a scaling form", f"use one of {FORMS}")
        for k in ("default", "lo", "hi"):
            self.check(getattr(self, k), k)

    def check(self, value: float, argument: str) -> float:
        """``value`` if it is valid on this axis (positive; below 1 for a log form)."""
        if not (math.isfinite(value) and value > 0) or (self.form == "log" and value >= 1):
            need = "in (0, 1)" if self.form == "log" else "positive and finite"
            raise InvalidArgument(argument, value, f"is not a valid {self.name} ({need})", f"give {self.name} {need}")
        return value

    def regressor(self, values: np.ndarray) -> np.ndarray:
        """``g(x)``: log x (power) or log log(1/x) (log)."""
        return regressor(self.form, values)

    def term(self) -> str:
        """How the axis enters the fitted law: ``kappa^a`` or ``log(1/eps)^b``."""
        return self.name if self.form == "power" else f"log(1/{self.name})"


def regressor(form: str, values: np.ndarray) -> np.ndarray:
    """The fit's regressor of an axis of ``form``: log x (power) or log log(1/x) (log)."""
    x = np.asarray(values, dtype=float)
    out: np.ndarray = np.log(x) if form == "power" else np.log(np.log(1.0 / x))
    return out


def steps_to_tolerance(instances: Sequence[Instance]) -> np.ndarray:
    """GD steps until ``loss <= instance.tol`` for each instance; NaN where the horizon ran out first.

    Instances sharing a model, horizon and tolerance run as one batch (the stacked kernel).
    """
    out = np.full(len(instances), np.nan)
    groups: dict[tuple[object, int, float], list[int]] = {}
    for k, inst in enumerate(instances):
        if inst.tol <= 0:
            raise InvalidArgument(f"instances[{k}].tol", inst.tol, "is not a tolerance", "build with tol > 0")
        groups.setdefault((inst.objective, inst.max_steps, inst.tol), []).append(k)
    for idx in groups.values():
        run = run_instances([instances[k] for k in idx])
        for j, k in enumerate(idx):
            if run.status[j] == RunStatus.CONVERGED:
                out[k] = float(run.steps[j])
    return out


@attrs.frozen
class Scaling:
    """A claim's scaling law, ready to sweep.

    Attributes:
        quantity: what is measured, in words ("GD steps to reach f <= eps").
        axes: the parameters, with their stated exponents.
        build: ``(parameters, repeat) -> Instance``, deterministic (repeat seeds the random parts).
        measure: instances -> the quantity per instance (NaN: not reached within the horizon).
        bound: the claim's stated value of the quantity at given parameters (its constants included), or None.
        stated: the claim's law in words ("T_total = O(kappa^4 log(1/delta))").
        setting: how the sweep runs, including where it departs from the theorem's assumptions.
    """

    quantity: str
    axes: tuple[Axis, ...]
    build: Callable[[Mapping[str, float], int], Instance]
    measure: Callable[[Sequence[Instance]], np.ndarray] = steps_to_tolerance
    bound: Callable[[Mapping[str, float]], float | None] | None = None
    stated: str = ""
    setting: str = ""

    def axis(self, name: str) -> Axis:
        """The axis called ``name``.

        Raises:
            InvalidArgument: no such axis (the message lists the axes).
        """
        for a in self.axes:
            if a.name == name:
                return a
        names = ", ".join(a.name for a in self.axes)
        raise InvalidArgument("--vary", name, "is not a parameter of this claim's scaling", f"vary one of: {names}")

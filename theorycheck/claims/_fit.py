"""Scaling statistics: least squares of ``log T`` on the axes' regressors, with t-intervals per exponent.

Each fitted exponent is set beside the one the claim states ("loose", "consistent", "exceeds"). Used by
``theorycheck scale`` (:mod:`theorycheck.sweep`); pure numerics (numpy, scipy.stats), no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from theorycheck._data import Data
from theorycheck._status import Status
from theorycheck.claims._scaling import Axis
from theorycheck.errors import InvalidArgument

FIT_LEVEL = 0.95
"""The confidence level of the exponents' t-intervals."""


class ExponentVerdict(Status):
    """A fitted exponent beside the stated one; the value is what ``scale.json`` and the pages show."""

    LOOSE = "loose", "the whole interval lies below the stated exponent: the bound is not tight here"
    CONSISTENT = "consistent (tight)", "the interval contains the stated exponent"
    EXCEEDS = (
        "exceeds (the bound cannot hold as the parameter grows)",
        "the whole interval lies above the stated exponent: the bound fails for large values",
    )
    NONE_STATED = "no stated exponent", "the claim states no exponent for this parameter"


@attrs.frozen
class AxisFit(Data):
    """One fitted exponent with its 95% interval, beside the stated one; its data carries its sentence too."""

    name: str
    term: str
    exponent: float
    half_width: float
    stated: float | None
    verdict: ExponentVerdict = attrs.field(converter=ExponentVerdict)

    def to_data(self) -> dict[str, Any]:
        """The fields and ``text`` (what the scale page shows; ``from_data`` ignores it)."""
        return super().to_data() | {"text": self.text()}

    def text(self) -> str:
        """``observed exponent 1.02 +- 0.05 against the stated 4: loose``."""
        head = f"{self.term}: observed exponent {self.exponent:.3g} ± {self.half_width:.2g}"
        if self.stated is None:
            return f"{head} (the claim states none)"
        return f"{head} against the stated {self.stated:g}: {self.verdict}"


def _verdict(exponent: float, half: float, stated: float | None) -> ExponentVerdict:
    if stated is None:
        return ExponentVerdict.NONE_STATED
    if exponent - half > stated:
        return ExponentVerdict.EXCEEDS
    if exponent + half < stated:
        return ExponentVerdict.LOOSE
    return ExponentVerdict.CONSISTENT


@attrs.frozen
class Fit:
    """``log T = sum a_k g_k(x_k) + c`` by least squares: exponents, intercept, R^2, points used."""

    axes: tuple[AxisFit, ...]
    intercept: float
    r2: float
    n: int
    dof: int

    def predict(self, regressors: np.ndarray) -> np.ndarray:
        """``T`` predicted at rows of regressors (one column per axis)."""
        a = np.array([f.exponent for f in self.axes])
        predicted: np.ndarray = np.exp(regressors @ a + self.intercept)
        return predicted


def fit_scaling(axes: Sequence[Axis], params: Sequence[Mapping[str, float]], values: np.ndarray) -> Fit:
    """Least squares of ``log T`` on the axes' regressors; 95% t-intervals from the residual variance.

    Rows whose value is not finite and positive are left out (reported by the caller as censored).

    Raises:
        InvalidArgument: fewer usable rows than parameters plus one.
    """
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & (v > 0)
    x = np.column_stack([a.regressor(np.array([p[a.name] for p in params])) for a in axes] + [np.ones(len(params))])
    x, y = x[ok], np.log(v[ok])
    n, k = x.shape
    if n <= k:
        raise InvalidArgument("rows", n, f"are too few to fit {k} coefficients", "sweep more points or repeats")
    for i, a in enumerate(axes):
        if np.unique(x[:, i]).size < 2:
            problem = "take one value among the runs that reached the target (the others never did)"
            raise InvalidArgument(a.name, "its values", problem, "widen the horizon or the range")
    if np.linalg.matrix_rank(x) < k:
        raise InvalidArgument(
            "--vary",
            [a.name for a in axes],
            "move together: their exponents cannot be told apart",
            "vary them independently",
        )
    import scipy.stats  # lazily: `import theorycheck` stays free of scipy

    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    dof = n - k
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.pinv(x.T @ x)
    half = scipy.stats.t.ppf(0.5 + FIT_LEVEL / 2, dof) * np.sqrt(np.maximum(np.diag(cov), 0.0))
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / tss if tss > 0 else 1.0
    fits = tuple(
        AxisFit(a.name, a.term(), float(coef[i]), float(half[i]), a.stated, _verdict(coef[i], half[i], a.stated))
        for i, a in enumerate(axes)
    )
    return Fit(fits, float(coef[-1]), r2, n, dof)

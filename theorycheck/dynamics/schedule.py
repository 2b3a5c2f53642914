"""Step-size schedules: eta_t = eta * multiplier(t), one multiplier table shared by the batch.

A schedule is data (kind and parameters), so a report can store it and a replay rebuild it exactly.
"""

from __future__ import annotations

import numpy as np
from attrs import frozen

from theorycheck._validation import check_real
from theorycheck.errors import InvalidArgument


@frozen
class Schedule:
    """A multiplier table for eta: constant, power decay, or explicit.

    ``constant()`` (the default); ``power(t0, p)``: (1 + t/t0)^(-p), e.g. Du, Hu, Lee's
    eta_t = O(t^{-(1/2 + delta)}); ``explicit(values)``: one multiplier per step.
    """

    kind: str = "constant"
    t0: float = 1.0
    power_: float = 0.0
    values: tuple[float, ...] = ()

    @classmethod
    def constant(cls) -> Schedule:
        """eta_t = eta."""
        return cls()

    @classmethod
    def power(cls, t0: float, p: float) -> Schedule:
        """eta_t = eta (1 + t/t0)^(-p), t0 > 0, p >= 0."""
        return cls("power", check_real("t0", t0, positive=True), check_real("p", p, nonnegative=True))

    @classmethod
    def explicit(cls, values: tuple[float, ...] | list[float]) -> Schedule:
        """Multipliers for steps 0, 1, ...; the last one repeats beyond the table."""
        vals = tuple(check_real("values", v, positive=True) for v in values)
        if not vals:
            raise InvalidArgument("values", values, "is empty", "pass at least one multiplier")
        return cls("explicit", values=vals)

    def multipliers(self, max_steps: int) -> np.ndarray:
        """The table ``(max_steps + 1,)`` the kernel reads (entry max_steps is never used for a step)."""
        t = np.arange(max_steps + 1, dtype=np.float64)
        if self.kind == "power":
            return (1.0 + t / self.t0) ** (-self.power_)
        if self.kind == "explicit":
            vals = np.array(self.values)
            return vals[np.minimum(np.arange(max_steps + 1), len(vals) - 1)]
        return np.ones(max_steps + 1)

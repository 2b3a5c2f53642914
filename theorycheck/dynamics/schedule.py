"""Step-size schedules: eta_t = eta * multiplier(t), one multiplier table shared by the batch.

A schedule is data (kind and parameters), so a report can store it and a replay rebuild it exactly. The table
is as short as the schedule allows (its last entry repeats): a constant step costs one float whatever the
horizon.
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
        """The table the kernel reads: entry ``t`` is step ``t``'s multiplier, and the last entry repeats beyond it.

        As short as the schedule allows, so memory does not grow with the horizon: one entry for ``constant()``,
        the given values for ``explicit`` (at most ``max_steps + 1``), ``max_steps + 1`` for ``power``, which
        is refused past :data:`MAX_TABLE` entries (a horizon of ``10**12`` steps would need 8 TB).

        Raises:
            InvalidArgument: a power schedule whose table would exceed :data:`MAX_TABLE` entries (names
                ``max_steps``).
        """
        if self.kind == "constant":
            return np.ones(1)
        if self.kind == "explicit":
            return np.array(self.values[: max_steps + 1], dtype=np.float64)
        if max_steps + 1 > MAX_TABLE:
            size = f"{max_steps + 1:,} multipliers ({8 * (max_steps + 1) / 2**30:.3g} GiB)"
            raise InvalidArgument(
                "max_steps", max_steps,
                f"needs a power-schedule table of {size}",
                f"use at most {MAX_TABLE - 1:,} steps with Schedule.power, or Schedule.explicit(...) whose last "
                "value repeats",
            )
        t = np.arange(max_steps + 1, dtype=np.float64)
        return (1.0 + t / self.t0) ** (-self.power_)

    @staticmethod
    def at(table: np.ndarray, step: int) -> float:
        """Step ``step``'s multiplier from a :meth:`multipliers` table (its last entry repeats)."""
        return float(table[min(step, table.shape[0] - 1)])


MAX_TABLE = 2**25  # power-schedule multipliers (256 MiB): beyond this a horizon is refused, not allocated

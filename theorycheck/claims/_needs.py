"""What a conclusion needs from a run, so that a claim's procedure can be derived instead of written out.

A ready-made conclusion is a :class:`ReadyConclusion`: the ``(instance, run) -> Outcome`` function plus the
:class:`Needs` it reads (which observable groups, recorded how often, on which dynamics). A claim without
an explicit procedure gets one from its conclusion's needs; an explicit procedure that records too little
(an observable missing, or ``every=10`` where the conclusion compares consecutive steps) is an error naming
both, never a silent check of every tenth step or a ``KeyError`` at run time.

:class:`RunProbe` lets a claim written as a plain function (``@theorem`` over ``def f(instance, run)``) say
what it needs: the function is called once with probes, and the first ready-made conclusion it calls raises
:class:`NeedsFound` with its needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from theorycheck._validation import check_choice
from theorycheck.dynamics import OBSERVABLES, Recording, RunResult
from theorycheck.errors import InvalidArgument, NeedsFound, NeedsUnknown


def _groups(value: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(check_choice("observables", v, OBSERVABLES) for v in value)


@attrs.frozen
class Needs:
    """What a conclusion reads from a run.

    Attributes:
        observables: groups of :data:`theorycheck.OBSERVABLES` it reads from the recorded series.
        every: the recording interval it assumes (1: it compares consecutive GD steps); None: any grid
            (it reads only the final iterate or the series at whatever steps were recorded).
        method: "gd", "gf", or None (either).
    """

    observables: tuple[str, ...] = attrs.field(default=(), converter=_groups)
    every: int | None = 1
    method: str | None = "gd"

    def recording(self) -> Recording:
        """The cheapest recording that meets these needs (nothing recorded when nothing is read)."""
        if not self.observables:
            return Recording(every=None, observables=("loss",))
        return Recording(every=self.every, observables=self.observables)

    def shortfall(self, method: str, record: Recording | None) -> str | None:
        """Why ``(method, record)`` does not meet these needs, or None when it does."""
        if self.method is not None and method != self.method:
            return f"it needs {self.method.upper()} dynamics, the procedure runs {method.upper()}"
        if not self.observables:
            return None
        have = record.observables if record is not None else ()
        missing = [name for name in self.observables if name not in have]
        if missing:
            return f"it reads {', '.join(missing)}, which the procedure's recording {record!r} does not record"
        if method == "gd" and self.every is not None and record is not None and record.every != self.every:
            return (
                f"it compares records {self.every} step(s) apart, the procedure records every={record.every}: "
                "it would check a coarser grid than it states"
            )
        return None


class RunProbe:
    """Stands in for a run (or an instance) while a claim function is probed for what it needs."""

    def __getattr__(self, name: str) -> Any:
        msg = f"the claim function reads .{name} before calling a ready-made conclusion"
        raise NeedsUnknown(msg)

    def __getitem__(self, key: Any) -> Any:
        msg = f"the claim function reads [{key!r}] before calling a ready-made conclusion"
        raise NeedsUnknown(msg)


@attrs.frozen
class ReadyConclusion:
    """A conclusion with its needs: call it as ``(instance, run) -> Outcome`` like any conclusion.

    Attributes:
        function: the conclusion itself.
        needs: what it reads from the run.
        name: the ready-made conclusion it came from (for messages).
    """

    function: Callable[[Any, RunResult | None], Any]
    needs: Needs
    name: str = ""

    def __call__(self, instance: Any, run: RunResult | None = None) -> Any:
        """Evaluate; with a :class:`RunProbe` for the run, raise :class:`NeedsFound` instead."""
        if isinstance(run, RunProbe) or (isinstance(instance, RunProbe) and run is None):
            raise NeedsFound(self.needs)
        if isinstance(run, RunResult):
            problem = self._shortfall(run)
            if problem is not None:
                raise InvalidArgument(
                    "run", f"a run recording {sorted(run.observables)} at {len(run.record_at)} steps",
                    f"does not have what {self.name or 'the conclusion'} reads ({self.needs}): {problem}",
                    "leave the claim's procedure out (it is derived from the conclusion) or record what it reads",
                )
        return self.function(instance, run)

    def _shortfall(self, run: RunResult) -> str | None:
        keys = set(run.observables)
        missing = [g for g in self.needs.observables if not keys & _KEYS.get(g, {g})]
        if missing:
            return f"{', '.join(missing)} not recorded"
        steps = np.asarray(run.record_at)
        if self.needs.every is not None and steps.dtype.kind in "iu" and steps.size > 1:
            gaps = np.diff(steps)[:-1]  # the last record is the final step, whatever the grid
            if gaps.size and int(gaps.max()) > self.needs.every:
                return f"recorded every {int(gaps.max())} steps where it compares records {self.needs.every} apart"
        return None


_KEYS = {
    "singular_values": {"sv_product", "sv_layer1"},
    "imbalances": {"imbalance1"},
    "determinants": {"det_product", "det_layer1"},
}


def with_needs(function: Callable[[Any, RunResult | None], Any], needs: Needs, name: str) -> ReadyConclusion:
    """Attach ``needs`` to a conclusion function."""
    return ReadyConclusion(function, needs, name)


def needs_of(conclusion: Any) -> Needs | None:
    """The declared needs of a conclusion, or None for a plain function (unknown)."""
    return conclusion.needs if isinstance(conclusion, ReadyConclusion) else None


def mismatch(claim_id: str, conclusion: Any, method: str, record: Recording | None) -> InvalidArgument | None:
    """The error for an explicit procedure that does not record what the conclusion reads, or None."""
    needs = needs_of(conclusion)
    why = needs.shortfall(method, record) if needs is not None else None
    if why is None:
        return None
    name = conclusion.name or "the conclusion"
    return InvalidArgument(
        "procedure",
        f"Procedure(method={method!r}, record={record!r})",
        f"does not meet what {name} of claim {claim_id!r} needs ({needs}): {why}",
        "leave procedure out (it is derived from the conclusion) or record what the conclusion reads",
    )

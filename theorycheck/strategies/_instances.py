"""One strategy for a complete, valid problem instance, assumptions satisfied by construction."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from theorycheck._validation import check_real
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.errors import InvalidType
from theorycheck.models import Objective
from theorycheck.strategies._inits import Initialization

#: A field of :func:`instances`: a value, a strategy, or a function of what was drawn before returning either.
Part = Any


def _resolve(draw: Any, part: Part, *args: Any) -> Any:
    if callable(part) and not isinstance(part, st.SearchStrategy):
        part = part(*args)
    return draw(part) if isinstance(part, st.SearchStrategy) else part


@st.composite
def _instances(draw: Any, parts: tuple[Part, Part, Part, Part, Part, Part], tol: float) -> Instance:
    # the parts travel in a tuple: Hypothesis would unwrap lazy strategies passed as direct arguments
    objective, target, data, init, step, max_steps = parts
    obj = _resolve(draw, objective)
    if not isinstance(obj, Objective):
        raise InvalidType("objective", obj, "did not produce an Objective", "pass deep_mf(...) or a strategy of them")
    tgt = _resolve(draw, target, obj)
    if not isinstance(tgt, Target):
        raise InvalidType("target", tgt, "did not produce a Target", "use target_matrices(...)")
    x = _resolve(draw, data, obj, tgt)
    ini = _resolve(draw, init, obj, tgt)
    drawn: dict[str, Any] = {}
    if isinstance(ini, Initialization):
        drawn = {"init": ini.kind, **ini.drawn}
        ini = ini.weights
    eta = float(_resolve(draw, step, obj, tgt))
    horizon = int(_resolve(draw, max_steps, obj, tgt))
    return Instance(
        objective=obj,
        target=tgt,
        init=np.asarray(ini),
        step=eta,
        max_steps=horizon,
        data=None if x is None else np.asarray(x),
        tol=tol,
        params=drawn,
    )


def instances(
    *,
    objective: Part,
    target: Part,
    init: Part,
    step: Part,
    max_steps: Part,
    data: Part = None,
    tol: float = 0.0,
) -> st.SearchStrategy[Instance]:
    """A complete :class:`Instance`, its parts drawn in order: objective, target, data, init, step, horizon.

    Later parts may depend on earlier draws: target(objective), data(objective, target),
    init(objective, target), step(objective, target), max_steps(objective, target).

    Each part is a plain value, a strategy, or a callable of the earlier draws returning a value or a
    strategy, so a claim states its assumptions constructively (e.g. ``step=lambda o, t:
    step_sizes(bound=1 / t.sigma[0])``) instead of filtering with ``assume``.

    >>> from theorycheck import deep_mf
    >>> from theorycheck.strategies import balanced_initializations, step_sizes, target_matrices
    >>> strategy = instances(
    ...     objective=deep_mf((3, 3, 3)),
    ...     target=target_matrices(shape=(3, 3), max_condition=100),
    ...     init=lambda o, t: balanced_initializations(o),
    ...     step=lambda o, t: step_sizes(bound=0.1 / t.sigma[0]),
    ...     max_steps=1000,
    ... )
    """
    tol = check_real("tol", tol, nonnegative=True)
    return _instances((objective, target, data, init, step, max_steps), tol)

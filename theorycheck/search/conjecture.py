"""The short form of a claim: ``@theorem`` over a function of the run, and the ``instances`` shorthand.

::

    import theorycheck as tc

    @tc.theorem("me2026.thm1.loss_monotone", "Me 2026, Theorem 1",
                tc.instances(tc.deep_mf((3, 3, 3)), kappa=20, init="balanced", step=lambda t: 0.1 / t.sigma[0]))
    def loss_monotone(instance, run):
        '''From small balanced init with eta <= 0.1 / sigma_1, the loss never increases.'''
        return tc.loss_non_increasing()(instance, run)

The docstring is the statement; the citation ``"Authors YEAR, locator"`` is the :class:`Source`; the
procedure is derived from what the ready-made conclusion reads (``Needs``). The result is a
:class:`Theorem`: pytest collects it, ``theorycheck check|stress FILE`` finds it, calling it runs it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from theorycheck.claims import (
    Claim,
    Needs,
    Outcome,
    Procedure,
    ReadyConclusion,
    RunProbe,
    Source,
)
from theorycheck.dynamics import Recording
from theorycheck.errors import InvalidArgument, InvalidType, NeedsFound, NeedsUnknown
from theorycheck.models import Objective, deep_mf
from theorycheck.search.hypothesis import Theorem
from theorycheck.strategies import (
    balanced_initializations,
    gaussian_initializations,
    nearly_balanced_initializations,
    orthogonal_initializations,
    step_sizes,
    target_matrices,
)
from theorycheck.strategies import instances as full_instances

_INITS: dict[str, Callable[..., Any]] = {
    "balanced": balanced_initializations,
    "gaussian": gaussian_initializations,
    "orthogonal": orthogonal_initializations,
    "nearly_balanced": nearly_balanced_initializations,
}

#: What a claim function's run is recorded with when probing cannot tell what it reads.
DEFAULT_RECORDING = Recording(every=1, observables=("loss", "grad_norm"))


def _range(name: str, value: float | tuple[float, float], low: float) -> tuple[float, float]:
    if isinstance(value, tuple):
        return float(value[0]), float(value[1])
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise InvalidType(name, value, "must be a number or a (min, max) pair", f"pass e.g. {name}=(1, 20)")
    return low, float(value)


def _models(model: Objective | st.SearchStrategy[Objective] | None, depth: int, dims: Any) -> Any:
    if model is not None:
        if not isinstance(model, (Objective, st.SearchStrategy)):
            raise InvalidType("model", model, "is not an Objective", "pass tc.deep_mf(...) or tc.asymmetric_mf(...)")
        return model
    lo, hi = (int(dims[0]), int(dims[1])) if isinstance(dims, tuple) else (1, int(dims))
    return st.integers(lo, hi).map(lambda d: deep_mf((d,) * (depth + 1)))


def instances(
    model: Objective | st.SearchStrategy[Objective] | None = None,
    *,
    depth: int = 2,
    dims: int | tuple[int, int] = 4,
    kappa: float | tuple[float, float] = 20.0,
    rank: int | None = None,
    init: str | Callable[..., Any] = "balanced",
    scale: float | tuple[float, float] = (1e-3, 0.1),
    step: float | Callable[[Any], float] = lambda t: 0.1 / float(t.sigma[0]),
    step_range: float = 0.1,
    steps: int = 1000,
    tol: float = 0.0,
) -> st.SearchStrategy[Any]:
    """Instances of the common case in one call: the target's shape comes from the model.

    Args:
        model: an Objective (its widths fix the target's shape ``(d_N, d_0)``), a strategy of them, or None
            for square ``deep_mf((d,) * (depth + 1))`` with d drawn from ``dims``.
        depth: the depth, when ``model`` is None.
        dims: the largest d (or a ``(min, max)`` pair), when ``model`` is None.
        kappa: the largest condition number of the target, or a ``(min, max)`` pair.
        rank: the target's rank (default: drawn; full when ``kappa`` has a lower end above 1).
        init: "balanced", "gaussian", "orthogonal", "nearly_balanced", or ``(objective, target) -> strategy``.
        scale: the initial scale, or a ``(min, max)`` pair drawn log-uniformly.
        step: a fixed eta, or a function of the target giving eta's upper end: eta is drawn log-uniformly
            in ``[step_range * bound, bound]``.
        step_range: the smallest eta as a fraction of the bound (1 fixes eta to the bound).
        steps: the GD horizon.
        tol: stop once the loss is at most ``tol`` (0: run the whole horizon).
    """
    k_lo, k_hi = _range("kappa", kappa, 1.0)
    s_lo, s_hi = _range("scale", scale, float(scale) if not isinstance(scale, tuple) else 0.0)
    if not 0 < step_range <= 1:
        raise InvalidArgument("step_range", step_range, "must be in (0, 1]", "pass e.g. step_range=0.1")
    if isinstance(init, str):
        if init not in _INITS:
            fix = "pass one of them, or a function (objective, target) -> strategy"
            raise InvalidArgument("init", init, f"is not one of {sorted(_INITS)}", fix)
        make = _INITS[init]

        def draw_init(o: Objective, _t: Any) -> Any:
            return make(o, min_scale=s_lo, max_scale=s_hi)

        init_part: Any = draw_init
    else:
        init_part = init

    def target(o: Objective) -> Any:
        if o.uses_data:
            raise InvalidArgument("model", o, "fits data: the target's shape is not the model's", "use tcs.instances")
        shape = (o.widths[-1], o.widths[0])
        # a rank-one target has kappa 1: a lower bound on kappa asks for full rank unless a rank is given
        r = rank if rank is not None or k_lo <= 1 else min(shape)
        return target_matrices(shape=shape, rank=r, field=o.field, min_condition=k_lo, max_condition=k_hi)

    def eta(_o: Objective, t: Any) -> Any:
        if not callable(step):
            return float(step)
        bound = float(step(t))
        return step_sizes(bound=bound, min_factor=step_range) if step_range < 1 else bound

    return full_instances(
        objective=_models(model, depth, dims), target=target, init=init_part, step=eta, max_steps=steps, tol=tol
    )


_CITATION = re.compile(r"^\s*(?P<authors>.+?)\s+(?P<year>\d{4})\s*[,:]?\s*(?P<locator>.*)$")


def _source(citation: str | Source, provenance: str) -> Source:
    if isinstance(citation, Source):
        return citation
    match = _CITATION.match(citation) if isinstance(citation, str) else None
    if match is None:
        raise InvalidArgument(
            "citation", citation, "is not 'Authors YEAR, locator'", "pass e.g. 'Me 2026, Theorem 1' or a Source(...)"
        )
    return Source(match["authors"], int(match["year"]), match["locator"] or "(no locator)", provenance)


def _arity(function: Callable[..., Any]) -> tuple[str, ...]:
    names = tuple(inspect.signature(function).parameters)
    if not 1 <= len(names) <= 2:
        raise InvalidArgument(
            "function", getattr(function, "__name__", function), f"takes {len(names)} arguments",
            "take (run), (instance, run), or (case) for a claim about the instance itself",
        )
    return names


def _call(function: Callable[..., Any], names: tuple[str, ...], instance: Any, run: Any) -> Any:
    if len(names) == 2:
        return function(instance, run)
    return function(run if names[0] == "run" else instance)


def _outcome(value: Any, instance: Any, run: Any, name: str) -> Outcome:
    if isinstance(value, ReadyConclusion) or (callable(value) and not isinstance(value, Outcome)):
        value = value(instance, run)
    if isinstance(value, Outcome):
        return value
    if isinstance(value, (bool, np.bool_)):
        return Outcome(1.0 if value else -1.0, "assertion", None, f"{name} returned {bool(value)}")
    raise InvalidType(
        "return value", value, f"of {name} is not an Outcome", "return a ready-made conclusion's outcome or a bool"
    )


def _probe(function: Callable[..., Any], names: tuple[str, ...]) -> Needs | None:
    """What the function's ready-made conclusion reads, found by one call with probes (None: unknown)."""
    try:
        value = _call(function, names, RunProbe(), RunProbe())
    except NeedsFound as found:
        return found.needs if isinstance(found.needs, Needs) else None  # errors.py knows no claims types
    except NeedsUnknown:
        return None
    except Exception:  # noqa: BLE001 - any other use of the probes: the needs are unknown, not an error
        return None
    return value.needs if isinstance(value, ReadyConclusion) else None


def theorem(
    id: str,  # noqa: A002 - the claim's id, as in Claim(id=...)
    citation: str | Source,
    instances: st.SearchStrategy[Any],
    *,
    provenance: str = "paper",
    expect: str = "holds",
    procedure: Procedure | None = None,
    record: Recording | None = None,
    setting: str = "",
    algorithm: str = "",
    tightness: str = "",
    cost: int = 1,
    examples: Sequence[Any] = (),
    refinable: bool = False,
) -> Callable[[Callable[..., Any]], Theorem]:
    """Decorate a function of the run (or of the instance) into a :class:`Theorem`; its docstring is the statement.

    The function takes ``(run)``, ``(instance, run)``, or ``(instance)``/``(case)`` for a claim about the
    instance itself, and returns a ready-made conclusion's outcome (``tc.loss_non_increasing()(instance,
    run)``), the conclusion itself, or a bool. The GD procedure records what that conclusion reads (found by
    calling the function once with probes); ``record=`` or ``procedure=`` override it, and one that records
    less than the conclusion reads is an error naming both (here or on the first run). If probing cannot
    tell (the function reads the run before calling a conclusion), the run records
    :data:`DEFAULT_RECORDING`.

    Args:
        id: ``<author><year>.<locator>.<short_name>``.
        citation: ``"Authors YEAR, locator"`` or a :class:`Source`.
        instances: a strategy of instances (:func:`instances`, or any strategy of Instance / Case).
        provenance: "paper" (stated in the cited source) or "reconstructed".
        expect: "holds" or "refuted" (a false variant: the test passes when the search refutes it).
        procedure: an explicit :class:`Procedure` (GF, gtol, precision), used as given.
        record: an explicit recording for the derived GD procedure (checked against the conclusion's needs).
        setting: the model, target and initialisation family, for the docs.
        algorithm: GD or GF and the step rule, for the docs.
        tightness: what is known about how sharp the statement is.
        cost: examples are this many times dearer than usual.
        examples: instances checked first, every run (a report's ``@example``).
        refinable: refinement may move the instance's knobs directly (see ``property_test``).
    """
    source = _source(citation, provenance)

    def decorate(function: Callable[..., Any]) -> Theorem:
        names = _arity(function)
        statement = inspect.cleandoc(function.__doc__ or "")
        if not statement:
            raise InvalidArgument(
                "function", function.__name__, "has no docstring", "write the statement as the docstring"
            )
        label = function.__name__
        pure = names in (("case",), ("instance",))

        def conclude(instance: Any, run: Any) -> Outcome:
            return _outcome(_call(function, names, instance, run), instance, run, label)

        chosen = procedure
        needs = None if pure else _probe(function, names)
        if chosen is None and not pure:
            chosen = Procedure(record=record) if record is not None else Procedure(
                record=needs.recording() if needs is not None else DEFAULT_RECORDING
            )
        if chosen is not None and needs is not None and (why := needs.shortfall(chosen.method, chosen.record)):
            given = "record" if procedure is None else "procedure"
            raise InvalidArgument(
                given, record if procedure is None else procedure,
                f"does not meet what {label} reads ({needs}): {why}",
                f"leave {given} out (it is derived) or record what the conclusion reads",
            )
        claim = Claim(
            id=id,
            statement=statement,
            source=source,
            conclusion=conclude,
            procedure=chosen,
            expect=expect,
            setting=setting,
            algorithm=algorithm,
            tightness=tightness,
        )
        return Theorem(
            claim, instances, cost=cost, refinable=refinable, examples=tuple(examples), must_refute=expect == "refuted"
        )

    return decorate

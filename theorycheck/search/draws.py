"""An example's draws: the choice sequence a strategy consumed to build it, recorded, edited and replayed.

Refinement (``search.descent``) and boundary search (``search.boundary``) move an example by editing the
floats, integers and booleans its strategy drew and rebuilding it *through the same strategy*: every
refined instance is a valid draw, so the structure the strategy imposes (a ``sigma_1 I`` target, a step
tied to ``sigma_1``, a balanced start, an exact critical point) and every assumption it meets by
construction still hold.

This module is the one place that touches Hypothesis internals (``ConjectureData.for_choices``, the build
context, the choice serialisation, the engine's phase), pinned to the range in ``pyproject.toml`` and
exercised by ``tests/cover/test_draws.py``:

* :func:`current_draw`, inside a Hypothesis test: the choices drawn so far, with each one's kind and
  constraints (a float's bounds, an integer's range);
* :func:`replay`: rebuild an example from edited choices (a value outside its constraints is clamped first,
  so an edit never silently turns into Hypothesis's "simplest" fallback);
* :class:`PrimedDatabase`: hands choice sequences to Hypothesis's reuse phase, so a refined violation is
  re-checked *and shrunk* by Hypothesis itself, and a campaign's elite feeds the next chunk's target phase;
* :func:`current_phase`: which phase of Hypothesis's engine is running the current example.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs
from hypothesis.control import BuildContext
from hypothesis.database import ExampleDatabase, choices_to_bytes
from hypothesis.errors import HypothesisException, StopTest, UnsatisfiedAssumption
from hypothesis.internal.conjecture.data import ConjectureData
from hypothesis.strategies import SearchStrategy

from theorycheck.errors import InvalidArgument

KINDS = ("float", "integer", "boolean", "string", "bytes")

Choice = float | int | bool | str | bytes


def _frozen(constraints: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(constraints))


def _frozen_all(constraints: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    return tuple(_frozen(c) for c in constraints)


@attrs.frozen
class Draw:
    """The choices one example's strategy made, in order, with each choice's kind and constraints.

    Attributes:
        choices: the values (``float``, ``int``, ``bool``, ``str``, ``bytes``).
        kinds: ``"float"``, ``"integer"``, ``"boolean"``, ``"string"`` or ``"bytes"``, one per choice.
        constraints: per choice, Hypothesis's constraints (floats: ``min_value``, ``max_value``,
            ``allow_nan``, ``smallest_nonzero_magnitude``; integers: ``min_value``, ``max_value``).
    """

    choices: tuple[Choice, ...]
    kinds: tuple[str, ...]
    constraints: tuple[Mapping[str, Any], ...] = attrs.field(converter=_frozen_all, eq=False)

    def __attrs_post_init__(self) -> None:
        if not len(self.choices) == len(self.kinds) == len(self.constraints):
            raise InvalidArgument(
                "draw", len(self.choices), "has choices, kinds and constraints of different lengths",
                "build a Draw with current_draw()",
            )

    def positions(self, kind: str) -> tuple[int, ...]:
        """Indices of the choices of ``kind`` that can move (floats with room, integers with a range)."""
        out = []
        for i, (k, c) in enumerate(zip(self.kinds, self.constraints, strict=True)):
            if k != kind:
                continue
            if kind == "float" and float_bounds(c)[0] == float_bounds(c)[1]:
                continue
            if kind == "integer" and c.get("min_value") is not None and c.get("min_value") == c.get("max_value"):
                continue
            out.append(i)
        return tuple(out)

    def with_choices(self, edits: Mapping[int, Choice]) -> tuple[Choice, ...]:
        """The choice sequence with ``edits`` applied (each clamped to its position's constraints)."""
        values = list(self.choices)
        for i, value in edits.items():
            values[i] = clamp(self.kinds[i], self.constraints[i], value)
        return tuple(values)

    def to_data(self) -> dict[str, Any]:
        """Plain JSON data: floats as ``float.hex`` (bit-exact), bytes as hex."""
        return {
            "choices": [_encode(k, v) for k, v in zip(self.kinds, self.choices, strict=True)],
            "kinds": list(self.kinds),
            "constraints": [_encode_constraints(c) for c in self.constraints],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Draw:
        """The draw :meth:`to_data` wrote."""
        kinds = tuple(data["kinds"])
        return cls(
            tuple(_decode(k, v) for k, v in zip(kinds, data["choices"], strict=True)),
            kinds,
            tuple(_decode_constraints(c) for c in data["constraints"]),
        )


def _encode(kind: str, value: Choice) -> Any:
    if kind == "float":
        return float(value).hex()
    if kind == "bytes":
        assert isinstance(value, bytes)
        return value.hex()
    return value


def _decode(kind: str, value: Any) -> Choice:
    if kind == "float":
        return float.fromhex(value)
    if kind == "bytes":
        return bytes.fromhex(value)
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def _encode_constraints(c: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in c.items():
        if isinstance(v, float):
            out[k] = {"float": v.hex()}
        elif isinstance(v, (int, bool, str)) or v is None:
            out[k] = v
        # weights, intervals and the like are not needed to move a choice: dropped
    return out


def _decode_constraints(c: Mapping[str, Any]) -> dict[str, Any]:
    return {k: float.fromhex(v["float"]) if isinstance(v, dict) else v for k, v in c.items()}


def float_bounds(constraints: Mapping[str, Any]) -> tuple[float, float]:
    """A float choice's closed range (``-inf``/``inf`` where unbounded)."""
    lo = constraints.get("min_value", -math.inf)
    hi = constraints.get("max_value", math.inf)
    return (-math.inf if lo is None else float(lo)), (math.inf if hi is None else float(hi))


def clamp(kind: str, constraints: Mapping[str, Any], value: Choice) -> Choice:
    """``value`` moved into the range its constraints permit (floats: finite, within bounds; integers too)."""
    if kind == "float":
        lo, hi = float_bounds(constraints)
        x = float(value)
        if math.isnan(x):
            x = lo if math.isfinite(lo) else 0.0
        x = min(max(x, lo), hi)
        tiny = constraints.get("smallest_nonzero_magnitude") or 0.0
        if x != 0.0 and abs(x) < tiny:
            x = math.copysign(tiny, x)
        return x
    if kind == "integer":
        x = int(value)
        lo_i, hi_i = constraints.get("min_value"), constraints.get("max_value")
        if lo_i is not None:
            x = max(x, int(lo_i))
        if hi_i is not None:
            x = min(x, int(hi_i))
        return x
    if kind == "boolean":
        p = constraints.get("p", 0.5)
        return bool(value) if 0.0 < p < 1.0 else p >= 1.0
    return value


def current_draw() -> Draw | None:
    """Inside a Hypothesis test: the choices drawn so far (the whole example, once the test body runs).

    None outside a Hypothesis test, and for an explicit ``@example`` (it draws nothing).
    """
    try:
        from hypothesis.control import current_build_context

        data = current_build_context().data
    except HypothesisException:
        return None
    nodes = data.nodes
    if not nodes:
        return None
    return Draw(
        tuple(n.value for n in nodes),
        tuple(n.type for n in nodes),
        tuple(n.constraints for n in nodes),  # type: ignore[misc]
    )


class _Test:
    """A stand-in for the test a build context names (strategies never call it)."""

    def __call__(self) -> None:  # pragma: no cover - never called
        return None


@attrs.frozen
class Replayed:
    """An example rebuilt from choices, with the draw it actually consumed (edits may change what follows)."""

    example: Any = attrs.field(eq=False)
    draw: Draw


def replay(strategy: SearchStrategy[Any], choices: Sequence[Choice], *, extend: int = 0) -> Replayed | None:
    """The example ``strategy`` builds from ``choices``, or None if it cannot build one from them.

    None when the strategy rejects the choices (a filter, ``assume`` or ``reject`` inside it) or runs out of
    them (``extend`` extra choices may be drawn as the simplest value of their kind, for an edit that makes
    the strategy draw more). The choices are taken as given: clamp them first (:meth:`Draw.with_choices`
    does); one that its position's constraints do not permit is replaced by the simplest value there, as
    Hypothesis does, and the returned draw says what was used.
    """
    from hypothesis.internal.conjecture.choice import ChoiceTemplate

    prefix: list[Any] = list(choices)
    if extend:
        prefix.append(ChoiceTemplate("simplest", count=extend))
    data = ConjectureData.for_choices(prefix)
    try:
        with BuildContext(data, wrapped_test=_Test(), is_final=False):
            example = data.draw(strategy)
    except (StopTest, UnsatisfiedAssumption):
        return None
    nodes = data.nodes
    return Replayed(example, Draw(tuple(n.value for n in nodes), tuple(n.type for n in nodes),
                                  tuple(n.constraints for n in nodes)))  # type: ignore[misc]


class PrimedDatabase(ExampleDatabase):
    """An example database that offers choice sequences to Hypothesis's reuse phase, over an optional real one.

    ``found`` sequences (counterexamples kept from earlier runs, ``search.store``) and ``primary`` ones are
    replayed first, as past failures are (Hypothesis tries them shortest first and stops at the first that
    fails; non-failing ones feed the target phase: a campaign's elite);
    ``secondary`` ones are replayed after, as earlier non-minimal failures are, and when one fails Hypothesis
    *shrinks* it (a refined violation: re-checked by the path every example takes, then shrunk toward simple
    values where the margin allows). Writes go to ``inner`` (None: dropped). When the reuse phase finds that a
    ``found`` sequence no longer fails it deletes it, and ``forget`` is called with it (the store drops it).
    """

    def __init__(
        self,
        inner: ExampleDatabase | None,
        *,
        primary: Iterable[Sequence[Choice]] = (),
        secondary: Iterable[Sequence[Choice]] = (),
        found: Iterable[Sequence[Choice]] = (),
        forget: Callable[[bytes], None] | None = None,
    ) -> None:
        super().__init__()
        self.inner = inner
        self.found = [choices_to_bytes(c) for c in found]
        self.primary = [choices_to_bytes(c) for c in primary]
        self.secondary = [choices_to_bytes(c) for c in secondary]
        self.forget = forget

    def without_inner(self) -> PrimedDatabase:
        """The same primed sequences over no real database."""
        out = PrimedDatabase(None, forget=self.forget)
        out.found, out.primary, out.secondary = list(self.found), list(self.primary), list(self.secondary)
        return out

    def fetch(self, key: bytes) -> Iterable[bytes]:
        """Primed sequences for the test's keys, then the inner database's."""
        if key.endswith(b".secondary"):
            yield from self.secondary
        elif not key.endswith(b".pareto"):
            yield from self.found
            yield from self.primary
        if self.inner is not None:
            yield from self.inner.fetch(key)

    def save(self, key: bytes, value: bytes) -> None:
        """Save to the inner database."""
        if self.inner is not None:
            self.inner.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        """Delete from the inner database (primed sequences stay primed; a stale ``found`` one is forgotten)."""
        if value in self.found and self.forget is not None and not key.endswith(b".secondary"):
            self.forget(value)
        if self.inner is not None:
            self.inner.delete(key, value)


#: Hypothesis's engine phases as :func:`current_phase` names them, plus "explicit" for ``@example`` runs.
PHASES = ("explicit", "reuse", "generate", "target", "shrink")


def current_phase() -> str:
    """The Hypothesis phase running the current example: "reuse", "generate", "target", "shrink" or "explicit".

    Read from the engine's frame (internal API, tested); "explicit" when no engine is running (an
    ``@example``, or a call outside Hypothesis).
    """
    frame = sys._getframe(1)  # noqa: SLF001 - the engine does not expose its phase to the test
    while frame is not None:
        owner = frame.f_locals.get("self")
        if owner is not None and type(owner).__name__ == "ConjectureRunner":
            phase = str(getattr(owner, "_current_phase", ""))
            return phase if phase in PHASES else "generate"
        frame = frame.f_back  # type: ignore[assignment]
    return "explicit"

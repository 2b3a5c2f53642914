"""The record of a ``theorycheck scale`` sweep (``scale.json``, schema ``theorycheck.scale/1``) as typed, frozen data.

``sweep`` builds a :class:`ScaleRecord`, ``scale.json`` holds its ``to_data`` form, and the page
(:func:`~theorycheck.report.render_scale`) reads the record's fields, never string keys. ``from_data`` reads
``scale.json`` back (``from_data(to_data(r)) == r``, tested field by field); the report index reads it so and
lists each sweep as a :class:`ScaleEntry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from theorycheck._data import Data, as_tuple, floats, strs
from theorycheck.claims import AxisFit

SCALE_SCHEMA = "theorycheck.scale/1"


@attrs.frozen
class ScaleRow(Data):
    """One run: its parameters and repeat, the measured value (None: not reached), horizon and stated bound."""

    params: Mapping[str, float]
    repeat: int
    value: float | None
    horizon: int
    bound: float | None


@attrs.frozen
class VariedAxis(Data):
    """A swept axis: its name, scaling form, values and note."""

    name: str
    form: str
    values: tuple[float, ...] = attrs.field(converter=floats)
    note: str = ""


@attrs.frozen
class ScaleFit(Data):
    """The least-squares fit of ``log T``: the model in words, the exponents, intercept, R², runs, dof, level."""

    model: str
    axes: tuple[AxisFit, ...] = attrs.field(converter=as_tuple)
    intercept: float
    r2: float
    n: int
    dof: int
    level: float


@attrs.frozen
class ScaleClaim(Data):
    """The claim as the page shows it."""

    id: str
    statement: str
    reference: str
    provenance: str


@attrs.frozen(kw_only=True)
class ScaleRecord(Data):
    """A sweep: the claim, what was measured and varied, every run, the fit and the bound's verdict.

    ``stopped`` is the stop reason's value and ``folder`` where the record was written ("" until it is).
    ``scale.json`` holds the schema and then the fields, in the order the schema has always had.
    """

    created: str
    command: str
    claim: ScaleClaim
    claim_ref: Mapping[str, str]
    quantity: str
    stated: str
    setting: str
    varied: tuple[VariedAxis, ...] = attrs.field(converter=as_tuple)
    fixed: Mapping[str, float]
    repeats: int
    tasks: int
    tasks_done: int
    tasks_lost: tuple[str, ...] = attrs.field(converter=as_tuple)
    rows: tuple[ScaleRow, ...] = attrs.field(converter=as_tuple)
    censored: int
    fit: ScaleFit | None = None
    fit_error: str | None = None
    bound: str
    bound_violated: bool
    environment: Mapping[str, Any] = attrs.field(factory=dict)
    stopped: str = ""
    folder: str = ""

    def to_data(self) -> dict[str, Any]:
        """``scale.json``'s object: the schema, then the fields."""
        return {"schema": SCALE_SCHEMA, **super().to_data()}


@attrs.frozen
class ScaleEntry(Data):
    """A sweep as the report index lists it (an entry of ``index.json``'s ``scales``), read from its record.

    ``folder``: the sweep's folder relative to the report root (the link); ``violated``: the bound's verdict;
    ``fit``: each exponent's sentence.
    """

    folder: str
    claim: str
    created: str
    bound: str
    violated: bool
    fit: tuple[str, ...] = attrs.field(converter=strs)

    @classmethod
    def of(cls, record: ScaleRecord, folder: str) -> ScaleEntry:
        """The entry of ``record``, written in ``folder``."""
        fit = () if record.fit is None else [a.text() for a in record.fit.axes]
        return cls(folder, record.claim.id, record.created, record.bound, record.bound_violated, fit)

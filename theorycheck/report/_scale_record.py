"""The record of a ``theorycheck scale`` sweep (``scale.json``, schema ``theorycheck.scale/1``) as typed, frozen data.

``sweep`` builds a :class:`ScaleRecord`, ``scale.json`` holds its ``to_data`` form, and the page
(:func:`~theorycheck.report.render_scale`) reads the record's fields, never string keys. ``from_data`` reads
``scale.json`` back (``from_data(to_data(r)) == r``, tested field by field); the report index reads it so and
lists each sweep as a :class:`ScaleEntry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from theorycheck.claims import AxisFit

SCALE_SCHEMA = "theorycheck.scale/1"


@attrs.frozen
class ScaleRow:
    """One run: its parameters and repeat, the measured value (None: not reached), horizon and stated bound."""

    params: Mapping[str, float]
    repeat: int
    value: float | None
    horizon: int
    bound: float | None

    def to_data(self) -> dict[str, Any]:
        """``{"params", "repeat", "value", "horizon", "bound"}``."""
        return attrs.asdict(self) | {"params": dict(self.params)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ScaleRow:
        """The inverse of :meth:`to_data`."""
        return cls(dict(data["params"]), int(data["repeat"]), data["value"], int(data["horizon"]), data["bound"])


def _floats(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(float(x) for x in values)


@attrs.frozen
class VariedAxis:
    """A swept axis: its name, scaling form, values and note."""

    name: str
    form: str
    values: tuple[float, ...] = attrs.field(converter=_floats)
    note: str = ""

    def to_data(self) -> dict[str, Any]:
        """``{"name", "form", "values", "note"}``."""
        return {"name": self.name, "form": self.form, "values": list(self.values), "note": self.note}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> VariedAxis:
        """The inverse of :meth:`to_data`."""
        return cls(data["name"], data["form"], data["values"], data.get("note", ""))


def _axes(axes: Iterable[AxisFit]) -> tuple[AxisFit, ...]:
    return tuple(axes)


@attrs.frozen
class ScaleFit:
    """The least-squares fit of ``log T``: the model in words, the exponents, intercept, R², runs, dof, level."""

    model: str
    axes: tuple[AxisFit, ...] = attrs.field(converter=_axes)
    intercept: float
    r2: float
    n: int
    dof: int
    level: float

    def to_data(self) -> dict[str, Any]:
        """The ``fit`` object of ``scale.json`` (each axis with its sentence, ``text``)."""
        return {
            "model": self.model,
            "axes": [attrs.asdict(a) | {"text": a.text()} for a in self.axes],
            "intercept": self.intercept,
            "r2": self.r2,
            "n": self.n,
            "dof": self.dof,
            "level": self.level,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ScaleFit:
        """The inverse of :meth:`to_data`."""
        axes = [AxisFit(**{k: v for k, v in a.items() if k != "text"}) for a in data["axes"]]
        return cls(data["model"], axes, data["intercept"], data["r2"], data["n"], data["dof"], data["level"])


@attrs.frozen
class ScaleClaim:
    """The claim as the page shows it."""

    id: str
    statement: str
    reference: str
    provenance: str

    def to_data(self) -> dict[str, Any]:
        """``{"id", "statement", "reference", "provenance"}``."""
        return attrs.asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ScaleClaim:
        """The inverse of :meth:`to_data`."""
        return cls(data["id"], data["statement"], data["reference"], data["provenance"])


def _rows(rows: Iterable[ScaleRow]) -> tuple[ScaleRow, ...]:
    return tuple(rows)


def _varied(varied: Iterable[VariedAxis]) -> tuple[VariedAxis, ...]:
    return tuple(varied)


def _strs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class ScaleRecord:
    """A sweep: the claim, what was measured and varied, every run, the fit and the bound's verdict.

    ``stopped`` is the stop reason's value and ``folder`` where the record was written ("" until it is).
    """

    created: str
    command: str
    claim: ScaleClaim
    claim_ref: Mapping[str, str]
    quantity: str
    stated: str
    setting: str
    varied: tuple[VariedAxis, ...] = attrs.field(converter=_varied)
    fixed: Mapping[str, float]
    repeats: int
    tasks: int
    tasks_done: int
    tasks_lost: tuple[str, ...] = attrs.field(converter=_strs)
    rows: tuple[ScaleRow, ...] = attrs.field(converter=_rows)
    censored: int
    fit: ScaleFit | None
    fit_error: str | None
    bound: str
    bound_violated: bool
    environment: Mapping[str, Any]
    stopped: str = ""
    folder: str = ""

    def to_data(self) -> dict[str, Any]:
        """``scale.json``'s object (keys in the order the schema has always had)."""
        return {
            "schema": SCALE_SCHEMA,
            "created": self.created,
            "command": self.command,
            "claim": self.claim.to_data(),
            "claim_ref": dict(self.claim_ref),
            "quantity": self.quantity,
            "stated": self.stated,
            "setting": self.setting,
            "varied": [v.to_data() for v in self.varied],
            "fixed": dict(self.fixed),
            "repeats": self.repeats,
            "tasks": self.tasks,
            "tasks_done": self.tasks_done,
            "tasks_lost": list(self.tasks_lost),
            "rows": [r.to_data() for r in self.rows],
            "censored": self.censored,
            "fit": None if self.fit is None else self.fit.to_data(),
            "fit_error": self.fit_error,
            "bound": self.bound,
            "bound_violated": self.bound_violated,
            "environment": dict(self.environment),
            "stopped": self.stopped,
            "folder": self.folder,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ScaleRecord:
        """The inverse of :meth:`to_data` (``scale.json`` read back)."""
        fit = data.get("fit")
        return cls(
            created=data["created"],
            command=data["command"],
            claim=ScaleClaim.from_data(data["claim"]),
            claim_ref=dict(data["claim_ref"]),
            quantity=data["quantity"],
            stated=data["stated"],
            setting=data["setting"],
            varied=[VariedAxis.from_data(v) for v in data["varied"]],
            fixed=dict(data["fixed"]),
            repeats=int(data["repeats"]),
            tasks=int(data["tasks"]),
            tasks_done=int(data["tasks_done"]),
            tasks_lost=data["tasks_lost"],
            rows=[ScaleRow.from_data(r) for r in data["rows"]],
            censored=int(data["censored"]),
            fit=None if fit is None else ScaleFit.from_data(fit),
            fit_error=data.get("fit_error"),
            bound=data["bound"],
            bound_violated=bool(data["bound_violated"]),
            environment=dict(data.get("environment", {})),
            stopped=str(data.get("stopped", "")),
            folder=str(data.get("folder", "")),
        )


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@attrs.frozen
class ScaleEntry:
    """A sweep as the report index lists it (an entry of ``index.json``'s ``scales``), read from its record.

    ``folder``: the sweep's folder relative to the report root (the link); ``violated``: the bound's verdict;
    ``fit``: each exponent's sentence.
    """

    folder: str
    claim: str
    created: str
    bound: str
    violated: bool
    fit: tuple[str, ...] = attrs.field(converter=_texts)

    @classmethod
    def of(cls, record: ScaleRecord, folder: str) -> ScaleEntry:
        """The entry of ``record``, written in ``folder``."""
        fit = () if record.fit is None else [a.text() for a in record.fit.axes]
        return cls(folder, record.claim.id, record.created, record.bound, record.bound_violated, fit)

    def to_data(self) -> dict[str, Any]:
        """``{"folder", "claim", "created", "bound", "violated", "fit"}``."""
        return attrs.asdict(self) | {"fit": list(self.fit)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ScaleEntry:
        """The inverse of :meth:`to_data`."""
        return cls(data["folder"], data["claim"], data["created"], data["bound"], bool(data["violated"]), data["fit"])

"""The summary of one command's run (``runs/*.json``) as a typed, frozen record the report index reads.

``theorycheck check``, ``stress`` and ``demo`` each write one :class:`RunRecord` under ``runs/`` (through
:func:`~theorycheck.report.write_run`); the index (``index.html``'s runs table and ``index.json``'s ``runs``)
reads each file back through :meth:`RunRecord.from_data`, by field.

The files keep the bytes they have always had, so older report folders need no schema or version: the nine
totals every run writes, then the fields only some commands write. ``check`` writes ``seed``, ``interrupted``
and ``store`` (``null`` when the example database is off); ``stress`` writes ``interrupted`` and ``resumed``;
``demo`` writes none of them. A field a command does not write is :data:`OMITTED`, and ``to_data`` leaves it
out (``None`` is a value: ``"store": null``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Self

import attrs

from theorycheck._data import Data


class _Omitted(enum.Enum):
    OMITTED = "omitted"


#: the value of a field a command does not write: ``to_data`` leaves its key out, ``from_data`` reads a missing
#: key as it
OMITTED = _Omitted.OMITTED

# what the index has always shown for a total a run file lacks (it read them with ``.get``)
_TOTALS_IF_MISSING: dict[str, Any] = {
    "started": "", "command": "", "claims": 0, "examples": 0, "violations": 0, "confirmed": 0, "artifacts": 0,
    "undecided": 0, "seconds": 0.0,
}


@attrs.frozen(kw_only=True)
class RunRecord(Data):
    """One run of a command: when, what, and its totals (``runs/*.json``; module docstring for the keys).

    Attributes:
        started: when the run started, ISO 8601 in UTC (as the command wrote it).
        command: the command line, shown in the index.
        claims: claims checked.
        examples: examples run, over all claims.
        violations: float64 violations reported: ``confirmed + artifacts + undecided`` (``check``, ``stress``).
        confirmed: confirmed or certified counterexamples.
        artifacts: violations the ladder showed to be float64 artifacts.
        undecided: violations the ladder could not decide.
        seconds: wall time of the run.
        seed: the seed the run used (``check``), else :data:`OMITTED`.
        interrupted: whether Ctrl-C ended it (``check``, ``stress``), else :data:`OMITTED`.
        store: where counterexamples are kept, None when that is off (``check``), else :data:`OMITTED`.
        resumed: whether it resumed a campaign (``stress``), else :data:`OMITTED`.
    """

    started: str
    command: str
    claims: int
    examples: int
    violations: int
    confirmed: int
    artifacts: int
    undecided: int
    seconds: float
    seed: int | _Omitted = OMITTED
    interrupted: bool | _Omitted = OMITTED
    store: str | _Omitted | None = OMITTED
    resumed: bool | _Omitted = OMITTED

    def to_data(self) -> dict[str, Any]:
        """The file's object: one key per field in declaration order, but none for an :data:`OMITTED` field."""
        return {key: value for key, value in super().to_data().items() if value is not OMITTED}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *local: Any) -> Self:
        """The inverse of :meth:`to_data`; a total the file lacks reads as the index has always shown it (0, "").

        Raises:
            ValueError: a total that is not a number (a foreign file); TypeError: ``data`` is not a mapping.
        """
        if not isinstance(data, Mapping):
            msg = f"a run record is a JSON object, not {type(data).__name__}"
            raise TypeError(msg)
        return super().from_data({**_TOTALS_IF_MISSING, **data}, *local)

"""Status enums: each status is a member of a string enum with one table of messages (style guide, point 6).

Members are ``str`` (:class:`enum.StrEnum`), so JSON output, journals and comparisons with the plain strings
that reports read back see exactly the old values; code names a status by its member, never by its string
(``tests/whole_repo/test_architecture.py`` checks this).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Self, TypeVar

from theorycheck._validation import check_choice
from theorycheck.errors import InvalidArgument


class Status(enum.StrEnum):
    """Base of the status enums: ``message`` reads the enum's table (registered with :func:`messages`)."""

    @property
    def message(self) -> str:
        """The status in words."""
        return _TABLES[type(self)][self]

    @classmethod
    def _missing_(cls, value: object) -> Self:
        """``Kind(value)`` for a value that is no member's: the error names ``status`` and the closest value.

        So the enum itself is an attrs converter (``attrs.field(converter=Kind)``) with the boundary's errors.

        Raises:
            InvalidArgument: not one of the values; InvalidType: not a string.
        """
        check_choice("status", value, [member.value for member in cls])
        raise AssertionError  # pragma: no cover - check_choice raised: value is no member's


_S = TypeVar("_S", bound=Status)
_TABLES: dict[type[Status], Mapping[Status, str]] = {}


def messages(kind: type[_S], table: Mapping[_S, str]) -> Mapping[_S, str]:
    """Register ``table`` as the messages of ``kind``, read-only.

    Raises:
        InvalidArgument: the table misses a member or names something else.
    """
    if set(table) != set(kind):
        wrong = sorted(set(kind) ^ set(table))
        raise InvalidArgument("table", wrong, f"is not one message per member of {kind.__name__}", "one line each")
    frozen: Mapping[_S, str] = MappingProxyType(dict(table))
    _TABLES[kind] = frozen  # type: ignore[assignment]
    return frozen

"""Status enums: each member declared with its value and its message, in one line (style guide, point 6).

A status enum subclasses :class:`Status` and declares every member as ``NAME = "value", "message"``: the
enum is its own table of messages, so no member can lack one. Members are ``str`` (:class:`enum.StrEnum`), so
JSON output, journals and comparisons with the plain strings that reports read back see exactly the value;
code names a status by its member, never by its string (``tests/whole_repo/test_architecture.py`` checks
this).
"""

from __future__ import annotations

import enum
from typing import Self

from theorycheck._validation import check_choice
from theorycheck.errors import InvalidArgument


class Status(enum.StrEnum):
    """Base of the status enums: a member is ``NAME = "value", "message"``; ``message`` reads it back."""

    _value_: str
    _message: str

    def __new__(cls, value: str, message: str | None = None) -> Self:
        """A member with its value and message.

        Raises:
            InvalidArgument: a member declared without a message (``NAME = "value"``).
        """
        if not message:
            raise InvalidArgument(
                f"{cls.__name__}.{value}", value, "has no message", 'declare it as NAME = "value", "message"'
            )
        member = str.__new__(cls, value)
        member._value_ = value
        member._message = message  # noqa: SLF001 - the member being built
        return member

    @property
    def message(self) -> str:
        """The status in words."""
        return self._message

    @classmethod
    def _missing_(cls, value: object) -> Self:
        """``Kind(value)`` for a value that is no member's: the error names ``status`` and the closest value.

        So the enum itself is an attrs converter (``attrs.field(converter=Kind)``) with the boundary's errors.

        Raises:
            InvalidArgument: not one of the values; InvalidType: not a string.
        """
        check_choice("status", value, [member.value for member in cls])
        raise AssertionError  # pragma: no cover - check_choice raised: value is no member's

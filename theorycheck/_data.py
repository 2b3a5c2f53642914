"""One ``to_data``/``from_data`` pair for the frozen records that cross a process or a file (style guide, point 6).

A record is an attrs class that subclasses :class:`Data`. Its data form has one key per field, in the order
the fields are declared (a record whose JSON has a fixed key order declares its fields in that order), except
the fields made with :func:`local`: those travel with the record to a worker but are never written (a claim
file's text), and ``from_data`` takes them as arguments again.

``from_data`` reads each field by its declared type: a record (anything with ``from_data``) by its own
``from_data``, also as ``X | None`` and ``tuple[X, ...]``; a field declared ``int``, ``float``, ``bool`` or
``str`` through that type; anything else (``float | None``, a mapping, a JSON tree) as it is, for the field's
converter. An absent key leaves the field at its default; a key that is no field's is ignored. A record that
keeps older files readable, or writes more than its fields, overrides the method and calls this one.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, Self

import attrs

_LOCAL = "theorycheck.local"
_SCALARS = (int, float, bool, str)


def local(**field: Any) -> Any:
    """An attrs field that ``to_data`` leaves out (shipped to workers, never journaled); not in the repr."""
    return attrs.field(metadata={_LOCAL: True}, repr=False, **field)


def as_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """A converter for a tuple field given any iterable (a list read from JSON), so records compare equal."""
    return tuple(values)


def floats(values: Iterable[float]) -> tuple[float, ...]:
    """A converter: a tuple of floats."""
    return tuple(float(v) for v in values)


def ints(values: Iterable[int]) -> tuple[int, ...]:
    """A converter: a tuple of ints."""
    return tuple(int(v) for v in values)


def strs(values: Iterable[str]) -> tuple[str, ...]:
    """A converter: a tuple of plain strings (a status member becomes its value)."""
    return tuple(str(v) for v in values)


def plain(value: Any) -> Any:
    """``value`` as plain data: a record by its ``to_data``, a mapping as a dict, a tuple or list as a list."""
    if hasattr(value, "to_data"):
        return value.to_data()
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    return value


class Data:
    """Mixin of a frozen attrs record: :meth:`to_data` and :meth:`from_data` by its fields (module docstring)."""

    __slots__ = ()  # the records stay slotted

    def to_data(self) -> dict[str, Any]:
        """One key per field but the local ones, in declaration order, each value as plain data."""
        return {
            field.name: plain(getattr(self, field.name))
            for field in attrs.fields(type(self))  # type: ignore[arg-type]
            if not field.metadata.get(_LOCAL)
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *local: Any) -> Self:
        """The inverse of :meth:`to_data`; ``local``: the local fields' values, in declaration order."""
        fields = attrs.fields(attrs.resolve_types(cls))  # type: ignore[arg-type, type-var]
        kept = [field for field in fields if not field.metadata.get(_LOCAL)]
        given = dict(zip((field.name for field in fields if field.metadata.get(_LOCAL)), local, strict=False))
        read = {field.name: _read(field.type, data[field.name]) for field in kept if field.name in data}
        return cls(**read, **given)


def _read(kind: Any, value: Any) -> Any:
    """``value`` (plain data) as a ``kind``, as far as the type says how (module docstring)."""
    if kind in _SCALARS:
        return kind(value)
    if hasattr(kind, "from_data"):
        return kind.from_data(value)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is types.UnionType and len(args) == 2 and args[1] is type(None) and hasattr(args[0], "from_data"):
        return None if value is None else args[0].from_data(value)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and hasattr(args[0], "from_data"):
        return tuple(args[0].from_data(item) for item in value)
    return value

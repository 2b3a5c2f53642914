"""Bit-exact encoding of instances: a JSON tree plus a dict of named numpy arrays (stored in an ``.npz``).

Every value a claim's instance can hold is tagged so that :func:`decode` rebuilds an equal object:

* ``bool``, ``int``, ``str``, ``None``: as JSON;
* ``float``: ``{"$float": "0x1.999999999999ap-4", "value": 0.1}``: the hex form is authoritative (exact for
  nan and inf too), ``value`` is for humans;
* ``complex``: ``{"$complex": [hex_re, hex_im]}``;
* ``numpy.ndarray``: ``{"$array": "a3", "dtype": "complex128", "shape": [16, 45]}``, the data under that name in
  the ``.npz`` (or inline as hex strings with ``inline=True``, for ready-to-paste ``@example`` code);
* ``tuple``/``list``/``dict`` (string keys): recursively;
* :class:`Objective`, :class:`Target`, :class:`Instance`, :class:`Case`: by their fields.

Anything else raises :class:`~theorycheck.errors.InvalidType` naming the path of the value (a report is
still written, marked not replayable).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorycheck.claims import Case
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.errors import InvalidArgument, InvalidType
from theorycheck.models import Objective

_OBJECTIVE_FIELDS = ("widths", "field", "fit_coef", "balancing", "decay", "decay_coef", "data_columns")
_INSTANCE_FIELDS = ("objective", "target", "init", "step", "max_steps", "data", "tol", "params")


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return {"$float": float(value).hex(), "value": float(value) if np.isfinite(value) else str(value)}
    return {"$complex": [float(value.real).hex(), float(value.imag).hex()]}


class _Encoder:
    def __init__(self, *, inline: bool) -> None:
        self.inline = inline
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, arr: np.ndarray, path: str) -> dict[str, Any]:
        if arr.dtype.kind not in "biufc":
            raise InvalidType(path, arr.dtype, "is an array of a non-numeric dtype", "store numeric arrays only")
        head: dict[str, Any] = {"dtype": arr.dtype.str, "shape": list(arr.shape)}
        if self.inline:
            flat = arr.ravel()
            if arr.dtype.kind == "c":
                head["hex"] = [[float(z.real).hex(), float(z.imag).hex()] for z in flat]
            elif arr.dtype.kind == "f":
                head["hex"] = [float(x).hex() for x in flat]
            else:
                head["hex"] = [int(x) for x in flat]
            return {"$array": None, **head}
        name = f"a{len(self.arrays)}"
        self.arrays[name] = np.array(arr)
        return {"$array": name, **head}

    def encode(self, value: Any, path: str) -> Any:
        if value is None or isinstance(value, (bool, str, int, float, complex, np.number)):
            return _scalar(value)
        if isinstance(value, np.ndarray):
            return self.array(value, path)
        return self.record(value, path)

    def record(self, value: Any, path: str) -> Any:
        if isinstance(value, Objective):
            return {"$objective": {f: self.encode(getattr(value, f), f"{path}.{f}") for f in _OBJECTIVE_FIELDS}}
        if isinstance(value, Target):
            fields = ("matrix", "u", "sigma", "v")
            return {"$target": {f: self.encode(getattr(value, f), f"{path}.{f}") for f in fields}}
        if isinstance(value, Instance):
            return {"$instance": {f: self.encode(getattr(value, f), f"{path}.{f}") for f in _INSTANCE_FIELDS}}
        if isinstance(value, Case):
            return {"$case": self.encode(dict(value.values), f"{path}.values")}
        if isinstance(value, (tuple, list)):
            items = [self.encode(v, f"{path}[{k}]") for k, v in enumerate(value)]
            return {"$tuple": items} if isinstance(value, tuple) else items
        if isinstance(value, Mapping):
            out = {}
            for k, v in value.items():
                if not isinstance(k, str) or k.startswith("$"):
                    raise InvalidType(path, k, "has a key that is not a plain string", "use string keys")
                out[k] = self.encode(v, f"{path}[{k!r}]")
            return out
        raise InvalidType(
            path,
            type(value).__name__,
            "cannot be stored bit-exactly",
            "build instances from Instance, Case, numbers, strings and numpy arrays",
        )


def encode(value: Any, *, inline: bool = False) -> tuple[Any, dict[str, np.ndarray]]:
    """Return ``(tree, arrays)``: a JSON-serialisable tree and the arrays it refers to by name."""
    enc = _Encoder(inline=inline)
    tree = enc.encode(value, "instance")
    return tree, enc.arrays


def _decode_array(node: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> np.ndarray:
    dtype = np.dtype(node["dtype"])
    shape = tuple(node["shape"])
    if node["$array"] is None:
        raw = node["hex"]
        if dtype.kind == "c":
            vals: list[Any] = [complex(float.fromhex(re), float.fromhex(im)) for re, im in raw]
        elif dtype.kind == "f":
            vals = [float.fromhex(x) for x in raw]
        else:
            vals = list(raw)
        return np.array(vals, dtype=dtype).reshape(shape)
    name = node["$array"]
    if name not in arrays:
        raise InvalidArgument("arrays", sorted(arrays), f"has no array {name!r}", "keep the .npz beside the JSON")
    arr = np.asarray(arrays[name])
    if arr.dtype != dtype or arr.shape != shape:
        raise InvalidArgument(
            name, f"{arr.dtype}{arr.shape}", f"does not match the record's {dtype}{shape}", "regenerate the report"
        )
    return arr


def decode(tree: Any, arrays: Mapping[str, np.ndarray] | None = None) -> Any:
    """Inverse of :func:`encode`: ``decode(*encode(x))`` equals ``x`` bit for bit."""
    arrays = arrays or {}
    if isinstance(tree, list):
        return [decode(v, arrays) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "$float" in tree:
        return float.fromhex(tree["$float"])
    if "$complex" in tree:
        re, im = tree["$complex"]
        return complex(float.fromhex(re), float.fromhex(im))
    return _decode_record(tree, arrays)


def _decode_record(tree: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:  # noqa: PLR0911 - one per tag
    if "$array" in tree:
        return _decode_array(tree, arrays)
    if "$tuple" in tree:
        return tuple(decode(v, arrays) for v in tree["$tuple"])
    if "$objective" in tree:
        f = {k: decode(v, arrays) for k, v in tree["$objective"].items()}
        f["widths"] = tuple(f["widths"])
        f["decay"] = tuple(f["decay"])
        return Objective(**f)
    if "$target" in tree:
        return Target(**{k: decode(v, arrays) for k, v in tree["$target"].items()})
    if "$instance" in tree:
        return Instance(**{k: decode(v, arrays) for k, v in tree["$instance"].items()})
    if "$case" in tree:
        return Case(decode(tree["$case"], arrays))
    return {k: decode(v, arrays) for k, v in tree.items()}


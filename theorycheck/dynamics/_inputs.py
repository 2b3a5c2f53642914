"""Boundary checks and normalisation of run inputs to stacked, finite, C-contiguous arrays; the flow solvers' checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from theorycheck._validation import check_array, check_real, check_shape
from theorycheck.dynamics.observables import Recording
from theorycheck.errors import InvalidArgument, InvalidType
from theorycheck.models import Objective


def _batch(arr: np.ndarray, core_ndim: int) -> np.ndarray:
    return arr[None] if arr.ndim == core_ndim else arr


def _init_flat(objective: Objective, init: Any) -> np.ndarray:
    cplx = objective.is_complex
    if isinstance(init, (list, tuple)):
        if len(init) != objective.depth:
            raise InvalidArgument(
                "init",
                f"<{len(init)} layers>",
                f"has {len(init)} layers but the model has depth {objective.depth}",
                "pass one array per layer W_1..W_N, or a flat (B, n_params) array",
            )
        layers = [check_array(f"init[{j}]", w, complex_ok=cplx, ndim=(2, 3)) for j, w in enumerate(init)]
        lead = {w.shape[:-2] for w in layers}
        if len(lead) != 1:
            raise InvalidArgument(
                "init",
                f"<layers with batch shapes {sorted(lead)}>",
                "layers disagree on the batch size",
                "stack every layer with the same B",
            )
        for j, (w, shape) in enumerate(zip(layers, objective.layer_shapes, strict=True)):
            check_shape(f"init[{j}]", w, (*w.shape[:-2], *shape), f"W_{j + 1} is (d_{j + 1}, d_{j}) = {shape}")
        return objective.join([_batch(w, 2) for w in layers])
    flat = check_array("init", init, complex_ok=cplx, ndim=(1, 2))
    flat = _batch(flat, 1)
    check_shape("init", flat, (flat.shape[0], objective.n_params), "(B, n_params) flat weights")
    return flat


def prepare(
    objective: Objective, target: Any, init: Any, data: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate and broadcast to ``target (B, d_N, m)``, ``init (B, P)``, ``data (B, d_0, m) | None``.

    Raises:
        InvalidType: objective of the wrong type, complex values for a real model.
        InvalidArgument: NaN/inf, wrong shapes, batch sizes that disagree, missing or unexpected data.
    """
    if not isinstance(objective, Objective):
        raise InvalidType(
            "objective", objective, "is not an Objective", "build one with deep_mf(...) or asymmetric_mf(...)"
        )
    cplx = objective.is_complex
    y = _batch(check_array("target", target, complex_ok=cplx, ndim=(2, 3)), 2)
    check_shape("target", y, (y.shape[0], *objective.target_shape), "(B, d_N, m) with m = d_0 without data")
    w0 = _init_flat(objective, init)
    x: np.ndarray | None = None
    if objective.uses_data:
        if data is None:
            raise InvalidArgument(
                "data",
                None,
                "is missing but the model was built with data_columns",
                f"pass X of shape {objective.data_shape}",
            )
        x = _batch(check_array("data", data, complex_ok=cplx, ndim=(2, 3)), 2)
        check_shape("data", x, (x.shape[0], *objective.data_shape), "(B, d_0, m)")  # type: ignore[misc]
    elif data is not None:
        raise InvalidArgument(
            "data",
            np.asarray(data),
            "was given but the model has no data term",
            "build the model with deep_mf(..., data_columns=m)",
        )
    sizes = {a.shape[0] for a in (y, w0, x) if a is not None}
    sizes.discard(1)
    if len(sizes) > 1:
        raise InvalidArgument(
            "init",
            w0,
            f"batch sizes disagree: {sorted(sizes)} (target {y.shape[0]}, init {w0.shape[0]})",
            "give every per-trajectory array the same leading size B, or size 1 to share it",
        )
    n = sizes.pop() if sizes else 1
    y = np.ascontiguousarray(np.broadcast_to(y, (n, *y.shape[1:])))
    w0 = np.ascontiguousarray(np.broadcast_to(w0, (n, w0.shape[1])))
    if x is not None:
        x = np.ascontiguousarray(np.broadcast_to(x, (n, *x.shape[1:])))
    return y, w0, x


def per_trajectory(argument: str, value: Any, n: int, *, positive: bool) -> np.ndarray:
    """A scalar or ``(B,)`` array of finite floats (``> 0`` if ``positive``) broadcast to ``(B,)``."""
    if isinstance(value, (bool, str, bytes)) or not isinstance(
        value, (int, float, np.integer, np.floating, np.ndarray, Sequence)
    ):
        raise InvalidType(argument, value, "must be a float or a (B,) array of floats", "pass e.g. 1e-3")
    arr = check_array(argument, value, complex_ok=False, ndim=(0, 1))
    if arr.ndim == 1 and arr.shape[0] not in (1, n):
        raise InvalidArgument(
            argument, arr, f"has {arr.shape[0]} entries for a batch of {n}", f"pass a scalar or {n} values"
        )
    arr = np.ascontiguousarray(np.broadcast_to(arr, (n,)), dtype=np.float64)
    if positive and np.any(arr <= 0):
        raise InvalidArgument(argument, value, "must be > 0", f"pass a positive {argument}")
    return arr


class FlowInputs(NamedTuple):
    """A gradient-flow run's checked inputs (:func:`prepare_flow`)."""

    target: np.ndarray
    init: np.ndarray
    data: np.ndarray | None
    t_max: float
    tol: float
    times: np.ndarray
    names: tuple[str, ...]


def prepare_flow(
    objective: Objective,
    target: Any,
    init: Any,
    data: Any,
    *,
    t_max: float,
    tol: float,
    record_times: Any,
    observables: tuple[str, ...],
) -> FlowInputs:
    """:func:`prepare`, and the checks every gradient-flow solver makes of its horizon and what it records.

    ``t_max > 0``; ``tol >= 0``; ``record_times`` (default ``[0, t_max]``) finite and within ``[0, t_max]``,
    returned sorted without repeats; ``observables`` known groups.

    Raises:
        InvalidArgument, InvalidType: as :func:`prepare`; a bad horizon, tolerance, record time or observable.
    """
    y, w0, x = prepare(objective, target, init, data)
    t_max = check_real("t_max", t_max, positive=True)
    tol = check_real("tol", tol, nonnegative=True)
    names = Recording(observables=observables).observables
    times = np.array([0.0, t_max] if record_times is None else record_times, dtype=np.float64)
    if times.ndim != 1 or np.any(~np.isfinite(times)) or np.any(times < 0) or np.any(times > t_max):
        raise InvalidArgument(
            "record_times", times, f"must be finite times in [0, t_max={t_max}]", "pass a 1-D array within the horizon"
        )
    return FlowInputs(y, w0, x, t_max, tol, np.unique(times), names)

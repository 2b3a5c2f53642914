"""Small random instances for the library's own tests (seeded numpy; strategies are issue 3's job)."""

from __future__ import annotations

import numpy as np

import theorycheck as tc

#: (id, objective factory) for every model the engine supports, real and complex. Ids are explicit
#: strings so that collection is identical on every xdist worker.
MODELS: list[tuple[str, object]] = [
    ("asymmetric_mf", lambda: tc.asymmetric_mf(4, 3, 2)),
    ("deep_mf_depth1", lambda: tc.deep_mf((3, 2))),
    ("deep_mf_widths", lambda: tc.deep_mf((3, 4, 2, 3))),
    ("deep_linear_with_data", lambda: tc.deep_mf((3, 2, 4), data_columns=5)),
    ("deep_mf_balancing", lambda: tc.deep_mf((3, 3, 3, 3, 3)) + tc.Balancing(2.0)),
    ("deep_mf_balancing_widths", lambda: tc.deep_mf((2, 4, 3, 2)) + tc.Balancing(0.7)),
    ("deep_mf_weight_decay_half", lambda: tc.deep_mf((3, 4, 2)) + tc.WeightDecay((0.3, 0.1), coef=0.5)),
    ("chen_convention", lambda: tc.deep_mf((3, 3, 3, 3), fit_coef=1.0) + tc.WeightDecay((0.5, 1.5, 0.2), coef=1.0)),
    ("complex_deep_mf", lambda: tc.deep_mf((2, 3, 2), field="complex")),
    ("complex_balancing", lambda: tc.deep_mf((3, 3, 3, 3, 3), field="complex") + tc.Balancing(2.0)),
    (
        "complex_with_data_and_decay",
        lambda: tc.deep_mf((2, 3, 2), field="complex", data_columns=3) + tc.WeightDecay((0.2, 0.4)),
    ),
]


def draw(rng: np.random.Generator, shape: tuple[int, ...], *, complex_: bool, scale: float = 1.0) -> np.ndarray:
    """Gaussian entries, complex N_C(0, 1) when asked."""
    if complex_:
        return scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2.0)
    return scale * rng.standard_normal(shape)


def instance(
    objective: tc.Objective, rng: np.random.Generator, batch: int | None = None, scale: float = 0.7
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(target, params, data)`` with a leading batch axis when ``batch`` is given."""
    lead = () if batch is None else (batch,)
    c = objective.is_complex
    y = draw(rng, (*lead, *objective.target_shape), complex_=c)
    w = draw(rng, (*lead, objective.n_params), complex_=c, scale=scale)
    x = None
    if objective.data_shape is not None:
        x = draw(rng, (*lead, *objective.data_shape), complex_=c)
    return y, w, x

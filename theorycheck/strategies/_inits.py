"""Initial weights for every model: random, balanced, spectral and structured adversarial starts.

Each strategy yields an :class:`Initialization`: the flat weights, its kind, and the low-entropy
parameters it was drawn from (they end up in :attr:`Instance.params` and in reports).

Each docstring says which of its promises GD keeps. *Persistent* properties hold at every GD iterate in
exact arithmetic, each with a two-line proof (zero for depth >= 2, spectral alignment, the target-orthogonal
trap, an exact critical point). float64 keeps them to rounding, and exactly where they are zeros in the
standard basis (W = 0, the trap on a diagonal target); near a saddle the rounding error grows until GD
leaves. *Initial* properties (semi-orthogonal layers, exact balance, a determinant sign, a rank deficiency,
the size of an imbalance or of a perturbation) hold at step 0 only: GD does not preserve them.
tests/cover/test_init_traps.py checks both on every model each kind accepts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

from theorycheck._validation import check_choice, check_int, readonly
from theorycheck.dynamics.instance import Target
from theorycheck.errors import InvalidArgument, InvalidType
from theorycheck.models import Objective
from theorycheck.models import critical_points as cp
from theorycheck.strategies._common import (
    check_range,
    complete_basis,
    finite_floats,
    gaussian,
    log_uniform,
    rotations,
    seeds,
)

ADVERSARIAL_KINDS = frozenset({"zero", "rank_deficient", "target_orthogonal", "near_critical"})
INIT_KINDS = (
    "gaussian",
    "orthogonal",
    "balanced",
    "nearly_balanced",
    "spectral",
    "zero",
    "rank_deficient",
    "target_orthogonal",
    "near_critical",
)


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Initialization:
    """Flat initial weights ``(n_params,)`` with their provenance."""

    weights: np.ndarray = attrs.field(converter=readonly, eq=attrs.cmp_using(eq=np.array_equal))
    kind: str
    drawn: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map, eq=False)


def _check_objective(objective: object) -> Objective:
    if not isinstance(objective, Objective):
        raise InvalidType("objective", objective, "is not an Objective", "build one with deep_mf(...)")
    return objective


def _gaussian_layers(objective: Objective, seed: int, scale: float) -> list[np.ndarray]:
    """``scale`` times standard (complex) Gaussian layers, layer j from seed + j."""
    return [scale * gaussian(seed + j, s, complex_=objective.is_complex) for j, s in enumerate(objective.layer_shapes)]


def _square_layers(objective: Objective) -> bool:
    return len(set(objective.widths)) == 1


def _fix_det_sign(layers: list[np.ndarray], det_sign: int | None) -> list[np.ndarray]:
    """Flip the first column of W_1 when the product's determinant has the wrong sign (real, square).

    The sign is the product of the layers' signs (det W_N..W_1 = det W_N .. det W_1): each layer's is reliable in
    float64, where the product's own determinant is not once it is near singular (a draw with layer singular values
    down to 5e-6 gave a product determinant of exactly 0.0).
    """
    if det_sign is None:
        return layers
    if np.prod([np.linalg.slogdet(w)[0] for w in layers]) != det_sign:
        layers[0] = layers[0].copy()
        layers[0][:, 0] = -layers[0][:, 0]
    return layers


def _check_det_sign(objective: Objective, det_sign: int | None) -> None:
    if det_sign is None:
        return
    if det_sign not in (1, -1):
        raise InvalidArgument("det_sign", det_sign, "must be 1, -1 or None", "pass det_sign=1 or det_sign=-1")
    if objective.is_complex or not _square_layers(objective):
        raise InvalidArgument(
            "det_sign", det_sign, "needs a real model with square layers", "drop det_sign or use equal widths"
        )


@st.composite
def _gaussian(draw: Any, objective: Objective, lo: float, hi: float, det_sign: int | None) -> Initialization:
    scale = draw(log_uniform(lo, hi))
    seed = draw(seeds())
    layers = _gaussian_layers(objective, seed, scale)
    layers = _fix_det_sign(layers, det_sign)
    return Initialization(objective.join(layers), "gaussian", {"scale": scale, "init_seed": seed})


def gaussian_initializations(
    objective: Objective, *, min_scale: float = 1e-4, max_scale: float = 10.0, det_sign: int | None = None
) -> st.SearchStrategy[Initialization]:
    """Entries iid ``scale * N(0, 1)`` (complex: N_C(0, 1)), scale log-uniform in [min_scale, max_scale].

    ``det_sign`` (real square layers) fixes the sign of ``det(W_N .. W_1)`` (Luo et al. 2025, Theorem 6). The
    sign is an initial property: GD does not preserve it (an unbalanced start can pass through a singular
    layer, e.g. ``w_1 = -0.1, w_2 = 1`` fitting y = 1).
    """
    objective = _check_objective(objective)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    _check_det_sign(objective, det_sign)
    return _gaussian(objective, lo, hi, det_sign)


@st.composite
def _orthogonal(draw: Any, objective: Objective, lo: float, hi: float) -> Initialization:
    scale = draw(log_uniform(lo, hi))
    layers = []
    for rows, cols in objective.layer_shapes:
        q = draw(rotations(max(rows, cols), complex_=objective.is_complex))
        layers.append(scale * q[:rows, :cols])
    return Initialization(objective.join(layers), "orthogonal", {"scale": scale})


def orthogonal_initializations(
    objective: Objective, *, min_scale: float = 1e-3, max_scale: float = 3.0
) -> st.SearchStrategy[Initialization]:
    """Each layer ``scale`` times a semi-orthogonal matrix (the leading block of a drawn rotation).

    ``W_j W_j^H = scale^2 I`` (wide or square layers) or ``W_j^H W_j = scale^2 I`` (tall ones): an initial
    property, GD does not preserve it.
    """
    objective = _check_objective(objective)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    return _orthogonal(objective, lo, hi)


def _balanced_layers(
    draw: Any, objective: Objective, scale: float, det_sign: int | None
) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Balanced layers ``W_j = scale * Q_j D Q_{j-1}^H`` with one shared diagonal D (Luo et al. 2025, Section 4.1).

    Balanced exactly in exact arithmetic: ``W_{j+1}^H W_{j+1} = scale^2 Q_j D^H D Q_j^H = W_j W_j^H``.
    """
    w = objective.widths
    r = min(w)
    complex_ = objective.is_complex
    seed = draw(seeds())
    sig = np.linalg.svd(gaussian(seed, (r, r), complex_=complex_), compute_uv=False)
    qs = [draw(rotations(d, complex_=complex_)) for d in w]
    layers = []
    for j in range(1, len(w)):
        d = np.zeros((w[j], w[j - 1]))
        d[np.arange(r), np.arange(r)] = sig
        layers.append(scale * (qs[j] @ d @ qs[j - 1].conj().T))
    # flipping a column of Q_0 changes only W_1's right factor: the balance equations do not involve it
    layers = _fix_det_sign(layers, det_sign)
    return layers, {"scale": scale, "init_seed": seed}


@st.composite
def _balanced(draw: Any, objective: Objective, lo: float, hi: float, det_sign: int | None) -> Initialization:
    layers, drawn = _balanced_layers(draw, objective, draw(log_uniform(lo, hi)), det_sign)
    return Initialization(objective.join(layers), "balanced", drawn)


def balanced_initializations(
    objective: Objective, *, min_scale: float = 1e-3, max_scale: float = 1.0, det_sign: int | None = None
) -> st.SearchStrategy[Initialization]:
    """Exactly balanced starts ``W_{j+1}^H W_{j+1} = W_j W_j^H`` (to rounding), Gaussian singular values.

    Luo, Xu, Gao, Fazel, Du 2025, balanced Gaussian initialisation (Section 4.1; the formula is reconstructed):
    ``W_j = eps Q_j Sigma_G Q_{j-1}^H``. With real square layers the product's determinant sign is
    ``det Q_N det Q_0``, drawn (both signs occur) unless ``det_sign`` fixes it.

    Exact balance is an initial property: GD does not preserve it. Gradient flow conserves every
    ``D_j = W_{j+1}^H W_{j+1} - W_j W_j^H`` of the fit term, but a GD step moves it at second order (two
    layers, no regulariser: ``D' = D + eta^2 (G_2^H G_2 - G_1 G_1^H)``, the first-order terms cancel). The
    determinant sign is an initial property too (for ``Sigma = sigma_1 I`` and small steps Luo et al.'s
    Theorem 2 says it persists: a claim under test, not a promise of this strategy).
    """
    objective = _check_objective(objective)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    _check_det_sign(objective, det_sign)
    return _balanced(objective, lo, hi, det_sign)


@st.composite
def _nearly_balanced(draw: Any, objective: Objective, lo: float, hi: float, dlo: float, dhi: float) -> Initialization:
    scale = draw(log_uniform(lo, hi))
    layers, drawn = _balanced_layers(draw, objective, scale, None)
    delta = draw(log_uniform(dlo, dhi))
    seed = draw(seeds())
    noise = gaussian(seed, (objective.n_params,), complex_=objective.is_complex)
    weights = objective.join(layers) + delta * scale * noise
    return Initialization(weights, "nearly_balanced", {**drawn, "imbalance": delta, "noise_seed": seed})


def nearly_balanced_initializations(
    objective: Objective,
    *,
    min_scale: float = 1e-3,
    max_scale: float = 1.0,
    min_imbalance: float = 1e-8,
    max_imbalance: float = 1e-1,
) -> st.SearchStrategy[Initialization]:
    """A balanced start plus a relative Gaussian perturbation of drawn size delta (log-uniform).

    The imbalances ``D_j`` are then of size about ``delta scale^2``: an initial property, GD does not preserve
    it (gradient flow would conserve them).
    """
    objective = _check_objective(objective)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    dlo, dhi = check_range("imbalance", min_imbalance, max_imbalance, positive=True)
    return _nearly_balanced(objective, lo, hi, dlo, dhi)


@st.composite
def _spectral(draw: Any, objective: Objective, target: Target, lo: float, hi: float) -> Initialization:
    scale = draw(log_uniform(lo, hi))
    w = objective.widths
    r = min(target.rank, *w)
    qs = [complete_basis(np.asarray(target.v))]
    qs += [draw(rotations(d, complex_=objective.is_complex)) for d in w[1:-1]]
    qs.append(complete_basis(np.asarray(target.u)))
    layers = []
    for j in range(1, len(w)):
        d = np.zeros((w[j], w[j - 1]))
        d[np.arange(r), np.arange(r)] = 1.0
        layers.append(scale * (qs[j] @ d @ qs[j - 1].conj().T))
    return Initialization(objective.join(layers), "spectral", {"scale": scale})


def spectral_initializations(
    objective: Objective, target: Target, *, min_scale: float = 1e-3, max_scale: float = 1.0
) -> st.SearchStrategy[Initialization]:
    """Starts aligned with the target's singular vectors, for every GD step.

    ``W_j = s Q_j D Q_{j-1}^H`` with ``Q_0 = V``, ``Q_N = U`` (completed to square bases), drawn hidden
    rotations and D the identity on the first ``r = min(rank, widths)`` slots, so ``W_N..W_1 = s^N U_r V_r^H``.

    Persistent: if every ``W_j = Q_j D_j Q_{j-1}^H`` with (rectangular) diagonal D_j, then
    ``W - Y = U (D_N..D_1 - Sigma) V^H`` and each gradient term (``(W_N..W_{j+1})^H (W - Y)
    (W_{j-1}..W_1)^H``, balancing ``Delta_j W_j``, ``W_j Delta_{j-1}``, weight decay ``W_j``) has the same
    form, so by induction every GD iterate does: the product stays ``U diag V^H`` (each slot runs its own
    scalar GD) and slots beyond r stay empty. Real or complex, with or without regularisers; not for models
    with data X (the residual ``W X - Y`` breaks the form).

    Raises:
        InvalidArgument: a model with data, a target of the wrong shape.
    """
    objective = _check_objective(objective)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    _check_target(objective, target)
    _check_no_data(objective, "spectral")
    return _spectral(objective, target, lo, hi)


def zero_initializations(objective: Objective) -> st.SearchStrategy[Initialization]:
    """W = 0. For depth N >= 2 a critical point of every objective here, so GD stays exactly at 0 for ever.

    Persistent: each gradient term of W_j has a factor of another layer (fit, balancing) or of W_j itself
    (weight decay), so at W = 0 the gradient is exactly 0 and so is every iterate. What kind of point it is
    (Y X^H != 0): for N = 2 a strict saddle unless weight decay is large (it is one iff
    ``sigma_1(Y X^H) > decay_coef sqrt(lambda_1 lambda_2) / fit_coef``); for N >= 3 the fit term's Hessian
    vanishes there, so it is a degenerate saddle without weight decay and a local minimum with weight decay
    on every layer. For depth 1 W = 0 is not critical (the gradient is ``-2 fit_coef Y X^H``): an ordinary
    start that GD leaves at once.
    """
    objective = _check_objective(objective)
    return st.just(Initialization(np.zeros(objective.n_params, dtype=objective.dtype), "zero", {}))


@st.composite
def _rank_deficient(
    draw: Any, objective: Objective, rank: int | None, full: int, lo: float, hi: float
) -> Initialization:
    k = rank if rank is not None else draw(st.integers(0, full - 1))
    scale = draw(log_uniform(lo, hi))
    seed = draw(seeds())
    c = objective.is_complex
    layers = _gaussian_layers(objective, seed, scale)
    d1, d0 = objective.layer_shapes[0]
    layers[0] = scale * gaussian(seed + 101, (d1, k), complex_=c) @ gaussian(seed + 102, (k, d0), complex_=c)
    return Initialization(objective.join(layers), "rank_deficient", {"scale": scale, "rank": k, "init_seed": seed})


def rank_deficient_initializations(
    objective: Objective, *, rank: int | None = None, min_scale: float = 1e-3, max_scale: float = 3.0
) -> st.SearchStrategy[Initialization]:
    """Gaussian layers except W_1, of rank k < min(d_1, d_0) (drawn, or ``rank``): the product is rank <= k.

    Both ranks are initial properties: GD does not preserve them (W_1's gradient ``A^H (W X - Y) X^H`` has
    full rank in general, so the first step restores full rank).
    """
    objective = _check_objective(objective)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    full = min(objective.layer_shapes[0])
    if rank is not None and check_int("rank", rank, min_value=0) >= full:
        raise InvalidArgument("rank", rank, f"is not below min(d_1, d_0)={full}", f"pass rank < {full}")
    if full < 1:  # pragma: no cover - widths are >= 1 by construction
        raise InvalidArgument("objective", objective.describe(), "has no room for a rank deficiency", "widen W_1")
    return _rank_deficient(objective, rank, full, lo, hi)


@st.composite
def _target_orthogonal(draw: Any, objective: Objective, target: Target, lo: float, hi: float) -> Initialization:
    scale = draw(log_uniform(lo, hi))
    seed = draw(seeds())
    k = draw(st.integers(0, target.rank - 1))
    layers = _gaussian_layers(objective, seed, scale)
    vk = np.asarray(target.v)[:, k]
    uk = np.asarray(target.u)[:, k]
    # rank-one projections (not a rotation into the singular basis and back): with identity factors they
    # produce an exactly zero column of W_1 and row of W_N, which GD in float64 then keeps exactly
    layers[0] = layers[0] - np.outer(layers[0] @ vk, vk.conj())
    layers[-1] = layers[-1] - np.outer(uk, uk.conj() @ layers[-1])
    return Initialization(
        objective.join(layers), "target_orthogonal", {"scale": scale, "direction": k, "init_seed": seed}
    )


def target_orthogonal_initializations(
    objective: Objective, target: Target, *, min_scale: float = 1e-3, max_scale: float = 3.0
) -> st.SearchStrategy[Initialization]:
    """Gaussian start trapped along one singular pair ``(u_k, sigma_k, v_k)`` of the target (k drawn, shrinks to 0).

    The first layer annihilates v_k and the last layer u_k: ``W_1 v_k = 0`` and ``u_k^H W_N = 0`` (for
    asymmetric MF, W_1 = V^T and W_2 = U: ``V^T v_k = 0`` and ``U^T u_k = 0``), so every path through the
    product misses the direction. A trap GD never leaves (persistent). Proof, by induction on the step: then
    ``(W - Y) v_k = -sigma_k u_k`` and ``u_k^H (W - Y) = -sigma_k v_k^H``, so the fit gradient (c = fit_coef) gives
    ``G_1 v_k = -2c sigma_k (W_N..W_2)^H u_k = 0`` and ``u_k^H G_N = -2c sigma_k (W_{N-1}..W_1 v_k)^H = 0``; the
    balancing terms (``Delta_1 W_1``, ``W_N Delta_{N-1}``) and weight decay (``W_j``) keep both zeros too.

    Hence the product never gets a component along ``u_k v_k^H`` and the objective stays
    ``>= fit_coef * sigma_k^2`` (plus the squares of the other singular values the hidden width leaves out;
    with ``fit_coef = 1/2``: the saddle value ``sigma_k^2 / 2``). In Ye & Du 2021's block notation A_0 gets a
    zero row, ``sigma_min(A_0) = 0``: the measure-zero event behind saddle-trapped GD. (Zeroing W_1 alone is
    no trap: the first step's ``G_1 v_k = -2c sigma_k (W_N..W_2)^H u_k`` restores the direction.)

    In float64 the zeros are exact when the target's factors are identity columns (``kind="diagonal"``); for
    rotated targets they are rounding errors, which the saddle amplifies by up to ``1 + eta sigma_k`` per step
    (two layers), so a float64 run leaves the trap after about ``37 / (eta sigma_k)`` steps; run in high
    precision or on diagonal targets to stay trapped longer.

    Raises:
        InvalidArgument: depth 1 (GD on the convex ``||W - Y||^2`` has no trap), a model with data X (the
            residual ``W X - Y`` does not keep the zeros), a zero target, a target of the wrong shape.
    """
    objective = _check_objective(objective)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    _check_target(objective, target)
    _check_no_data(objective, "target_orthogonal")
    _check_layered(
        objective,
        "GD on the convex ||W - Y||^2 leaves every start, so no start is trapped",
        "use depth >= 2 (two layers or more)",
    )
    if target.rank < 1:
        raise InvalidArgument("target", target.matrix, "is zero: there is no singular pair to trap", "use rank >= 1")
    return _target_orthogonal(objective, target, lo, hi)


@st.composite
def _near_critical(draw: Any, objective: Objective, target: Target, plo: float, phi: float) -> Initialization:
    lam = math.prod(objective.decay)
    depth = objective.depth
    slots = min(objective.widths)
    ys = list(target.sigma) + [0.0] * (min(objective.widths[0], objective.widths[-1]) - len(target.sigma))
    k = draw(st.integers(0, slots))
    pi = tuple(draw(st.permutations(range(len(ys))))[:k])
    sig, used, roots = [], [], []
    for p in pi:
        rts = cp.positive_roots(float(ys[p]), lam, depth)
        if rts:
            which = draw(st.integers(0, len(rts) - 1))
            sig.append(rts[which])
            used.append(p)
            roots.append("+" if which == len(rts) - 1 else "-")
    complex_ = objective.is_complex
    hidden = tuple(draw(rotations(d, complex_=complex_)) for d in objective.widths[1:-1])
    # the target's own (unitary, when complex) bases: taking real parts of complex ones broke criticality
    u_full = complete_basis(np.asarray(target.u, dtype=objective.dtype))
    v_full = complete_basis(np.asarray(target.v, dtype=objective.dtype))
    point = cp.build_critical_point(objective, u_full, v_full, sig, tuple(used), hidden)
    delta = draw(finite_floats(plo, phi)) if phi > 0 else 0.0
    seed = draw(seeds())
    noise = gaussian(seed, point.shape, complex_=complex_)
    weights = np.asarray(point + delta * max(1.0, float(np.max(np.abs(point)))) * noise, dtype=objective.dtype)
    drawn = {
        "active": tuple(used),
        "sigma": tuple(sig),
        "roots": "".join(roots),
        "perturbation": delta,
        "noise_seed": seed,
    }
    return Initialization(weights, "near_critical", drawn)


def near_critical_initializations(
    objective: Objective, target: Target, *, min_perturbation: float = 0.0, max_perturbation: float = 1e-3
) -> st.SearchStrategy[Initialization]:
    """Starts at or near a closed-form critical point of regularised deep MF.

    Chen, Jiang, Wang 2025 (the closed forms of ``theorycheck.models.critical_points``); a relative perturbation
    ``delta max(1, max|W*|) N(0, 1)`` with delta in [min, max] is added (0 included: the critical point W*
    itself). The active set, the map pi into Y's singular values and the root (smaller or larger) per
    component are drawn; components whose y has no positive root are left inactive. Complex models get the
    same points with the target's unitary factors (``W_1 -> W_1 V^H``, ``W_N -> U W_N`` maps the critical
    points for ``diag(sigma)`` onto those for ``Y = U diag(sigma) V^H``: F is unitarily invariant).

    At delta = 0 the start is a fixed point of GD (persistent: the gradient vanishes, so every iterate is
    W*). In float64 the gradient there is a rounding error, so GD drifts by rounding per step; at a saddle
    (``critical_points.classify``) the drift grows by up to ``1 + eta |lambda_min(Hessian)|`` per step until GD leaves.
    For delta > 0 nearness is an initial property: GD does not preserve it (it leaves saddles and may move
    toward another point).

    Raises:
        InvalidArgument: a model without weight decay on every layer or with ``fit_coef != decay_coef``,
            depth 1, data X, a balancing term with unequal lambdas (the points are balanced only in the
            scaled layers ``sqrt(lambda_l) W_l``), a target of the wrong shape.
    """
    objective = _check_objective(objective)
    plo, phi = check_range("perturbation", min_perturbation, max_perturbation)
    _check_target(objective, target)
    cp.build_critical_point(objective, np.eye(objective.widths[-1]), np.eye(objective.widths[0]), [], ())  # validates
    _check_no_data(objective, "near_critical")
    _check_layered(objective, "its only critical point is the minimum Y / (1 + lambda)", "use depth >= 2")
    if objective.balancing and len(set(objective.decay)) > 1:
        raise InvalidArgument(
            "objective",
            objective.describe(),
            "has a balancing term and unequal lambdas: the closed-form points are not critical for it",
            "use equal lambdas or drop Balancing",
        )
    return _near_critical(objective, target, plo, phi)


def _check_no_data(objective: Objective, kind: str) -> None:
    if objective.uses_data:
        raise InvalidArgument(
            "objective",
            objective.describe(),
            f"uses data X: the {kind} start is built for the residual W - Y (X = I)",
            "drop data_columns or use another kind",
        )


def _usable(kind: str, objective: Objective, target: Target | None) -> bool:
    """Whether ``kind`` can be drawn for this model (and target) in :func:`initializations`."""
    if kind in ("spectral", "target_orthogonal", "near_critical") and (target is None or objective.uses_data):
        return False
    trap_impossible = objective.depth < 2 or (target is not None and target.rank < 1)
    return not (kind == "target_orthogonal" and trap_impossible)


def _check_layered(objective: Objective, why: str, fix: str) -> None:
    """Refuse a one-layer model, saying why the strategy needs two layers or more."""
    if objective.depth < 2:
        raise InvalidArgument("objective", objective.describe(), f"has one layer: {why}", fix)


def _check_target(objective: Objective, target: object) -> None:
    if not isinstance(target, Target):
        raise InvalidType("target", target, "is not a Target", "draw it from target_matrices(...)")
    if target.shape != objective.target_shape:
        raise InvalidArgument(
            "target",
            target.matrix,
            f"has shape {target.shape}, the model needs {objective.target_shape}",
            "draw targets with shape=objective.target_shape",
        )


def initializations(
    objective: Objective,
    target: Target | None = None,
    *,
    kinds: Sequence[str] = INIT_KINDS[:-1],
    min_scale: float = 1e-4,
    max_scale: float = 3.0,
) -> st.SearchStrategy[Initialization]:
    """One of several kinds: first regular or adversarial, then a kind within that group.

    The coin shrinks to regular, and within a group shrinking prefers the earlier kinds in ``kinds``. The
    two-level choice gives the structured adversarial starts (zero, rank-deficient, target-orthogonal,
    near-critical: measure-zero events) about half of the draws; in a flat ``one_of`` over all kinds they
    were too rare to rely on within Hypothesis's default 100 examples. Kinds needing a target (spectral,
    target_orthogonal, near_critical) are dropped when ``target`` is None, and so are kinds the model
    does not accept (spectral, target_orthogonal and near_critical with data X; target_orthogonal at depth
    1); ``near_critical`` must be asked for explicitly (it needs a weight-decay model).
    """
    objective = _check_objective(objective)
    for kind in kinds:
        check_choice("kinds", kind, INIT_KINDS)
    lo, hi = check_range("scale", min_scale, max_scale, positive=True)
    makers = {
        "gaussian": lambda: gaussian_initializations(objective, min_scale=lo, max_scale=hi),
        "orthogonal": lambda: orthogonal_initializations(objective, min_scale=lo, max_scale=hi),
        "balanced": lambda: balanced_initializations(objective, min_scale=lo, max_scale=hi),
        "nearly_balanced": lambda: nearly_balanced_initializations(objective, min_scale=lo, max_scale=hi),
        "spectral": lambda: spectral_initializations(objective, target, min_scale=lo, max_scale=hi),  # type: ignore[arg-type]
        "zero": lambda: zero_initializations(objective),
        "rank_deficient": lambda: rank_deficient_initializations(objective, min_scale=lo, max_scale=hi),
        "target_orthogonal": lambda: target_orthogonal_initializations(objective, target, min_scale=lo, max_scale=hi),  # type: ignore[arg-type]
        "near_critical": lambda: near_critical_initializations(objective, target),  # type: ignore[arg-type]
    }
    chosen = [k for k in kinds if _usable(k, objective, target)]
    if not chosen:
        raise InvalidArgument(
            "kinds",
            kinds,
            f"leaves no kind usable {'without a target' if target is None else 'for this model'}",
            "pass a target or other kinds",
        )
    regular = [makers[k]() for k in chosen if k not in ADVERSARIAL_KINDS]
    adversarial = [makers[k]() for k in chosen if k in ADVERSARIAL_KINDS]
    if not regular or not adversarial:
        return st.one_of(*(regular or adversarial))
    groups = (st.one_of(*regular), st.one_of(*adversarial))
    # flatmap keeps the groups apart (one_of would flatten them back into one uniform choice)
    return st.booleans().flatmap(lambda adv: groups[adv])

"""Local refinement: push an instance's low-entropy parameters toward a violation with scipy.optimize.

Hypothesis explores the space of instances; near the worst one it found, a few dozen Nelder-Mead steps over
the parameters that shape a problem (log singular values of the target, log init scale, log step size, two
rotation angles of the target against the init) often reach a violation that random draws hit with tiny
probability: a claim that fails only in a thin band of condition numbers, or only when the init is nearly
aligned with a saddle. The objective is the claim's signed margin; an instance outside the claim's
assumptions scores ``+inf`` (refinement cannot manufacture invalid counterexamples: the claim re-checks its
own assumptions on every refined instance).

Refinement is opt-in (``refinable=True`` on the claim's ``Entry`` or ``property_test``): it leaves the
strategy's structure behind (a ``Sigma = sigma_1 I`` target gets distinct singular values, a step tied to
``sigma_1`` comes loose), so it is only sound for claims whose assumptions state everything an instance must
satisfy and whose checks read the instance, not the ``params`` it was drawn with. Each knob stays within a
factor of 10 (angles within a half turn) of the start.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import scipy.optimize

from theorycheck.claims import Verdict, VerdictStatus
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.errors import KnobViolation


def knob_names(instance: Instance) -> tuple[str, ...]:
    """The coordinates refinement moves, in order (the layout of ``theta`` in :func:`perturb`)."""
    names = [f"log sigma_{i + 1}" for i in range(int(np.sum(np.asarray(instance.target.sigma) > 0)))]
    names += ["log init scale", "log step"]
    m, n = instance.target.shape
    if m >= 2:
        names.append("left angle")
    if n >= 2:
        names.append("right angle")
    return tuple(names)


def _givens(size: int, angle: float) -> np.ndarray:
    g = np.eye(size)
    c, s = math.cos(angle), math.sin(angle)
    g[0, 0], g[0, 1], g[1, 0], g[1, 1] = c, -s, s, c
    return g


def perturb(instance: Instance, theta: np.ndarray) -> Instance:
    """The instance with ``theta`` applied (``theta = 0`` gives an equal instance).

    Singular values are multiplied by ``exp(theta_i)`` (then re-sorted with their singular vectors), every
    layer of the init by ``exp(theta_scale)`` (this keeps a balanced init balanced), the step by
    ``exp(theta_step)``; the angles rotate the target's left/right singular bases in the first coordinate
    plane (which turns the target against the init).
    """
    names = knob_names(instance)
    t = dict(zip(names, np.asarray(theta, dtype=float), strict=True))
    if not any(t.values()):
        return instance
    target = instance.target
    sigma = np.array(target.sigma, dtype=float)
    nz = int(np.sum(sigma > 0))
    sigma[:nz] *= np.exp([t[f"log sigma_{i + 1}"] for i in range(nz)])
    order = np.argsort(-sigma, kind="stable")
    u, v = np.asarray(target.u)[:, order], np.asarray(target.v)[:, order]
    sigma = sigma[order]
    if "left angle" in t:
        u = _givens(u.shape[0], t["left angle"]) @ u
    if "right angle" in t:
        v = _givens(v.shape[0], t["right angle"]) @ v
    moves_target = any(t[k] for k in names if k not in {"log init scale", "log step"})
    # an untouched target keeps its exact bits (recomputing u diag(sigma) v^H would round differently)
    matrix = ((u * sigma) @ v.conj().T).astype(np.asarray(target.matrix).dtype) if moves_target else target.matrix
    init = np.asarray(instance.init) * math.exp(t["log init scale"])
    step = instance.step * math.exp(t["log step"])
    params = dict(instance.params)
    new_target = Target(matrix, u, sigma, v) if moves_target else target
    if "kappa" in params:
        params["kappa"] = new_target.condition
    moved = {k: round(float(x), 4) for k, x in t.items() if x != 0.0}
    if moved:
        params["refined"] = ", ".join(f"{k} {x:+g}" for k, x in moved.items())
    return Instance(instance.objective, new_target, init, step, instance.max_steps, instance.data, instance.tol, params)


LOG_RANGE = math.log(10.0)  # refinement moves each log knob by at most a factor of 10


def refine(
    instance: Instance,
    evaluate: Callable[[Instance], Verdict | None],
    *,
    max_evals: int = 60,
    radius: float = 0.3,
    rng: np.random.Generator | None = None,
) -> tuple[Verdict | None, int]:
    """Minimise the margin around ``instance`` by Nelder-Mead; stop at the first violation.

    Args:
        instance: the start (theta = 0).
        evaluate: checks one instance (the caller counts it, applies the in-search precision rung, journals it);
            None means the instance was skipped (scored like one outside the assumptions).
        max_evals: evaluations at most.
        radius: the initial simplex's size in every coordinate (log units and radians).
        rng: turns the initial simplex by a random rotation, so that parallel workers refining the same
            start explore different directions (None: the coordinate axes).

    Returns:
        (the best verdict seen, or the violating one; evaluations used). None if nothing applicable was seen.
    """
    best: list[Verdict] = []
    used = 0

    def objective(theta: np.ndarray) -> float:
        nonlocal used
        used += 1
        verdict = evaluate(perturb(instance, theta))
        if verdict is None:
            return math.inf
        if verdict.violated:
            raise KnobViolation(verdict)
        if verdict.status == VerdictStatus.NOT_APPLICABLE:
            return math.inf
        if not best or verdict.margin < best[0].margin:
            best[:] = [verdict]
        return verdict.margin

    dim = len(knob_names(instance))
    axes = np.eye(dim) if rng is None else np.linalg.qr(rng.standard_normal((dim, dim)))[0]
    simplex = np.vstack([np.zeros(dim), radius * axes])
    # stay near the start: each singular value, the init scale and the step within a factor of LOG_RANGE's
    # exponential, angles within a half turn (far moves leave the regime the strategy drew from)
    names = knob_names(instance)
    limits = [math.pi if n.endswith("angle") else LOG_RANGE for n in names]
    try:
        scipy.optimize.minimize(
            objective,
            np.zeros(dim),
            method="Nelder-Mead",
            bounds=[(-b, b) for b in limits],
            options={"maxfev": max_evals, "initial_simplex": simplex, "xatol": 1e-6, "fatol": 0.0},
        )
    except KnobViolation as found:
        return found.verdict, used
    return (best[0] if best else None), used

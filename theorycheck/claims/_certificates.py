"""Rigorous per-iterate certificates: prove a violation at the computed iterate in ball arithmetic.

Balls are never propagated through a trajectory (their radius explodes within ~100 steps, ecosystem.md,
"Precision and rigour"). A certificate works one iterate at a time instead:

1. the float64 run is replayed to the step before the violation, giving the computed iterate ``W_t``
   (bit-exact: the kernel is deterministic); floats are dyadic rationals, so ``W_t`` converts to balls exactly;
2. one exact GD step ``W_{t+1} = W_t - eta grad F(W_t)`` is taken in python-flint ``arb_mat``/``acb_mat``
   balls (no midpoint rounding), and the monitored quantity is enclosed at both points;
3. the violation is *certified* when the enclosure of ``q(W_{t+1}) - q(W_t) - tol`` lies strictly on the
   violating side.

What this proves: GD, run exactly from the (exact) point ``W_t`` that float64 computed, violates the claim
at the next step. It does not prove the exact trajectory from ``W_0`` passes through ``W_t``; for ``t = 0``
it does, and then it is a proof about the instance itself. The objective's constants are the float64 values
stored in the instance (``eta``, ``a``, the lambdas), read as exact dyadic numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from theorycheck.claims._records import Certificate, Certification, CertificationStatus, Verdict
from theorycheck.dynamics import Recording, RunStatus
from theorycheck.dynamics.instance import Instance
from theorycheck.models import Objective, loss_and_grads
from theorycheck.precision import Backend, Precision, get_backend

BallQuantity = Callable[[Backend, Objective, list[Any], Any, Any], Any]
"""``(xp, objective, layers, target, data) -> ball``: a real scalar enclosed in the backend's arithmetic."""


def objective_value(xp: Backend, objective: Objective, layers: list[Any], target: Any, data: Any) -> Any:
    """The objective F (fit + balancing + weight decay), enclosed."""
    return loss_and_grads(xp, objective, layers, target, data)[0]


def balancing_value(xp: Backend, objective: Objective, layers: list[Any], _target: Any, _data: Any) -> Any:
    """``L_reg = (a/4) sum_j ||W_j W_j^H - W_{j+1}^H W_{j+1}||_F^2`` (Luo et al. 2025), enclosed."""
    total = xp.scalar(0.0)
    for j in range(len(layers) - 1):
        delta = xp.sub(xp.mm(layers[j], xp.ah(layers[j])), xp.mm(xp.ah(layers[j + 1]), layers[j + 1]))
        total = total + xp.sqnorm(delta)
    return total * (objective.balancing / 4.0)


MatrixOf = Callable[[Backend, Objective, list[Any], Any, Any], Any]
"""``(xp, objective, layers, target, data) -> ball matrix``: the matrix a spectral quantity is taken of."""


def smallest_singular_value(matrix: MatrixOf) -> BallQuantity:
    """``sigma_min(M)`` enclosed: the square root of the smallest eigenvalue of ``M^H M`` (or ``M M^H``).

    The eigenvalues of the Gram matrix come from flint's certified ``acb_mat.eig``, or Gershgorin discs after a
    ball similarity where flint cannot isolate them (:func:`theorycheck.precision.numeric.ball_eigvalsh`);
    python-flint has no SVD. A lower end below 0 is clipped at 0.
    """

    def quantity(xp: Backend, objective: Objective, layers: list[Any], target: Any, data: Any) -> Any:
        import flint

        from theorycheck.precision.numeric import ball_eigvalsh

        m = matrix(xp, objective, layers, target, data)
        gram = xp.mm(xp.ah(m), m) if m.ncols() <= m.nrows() else xp.mm(m, xp.ah(m))
        lo, hi = ball_eigvalsh(gram, xp.bits)[0]
        zero = flint.arb(0)
        # sqrt is increasing: enclose sqrt at each end (clipped at 0) and join them; a ball joining the ends
        # first would straddle 0 when lambda_min is 0 and make sqrt NaN (an enclosure of nothing)
        return (lo if lo > 0 else zero).sqrt().union((hi if hi > 0 else zero).sqrt())

    return quantity


def smallest_eigenvalue(matrix: MatrixOf) -> BallQuantity:
    """``lambda_min(M)`` of a Hermitian ``M``, enclosed (see :func:`smallest_singular_value`)."""

    def quantity(xp: Backend, objective: Objective, layers: list[Any], target: Any, data: Any) -> Any:
        from theorycheck.precision.numeric import ball_eigvalsh

        lo, hi = ball_eigvalsh(matrix(xp, objective, layers, target, data), xp.bits)[0]
        return lo.union(hi)

    return quantity


def iterate_at(instance: Instance, step: int) -> np.ndarray | None:
    """The float64 iterate ``W_step`` of the instance's GD run (None if the run stopped earlier)."""
    if step == 0:
        return np.array(instance.init)
    run = attrs.evolve(instance, max_steps=step, tol=0.0).run(record=Recording(every=step, observables=()))
    if int(run.steps[0]) != step or int(run.status[0]) != RunStatus.MAX_STEPS:
        return None
    return np.array(run.final_params[0])


def compares_consecutive_steps(certificate: Certificate) -> Certificate:
    """Mark ``certificate`` as one that proves a violation between steps ``verdict.step - 1`` and ``verdict.step``.

    A :class:`~theorycheck.claims.Claim` carrying such a certificate must record every step (``Recording(every=1)``)
    or it is an :class:`~theorycheck.errors.InvalidArgument`: on a coarser grid the conclusion compares steps
    ``every`` apart and the certificate would check the wrong pair. :func:`one_step_rise` is marked.
    """
    certificate.compares_consecutive_steps = True  # type: ignore[attr-defined]
    return certificate


def needs_every_step(certificate: Certificate | None) -> bool:
    """True for a certificate marked by :func:`compares_consecutive_steps`."""
    return bool(getattr(certificate, "compares_consecutive_steps", False))


def one_step_rise(
    name: str, quantity: BallQuantity, *, rtol: float = 0.0, atol: float = 0.0, increasing: bool = False
) -> Certificate:
    """Certify "``quantity`` rose (fell, if ``increasing``) from step t to t+1 by more than the tolerance".

    For claims "q is non-increasing along GD" (``monotone``, ``loss_non_increasing``): the violation amount is
    ``q_{t+1} - q_t (1 + rtol) - atol`` (non-decreasing claims: ``q_t (1 - rtol) - q_{t+1} - atol``);
    ``verdict.step`` is ``t + 1``. Give the same ``rtol``/``atol`` as the conclusion's tolerance, or the
    certificate may prove a rise the claim allows. The claim must record every step
    (:func:`compares_consecutive_steps`).
    """

    def certify(instance: Any, verdict: Verdict, bits: int) -> Certification:
        if not isinstance(instance, Instance) or verdict.step is None or verdict.step < 1:
            why = "needs a GD instance and a violating step >= 1"
            return Certification(CertificationStatus.UNAVAILABLE, why, bits=bits)
        t = verdict.step - 1
        w = iterate_at(instance, t)
        if w is None:
            return Certification(CertificationStatus.UNAVAILABLE, f"the float64 run stopped before step {t}", bits=bits)
        xp = get_backend(Precision("flint", bits))
        obj = instance.objective
        with xp.activate():
            layers = [xp.from_numpy(m) for m in obj.split(w)]
            target = xp.from_numpy(np.asarray(instance.target.matrix))
            data = None if instance.data is None else xp.from_numpy(np.asarray(instance.data))
            _, grads = loss_and_grads(xp, obj, layers, target, data)
            eta = xp.scalar(instance.step)
            nxt = [xp.sub(w_j, xp.scale(eta, g_j)) for w_j, g_j in zip(layers, grads, strict=True)]
            q0 = quantity(xp, obj, layers, target, data)
            q1 = quantity(xp, obj, nxt, target, data)
            amount = q0 * (1 - rtol) - q1 - atol if increasing else q1 - q0 * (1 + rtol) - atol
            proved = bool(amount > 0)
            lo, hi = float(amount.lower().mid()), float(amount.upper().mid())
        move = "fell" if increasing else "rose"
        where = "from W_0 (the instance itself)" if t == 0 else f"from the computed iterate W_{t} (exact dyadic)"
        detail = (
            f"{name} {move} by [{lo:.6g}, {hi:.6g}] beyond the tolerance in one exact GD step {where}, "
            f"{bits}-bit ball arithmetic"
        )
        status = CertificationStatus.CERTIFIED if proved else CertificationStatus.NOT_CERTIFIED
        return Certification(status, detail, lo, hi, bits)

    return compares_consecutive_steps(certify)

"""The precision ladder: is a float64 violation real, a floating-point artifact, or undecided.

A counterexample is reported only after it survives the ladder (style.md point 8, after mpmath's ``autoprec``):
the violating instance is re-checked at 113 bits, then 256 bits (python-flint midpoint arithmetic), and

* **confirmed**: the margin is negative at every rung and its magnitude converges (the two highest rungs
  agree to ``rtol``, or both are non-finite);
* **artifact**: the margin is non-negative at every high-precision rung: the float64 violation was rounding,
  and it is reported as such, never as a counterexample;
* **undecided**: anything else (the sign flips between rungs, the magnitude does not settle, the claim has
  no high-precision path: a pure margin written in float64 only, say).

Which rungs: GD claims re-run their dynamics in python-flint at 113 and 256 bits (:data:`LADDER`); pure claims
whose margin is written against a numeric context (``pure(..., numeric=True)``) re-evaluate it in mpmath at 113
and 256 bits on the instance's exact inputs (:data:`PURE_LADDER`) and are certified in interval arithmetic;
gradient-flow claims are integrated again by solve_ivp at rtol 1e-13 and by mpmath's Taylor-series solver at
113 bits (:data:`GF_LADDER`, :func:`theorycheck.dynamics.flow_hp.run_gf_taylor`); a rung that cannot run leaves
the violation undecided with the reason.

**Scale.** A violation whose size is within :data:`RESOLUTION_ULPS` float64 ulps of the scale of its quantity
(``Outcome.scale``) is rounding level whatever the rungs say: it is an artifact when the high rungs hold (or
violate only within :data:`RESOLUTION_ULPS` ulps of the scale at their own precision: each arithmetic breaks a
tight claim's equality cases at its own last bits), certified when a certificate proves it, and otherwise
undecided, never confirmed (two rungs can agree on the same rounding).

A confirmed violation whose claim carries a :attr:`Claim.certificate` (or a pure numeric margin, enclosed in
intervals) is then checked once rigorously; if that proves it, the status is **certified**. If it proves the
opposite, the violation is an artifact: always for an interval enclosure of a pure margin (it covers the instance),
and for a per-iterate certificate only when the recording has every step and the high rungs violate at the step it
checked (else undecided: the rungs' violation lies elsewhere).

**Vanishing.** A violation that shrinks with the unit roundoff from rung to rung (at least ``2^-(b2 - b1)``
times smaller at ``b2`` bits than at ``b1``, up to :data:`VANISHING_SLACK`) converges to a margin of 0: an
artifact (a converged loss at each arithmetic's floor, an equality case broken in each arithmetic's last bits).

Like ``autoprec``, the rule has blind spots: a violation that appears only beyond 256 bits, or a margin that
converges to a wrong value in every arithmetic, is not caught.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import attrs

from theorycheck._status import Status
from theorycheck.claims import Certification, CertificationStatus, Claim, PureConclusion, Verdict, check
from theorycheck.errors import NoEnclosure, TheorycheckError
from theorycheck.precision import Precision

LADDER = (Precision("flint", 113), Precision("flint", 256))
"""The default rungs above float64 (GD claims)."""

PURE_LADDER = (Precision("mpmath", 113), Precision("mpmath", 256))
"""The rungs of a pure claim's numeric margin: mpmath at 113 and 256 bits on the exact inputs."""

GF_LADDER = (Precision("float64"), Precision("mpmath", 113))
"""Gradient flow: the float64 solver again at tight tolerances, then mpmath's Taylor-series solver at 113 bits."""

RESOLUTION_ULPS = 16
"""A violation within this many float64 ulps of its quantity's scale is rounding level (module docstring)."""

_EPS = 2.0**-52


class ConfirmationStatus(Status):
    """What the ladder made of one float64 violation (module docstring); a ``str``, as reports write it."""

    CONFIRMED = "confirmed", "CONFIRMED COUNTEREXAMPLE: the violation survives every precision rung"
    CERTIFIED = "certified", (
        "CERTIFIED COUNTEREXAMPLE: confirmed at every precision rung and proved rigorously "
        "(ball or interval arithmetic)"
    )
    ARTIFACT = "artifact", "FLOATING-POINT ARTIFACT, NOT A COUNTEREXAMPLE: the violation disappears at higher precision"
    UNDECIDED = "undecided", "UNDECIDED: a float64 violation the precision ladder could not confirm or dismiss"


class RungStatus(Status):
    """One re-check's outcome: a verdict's status, or ``error`` when the rung could not evaluate."""

    HOLDS = "holds", "the claim holds at this rung"
    VIOLATED = "violated", "the violation is reproduced at this rung"
    NOT_APPLICABLE = "not_applicable", "the claim says nothing about the instance at this rung"
    ERROR = "error", "the rung could not evaluate (its detail says why)"


@attrs.frozen
class Rung:
    """One re-check: the arithmetic, its verdict's status and margin, the seconds it took, its scale and step."""

    precision: str
    status: RungStatus = attrs.field(converter=RungStatus)
    margin: float
    elapsed: float
    detail: str = ""
    scale: float | None = None
    step: int | None = None

    @property
    def relative(self) -> float | None:
        """The margin relative to the scale of its quantity (None without a scale)."""
        if self.scale is None or not self.scale > 0:
            return None
        return self.margin / self.scale


@attrs.frozen
class Confirmation:
    """The outcome of the ladder for one float64 violation.

    Attributes:
        status: a :class:`ConfirmationStatus` (module docstring).
        reason: one sentence saying why.
        rungs: float64 first, then each higher rung, in order.
        certification: the ball-arithmetic check, when one ran.
    """

    status: ConfirmationStatus = attrs.field(converter=ConfirmationStatus)
    reason: str
    rungs: tuple[Rung, ...]
    certification: Certification | None = None

    @property
    def is_counterexample(self) -> bool:
        """True for confirmed and certified: what the CLI's exit status 1 and the reports call a counterexample."""
        return self.status in (ConfirmationStatus.CONFIRMED, ConfirmationStatus.CERTIFIED)


def _rung(claim: Claim, instance: Any, precision: Precision) -> Rung:
    started = time.perf_counter()
    name = _rung_name(claim, precision)
    try:
        verdict = check(claim, instance, precision=precision)
    except TheorycheckError as exc:  # e.g. a backend that is not installed: the rung says so
        return Rung(name, RungStatus.ERROR, math.nan, time.perf_counter() - started, str(exc))
    except (ArithmeticError, ValueError, TypeError, AttributeError) as exc:
        # a conclusion that cannot evaluate in this arithmetic (a float64-only library call on a high-precision
        # series, say): the rung reports it and the violation stays undecided, with the reason in the report
        return Rung(name, RungStatus.ERROR, math.nan, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    return Rung(
        name, verdict.status, verdict.margin, time.perf_counter() - started, verdict.detail, verdict.scale, verdict.step
    )


def _rung_name(claim: Claim, precision: Precision) -> str:
    if claim.procedure is not None and claim.procedure.method == "gf":
        return "float64 (DOP853, rtol 1e-13)" if precision.is_float64 else f"mpmath:{precision.bits} (Taylor ODE)"
    return str(precision)


def _is_pure_numeric(claim: Claim) -> bool:
    return claim.procedure is None and isinstance(claim.conclusion, PureConclusion) and claim.conclusion.numeric


def no_precision_path(claim: Claim) -> str | None:
    """Why the claim cannot be re-evaluated in higher precision, or None when it can."""
    if claim.procedure is not None:
        return None
    if _is_pure_numeric(claim):
        return None
    if isinstance(claim.conclusion, PureConclusion):
        return claim.conclusion.why_float64 or (
            "the pure margin is written in float64 only (write it against a context: pure(..., numeric=True))"
        )
    return "the claim evaluates its conclusion in float64 without a procedure or a numeric context"


def has_precision_path(claim: Claim) -> bool:
    """True when the claim can be re-evaluated in a chosen arithmetic (GD, GF, numeric pure margins)."""
    return no_precision_path(claim) is None


def ladder_for(claim: Claim) -> tuple[Precision, ...]:
    """The rungs above float64 for this kind of claim (module docstring)."""
    if _is_pure_numeric(claim):
        return PURE_LADDER
    if claim.procedure is not None and claim.procedure.method == "gf":
        return GF_LADDER
    return LADDER


def rounding_level(margin: float, scale: float | None, bits: int = 53) -> bool:
    """True when ``|margin|`` is within :data:`RESOLUTION_ULPS` ulps of ``scale`` in a ``bits``-bit arithmetic."""
    if scale is None or not math.isfinite(scale) or not scale > 0 or not math.isfinite(margin):
        return False
    return abs(margin) <= RESOLUTION_ULPS * 2.0 ** (1 - bits) * scale


def _rounding_everywhere(
    verdict: Verdict, high: list[Rung], ladder: tuple[Precision, ...], scale: float | None
) -> bool:
    """True when the float64 violation and every high rung's are rounding level, each at its own precision.

    A high rung counts when it holds or violates within :data:`RESOLUTION_ULPS` ulps of the scale at its own
    bits: a tight true claim with equality cases is broken by each arithmetic at its own last bits, at a
    different step (the 113-bit run of a converging GD reaches its own floor of ~1e-34 relative).
    """
    if not rounding_level(verdict.margin, scale):
        return False
    return all(
        r.status == RungStatus.HOLDS
        or (r.status == RungStatus.VIOLATED and rounding_level(r.margin, r.scale or scale, p.bits))
        for r, p in zip(high, ladder, strict=True)
    )


VANISHING_SLACK = 2.0**8
"""How much slower than the unit roundoff a violation may shrink between rungs and still count as vanishing."""


def vanishes_with_precision(margins: list[float], statuses: list[str], bits: list[int]) -> bool:
    """True when a violation shrinks with the unit roundoff from rung to rung (or disappears): its limit is 0.

    ``margins``/``statuses``/``bits``: the rungs in order, float64 first; bits strictly increasing (else False:
    two rungs of one precision, as gradient flow's tight float64 solve, say nothing about the roundoff). A real
    violation converges to a nonzero margin; one that is the arithmetic's own rounding (a converged loss at its
    floor, ~eps^2 of the scale; an equality case broken in the last bits) is about ``2^-(b2 - b1)`` times
    smaller at ``b2`` bits than at ``b1``: every consecutive pair of violated rungs must shrink by at least that
    (times :data:`VANISHING_SLACK`), and a rung that holds may only be followed by rungs that hold.
    """
    if len(margins) < 2 or any(b2 <= b1 for b1, b2 in itertools.pairwise(bits)):
        return False
    if statuses[0] != RungStatus.VIOLATED:
        return False
    for (m1, s1, b1), (m2, s2, b2) in itertools.pairwise(zip(margins, statuses, bits, strict=True)):
        if s2 == RungStatus.HOLDS:
            continue
        if s2 != RungStatus.VIOLATED or s1 != RungStatus.VIOLATED or not (math.isfinite(m1) and math.isfinite(m2)):
            return False
        if abs(m2) > abs(m1) * 2.0 ** (b1 - b2) * VANISHING_SLACK:
            return False
    return True


def _enclosure(claim: Claim, verdict: Verdict, bits: int) -> Certification:
    """Interval evaluation of a pure numeric margin: certified when the whole enclosure is below zero."""
    assert isinstance(claim.conclusion, PureConclusion)  # _certify calls this for pure numeric claims only
    enclose = claim.conclusion.enclose
    try:
        lo, hi, detail = enclose(verdict.instance, bits)
    except (NoEnclosure, ArithmeticError, ValueError, TypeError, AttributeError) as exc:
        # as in _rung: a margin calling something intervals lack (numpy's sqrt, say) has no enclosure, no crash
        why = f"interval arithmetic could not enclose the margin: {type(exc).__name__}: {exc}"
        return Certification(CertificationStatus.UNAVAILABLE, why, bits=bits)
    what = f"the exact margin lies in [{lo:.6g}, {hi:.6g}] ({bits}-bit interval arithmetic on the exact inputs)"
    if hi < 0:
        return Certification(CertificationStatus.CERTIFIED, f"{what}: violated", -hi, -lo, bits)
    return Certification(CertificationStatus.NOT_CERTIFIED, f"{what}; {detail}", -hi, -lo, bits)


def _disproved(claim: Claim, verdict: Verdict, rungs: list[Rung], cert: Certification) -> Confirmation:
    """The rungs say violated, but a rigorous evaluation proves the claim holds where it looked.

    An interval enclosure of a pure margin covers the instance itself: an artifact (the rungs' agreement came from
    evaluating on rounded values, below what the ladder resolves). A per-iterate certificate covers one step from
    float64's iterate: an artifact only when the high rungs violate at that step, otherwise undecided.
    """
    interval = _is_pure_numeric(claim) and claim.certificate is None
    why = f"{'interval' if interval else 'ball'} arithmetic disproves the violation: {cert.detail}"
    other = None if interval else _unchecked_violation(claim, verdict, rungs[1:])
    if other is None:
        return Confirmation(ConfirmationStatus.ARTIFACT, why, tuple(rungs), cert)
    return Confirmation(ConfirmationStatus.UNDECIDED, f"{why}; but {other}", tuple(rungs), cert)


def _unchecked_violation(claim: Claim, verdict: Verdict, high: list[Rung]) -> str | None:
    """Why a per-iterate certificate's disproof does not cover the high rungs' violation, or None when it does.

    The certificate checks the one step from float64's iterate at ``verdict.step``; it speaks for the high rungs
    only when the recording has every step and each violating high rung violates at that same step.
    """
    record = claim.procedure.record if claim.procedure is not None else None
    if record is None or record.every != 1:
        return "the recording is not every step, so the certificate's step may not be the violating one"
    for r in high:
        if r.status == RungStatus.VIOLATED and r.step != verdict.step:
            return f"the {r.precision} rung violates at step {r.step}, not at the certified step {verdict.step}"
    return None


def _agree(a: float, b: float, rtol: float) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return abs(a - b) <= rtol * max(abs(a), abs(b))


def confirm(  # noqa: PLR0911, C901 - one return per classification, in the order of the module docstring
    claim: Claim,
    verdict: Verdict,
    *,
    ladder: tuple[Precision, ...] | None = None,
    rtol: float = 1e-2,
    certify: bool = True,
) -> Confirmation:
    """Classify the float64 violation ``verdict`` of ``claim`` by re-checking its instance along ``ladder``.

    Args:
        claim: the claim that was violated.
        verdict: its float64 verdict (status "violated").
        ladder: the higher-precision rungs, lowest first (default: :func:`ladder_for` the claim).
        rtol: how closely the two highest rungs' margins must agree for "converges".
        certify: run the claim's rigorous certificate on a violation the rungs agree on.
    """
    base = Rung(
        verdict.precision, verdict.status, verdict.margin, verdict.elapsed, verdict.detail, verdict.scale, verdict.step
    )
    if not verdict.violated:
        why = f"nothing to confirm: the verdict is {verdict.status}"
        return Confirmation(ConfirmationStatus.UNDECIDED, why, (base,))
    why_not = no_precision_path(claim)
    if why_not is not None:
        return Confirmation(ConfirmationStatus.UNDECIDED, f"no high-precision re-run: {why_not}", (base,))
    rungs_used = ladder if ladder is not None else ladder_for(claim)
    rungs = [base] + [_rung(claim, verdict.instance, p) for p in rungs_used]
    high = rungs[1:]
    if any(r.status in (RungStatus.ERROR, RungStatus.NOT_APPLICABLE) for r in high):
        bad = next(r for r in high if r.status in (RungStatus.ERROR, RungStatus.NOT_APPLICABLE))
        why = f"the {bad.precision} rung was {bad.status}: {bad.detail}"
        return Confirmation(ConfirmationStatus.UNDECIDED, why, tuple(rungs))
    if all(r.status == RungStatus.HOLDS for r in high):
        return Confirmation(
            ConfirmationStatus.ARTIFACT,
            f"the violation disappears at {high[0].precision} (margin {high[0].margin:.3g}): a floating-point effect",
            tuple(rungs),
        )
    cert = _certify(claim, verdict, rungs_used) if certify else None
    proved = cert is not None and cert.status == CertificationStatus.CERTIFIED
    if cert is not None and cert.status == CertificationStatus.NOT_CERTIFIED and cert.upper <= 0:
        return _disproved(claim, verdict, rungs, cert)
    if vanishes_with_precision(
        [r.margin for r in rungs], [r.status for r in rungs], [53, *(p.bits for p in rungs_used)]
    ) and not proved:
        margins = ", ".join(f"{r.precision}: {r.margin:.3g}" for r in rungs)
        return Confirmation(
            ConfirmationStatus.ARTIFACT,
            f"the violation shrinks with the unit roundoff from rung to rung ({margins}): its limit is 0, a "
            "floating-point effect",
            tuple(rungs),
            cert,
        )
    scale = verdict.scale if verdict.scale is not None else high[-1].scale
    if _rounding_everywhere(verdict, high, rungs_used, scale) and not proved:
        margins = ", ".join(f"{r.precision}: {r.margin:.3g}" for r in rungs)
        return Confirmation(
            ConfirmationStatus.ARTIFACT,
            f"the violation is rounding level in every arithmetic, each within {RESOLUTION_ULPS} ulps of its scale "
            f"{scale:.3g} at its own precision ({margins}): a floating-point effect",
            tuple(rungs),
            cert,
        )
    tiny = rounding_level(verdict.margin, scale) and all(
        rounding_level(r.margin, scale) for r in high if r.status == RungStatus.VIOLATED
    )
    if tiny and not proved:
        return Confirmation(
            ConfirmationStatus.UNDECIDED,
            f"the violation (margin {verdict.margin:.3g}) is within {RESOLUTION_ULPS} float64 ulps of its scale "
            f"{scale:.3g}: rounding level, and no certificate proves it"
            + (f" ({cert.status}: {cert.detail})" if cert is not None else ""),
            tuple(rungs),
            cert,
        )
    if not all(r.status == RungStatus.VIOLATED for r in high):
        signs = ", ".join(f"{r.precision}: {r.margin:.3g}" for r in rungs)
        why = f"the margin changes sign between rungs ({signs})"
        return Confirmation(ConfirmationStatus.UNDECIDED, why, tuple(rungs), cert)
    if len(high) >= 2 and not _agree(high[-2].margin, high[-1].margin, rtol):
        return Confirmation(
            ConfirmationStatus.UNDECIDED,
            f"the margin has not settled: {high[-2].margin:.6g} at {high[-2].precision} vs "
            f"{high[-1].margin:.6g} at {high[-1].precision}",
            tuple(rungs),
            cert,
        )
    reason = f"violated at every rung; margin {high[-1].margin:.6g} at {high[-1].precision}"
    if cert is None:
        return Confirmation(ConfirmationStatus.CONFIRMED, reason, tuple(rungs))
    if cert.status == CertificationStatus.CERTIFIED:
        return Confirmation(ConfirmationStatus.CERTIFIED, f"{reason}; {cert.detail}", tuple(rungs), cert)
    why = f"{reason}; certificate {cert.status}: {cert.detail}"
    return Confirmation(ConfirmationStatus.CONFIRMED, why, tuple(rungs), cert)


def _certify(claim: Claim, verdict: Verdict, ladder: tuple[Precision, ...]) -> Certification | None:
    bits = max((p.bits for p in ladder), default=256)
    bits = max(bits, 256)
    if claim.certificate is not None:
        return claim.certificate(verdict.instance, verdict, bits)
    if _is_pure_numeric(claim):
        return _enclosure(claim, verdict, bits)
    return None


def confirm_cheaply(claim: Claim, verdict: Verdict, precision: Precision) -> bool:
    """The in-search rung: does the violation survive one re-check at ``precision``? True when it cannot run.

    Used inside Hypothesis's loop so that shrinking keeps real violations; the deep rungs run once on the
    shrunk example. Gradient-flow claims re-check with the solver at its tight tolerances (the first rung of
    :data:`GF_LADDER`, as cheap as the search's own solve) instead of ``precision``: a high-precision ODE solve
    per example would stall the search, and the solver's own error is what a GF violation most often is.
    """
    gf = claim.procedure is not None and claim.procedure.method == "gf"
    if not verdict.violated or not has_precision_path(claim):
        return verdict.violated
    if gf:
        return _rung(claim, verdict.instance, GF_LADDER[0]).status != RungStatus.HOLDS
    rung = _rung(claim, verdict.instance, precision)
    scale = verdict.scale if verdict.scale is not None else rung.scale
    if rung.status == RungStatus.VIOLATED and _rounding_everywhere(verdict, [rung], (precision,), scale):
        return False
    if vanishes_with_precision([verdict.margin, rung.margin], [verdict.status, rung.status], [53, precision.bits]):
        return False
    return rung.status != RungStatus.HOLDS

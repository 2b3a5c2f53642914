"""The precision ladder: is a float64 violation real, a floating-point artifact, or undecided.

A counterexample is reported only after it survives the ladder (style.md point 8, after mpmath's ``autoprec``):
the violating instance is re-checked at 113 bits, then 256 bits (python-flint midpoint arithmetic), and

* **confirmed**: the margin is negative at every rung and its magnitude converges (the two highest rungs
  agree to ``rtol``, or both are non-finite);
* **artifact**: the margin is non-negative at every high-precision rung: the float64 violation was rounding,
  and it is reported as such, never as a counterexample;
* **undecided**: anything else (the sign flips between rungs, the magnitude does not settle, the claim has
  no high-precision path: gradient flow, or a conclusion that computes in float64 by itself).

A confirmed violation whose claim carries a :attr:`Claim.certificate` is then checked once in ball arithmetic
at the failing iterate; if that proves it, the status is **certified**.

Like ``autoprec``, the rule has blind spots: a violation that appears only beyond 256 bits, or a margin that
converges to a wrong value in every arithmetic, is not caught.
"""

from __future__ import annotations

import math
import time
from typing import Any

import attrs

from theorycheck.claims import Certification, Claim, Verdict, check
from theorycheck.errors import TheorycheckError
from theorycheck.precision import Precision

LADDER = (Precision("flint", 113), Precision("flint", 256))
"""The default rungs above float64."""

STATUSES = ("confirmed", "certified", "artifact", "undecided")


@attrs.frozen
class Rung:
    """One re-check: the arithmetic, its verdict's status and margin, and the seconds it took."""

    precision: str
    status: str
    margin: float
    elapsed: float
    detail: str = ""


@attrs.frozen
class Confirmation:
    """The outcome of the ladder for one float64 violation.

    Attributes:
        status: "confirmed", "certified", "artifact" or "undecided" (module docstring).
        reason: one sentence saying why.
        rungs: float64 first, then each higher rung, in order.
        certification: the ball-arithmetic check, when one ran.
    """

    status: str
    reason: str
    rungs: tuple[Rung, ...]
    certification: Certification | None = None

    @property
    def is_counterexample(self) -> bool:
        """True for confirmed and certified: what the CLI's exit status 1 and the reports call a counterexample."""
        return self.status in ("confirmed", "certified")


def _rung(claim: Claim, instance: Any, precision: Precision) -> Rung:
    started = time.perf_counter()
    try:
        verdict = check(claim, instance, precision=precision)
    except TheorycheckError as exc:  # e.g. a backend that is not installed: the rung says so
        return Rung(str(precision), "error", math.nan, time.perf_counter() - started, str(exc))
    return Rung(str(precision), verdict.status, verdict.margin, time.perf_counter() - started, verdict.detail)


def has_precision_path(claim: Claim) -> bool:
    """True when the claim's dynamics run in a chosen arithmetic (GD procedures); GF and pure claims do not."""
    return claim.procedure is not None and claim.procedure.method == "gd"


def _agree(a: float, b: float, rtol: float) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return abs(a - b) <= rtol * max(abs(a), abs(b))


def confirm(  # noqa: PLR0911 - one return per classification, in the order of the module docstring
    claim: Claim,
    verdict: Verdict,
    *,
    ladder: tuple[Precision, ...] = LADDER,
    rtol: float = 1e-2,
    certify: bool = True,
) -> Confirmation:
    """Classify the float64 violation ``verdict`` of ``claim`` by re-checking its instance along ``ladder``.

    Args:
        claim: the claim that was violated.
        verdict: its float64 verdict (status "violated").
        ladder: the higher-precision rungs, lowest first.
        rtol: how closely the two highest rungs' margins must agree for "converges".
        certify: run the claim's ball-arithmetic certificate on a confirmed violation.
    """
    base = Rung(verdict.precision, verdict.status, verdict.margin, verdict.elapsed, verdict.detail)
    if not verdict.violated:
        return Confirmation("undecided", f"nothing to confirm: the verdict is {verdict.status}", (base,))
    if not has_precision_path(claim):
        why = "gradient flow is integrated in float64 only" if claim.procedure is not None else (
            "the claim evaluates its conclusion in float64 without a GD procedure"
        )
        return Confirmation("undecided", f"no high-precision re-run: {why}", (base,))
    rungs = [base] + [_rung(claim, verdict.instance, p) for p in ladder]
    high = rungs[1:]
    if any(r.status in ("error", "not_applicable") for r in high):
        bad = next(r for r in high if r.status in ("error", "not_applicable"))
        return Confirmation("undecided", f"the {bad.precision} rung was {bad.status}: {bad.detail}", tuple(rungs))
    if all(r.status == "holds" for r in high):
        return Confirmation(
            "artifact",
            f"the violation disappears at {high[0].precision} (margin {high[0].margin:.3g}): a floating-point effect",
            tuple(rungs),
        )
    if not all(r.status == "violated" for r in high):
        signs = ", ".join(f"{r.precision}: {r.margin:.3g}" for r in rungs)
        return Confirmation("undecided", f"the margin changes sign between rungs ({signs})", tuple(rungs))
    if len(high) >= 2 and not _agree(high[-2].margin, high[-1].margin, rtol):
        return Confirmation(
            "undecided",
            f"the margin has not settled: {high[-2].margin:.6g} at {high[-2].precision} vs "
            f"{high[-1].margin:.6g} at {high[-1].precision}",
            tuple(rungs),
        )
    reason = f"violated at every rung; margin {high[-1].margin:.6g} at {high[-1].precision}"
    if certify and claim.certificate is not None:
        bits = max((p.bits for p in ladder), default=256)
        cert = claim.certificate(verdict.instance, verdict, bits)
        if cert.status == "certified":
            return Confirmation("certified", f"{reason}; {cert.detail}", tuple(rungs), cert)
        if cert.status == "not_certified" and cert.upper < 0:
            # the rungs agree, but ball arithmetic proves the step does not violate: the rungs' agreement came from
            # evaluating the observable on float64-rounded iterates, below what the ladder resolves
            why = f"ball arithmetic disproves the violation at the failing step: {cert.detail}"
            return Confirmation("artifact", why, tuple(rungs), cert)
        return Confirmation("confirmed", f"{reason}; certificate {cert.status}: {cert.detail}", tuple(rungs), cert)
    return Confirmation("confirmed", reason, tuple(rungs))


def confirm_cheaply(claim: Claim, verdict: Verdict, precision: Precision) -> bool:
    """The in-search rung: does the violation survive one re-check at ``precision``? True when it cannot run.

    Used inside Hypothesis's loop so that shrinking keeps real violations; the deep rungs run once on the
    shrunk example.
    """
    if not verdict.violated or not has_precision_path(claim):
        return verdict.violated
    return _rung(claim, verdict.instance, precision).status != "holds"

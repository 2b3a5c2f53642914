"""Claim records: Source, Case, Outcome, Verdict, Procedure, Assumption, Claim. Pure data, no Hypothesis."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np

from theorycheck._status import Status
from theorycheck._validation import check_choice, readonly
from theorycheck.claims._needs import mismatch, needs_of
from theorycheck.dynamics import Recording, RunResult, run_gf
from theorycheck.dynamics.instance import Instance
from theorycheck.errors import InvalidArgument, InvalidType
from theorycheck.precision import FLOAT64, Precision

PROVENANCES = ("paper", "reconstructed")
EXPECTATIONS = ("holds", "refuted")


class VerdictStatus(Status):
    """What checking one claim on one instance found (a ``str``: JSON and comparisons see the value)."""

    HOLDS = "holds", "the conclusion holds on this instance (margin >= 0)"
    VIOLATED = "violated", "the conclusion fails on an instance meeting the assumptions (margin < 0 or NaN)"
    NOT_APPLICABLE = "not_applicable", "the claim says nothing about this instance (an assumption or a premise fails)"


class CertificationStatus(Status):
    """What a rigorous (ball-arithmetic) check of one violation proved."""

    CERTIFIED = "certified", "the violation is proved at the computed iterate"
    NOT_CERTIFIED = "not_certified", "the balls straddle the bound: no proof either way"
    UNAVAILABLE = "unavailable", "the check could not run on this instance"


@attrs.frozen
class Source:
    """Where a claim comes from.

    Attributes:
        authors: "Luo, Xu, Gao, Fazel, Du".
        year: publication year.
        locator: "Theorem 4", "Lemma 3.2", "Section 0.2".
        provenance: "paper" (stated there) or "reconstructed" (our derivation, or the paper's constants unknown).
        arxiv: arXiv id, if any.
        note: what was reconstructed and how it was checked.
    """

    authors: str
    year: int
    locator: str
    provenance: str = attrs.field(validator=lambda _i, _a, v: check_choice("provenance", v, PROVENANCES))
    arxiv: str | None = None
    note: str = ""

    @property
    def paper(self) -> str:
        """Authors and year."""
        return f"{self.authors} {self.year}"

    def cite(self) -> str:
        """One line: authors year, locator, arXiv, provenance."""
        arx = f", arXiv {self.arxiv}" if self.arxiv else ""
        return f"{self.paper}, {self.locator}{arx} [{self.provenance}]"


def _frozen_values(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({k: readonly(v) if isinstance(v, np.ndarray) else v for k, v in values.items()})


@attrs.frozen
class Case:
    """A named bundle of arrays and scalars: the instance of a claim that is not one GD problem.

    Used for pure matrix inequalities and for batches of seeds (rate claims).
    """

    values: Mapping[str, Any] = attrs.field(converter=_frozen_values, eq=False)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def describe(self) -> str:
        """Scalars in full, arrays by shape."""
        parts = []
        for k, v in self.values.items():
            if isinstance(v, np.ndarray):
                parts.append(f"{k}: array{v.shape}")
            elif isinstance(v, float):
                parts.append(f"{k}={v:.4g}")
            elif not isinstance(v, (Instance, Case)):
                parts.append(f"{k}={v}")
        return ", ".join(parts)


def describe(instance: Any) -> str:
    """One line for an Instance, a Case, or anything else."""
    return instance.describe() if hasattr(instance, "describe") else repr(instance)


@attrs.frozen
class Outcome:
    """A conclusion's evaluation: ``margin >= 0`` holds; the more negative, the worse the violation.

    Attributes:
        margin: signed slack in the claim's own units (stated in the claim's docs).
        quantity: what was measured ("loss", "sigma_min", "imbalance drift").
        step: where the margin is smallest (GD step), if meaningful.
        detail: numbers behind the margin, for a human.
        applicable: False when the run shows the claim says nothing here (e.g. "if GD converges" and it did
            not within the horizon); the verdict is then "not_applicable", never a silent pass.
        trace: ``(steps, slack)``: the monitored slack over the recorded steps (>= 0 where the claim holds),
            for the report's "quantity against its bound" plot; None when there is no series.
        scale: the size of the quantities the margin is a difference of (e.g. ``max(|lhs|, |rhs|)``), in the
            margin's units; a violation below a few float64 ulps of it is rounding level and is never confirmed
            without a certificate (:mod:`theorycheck.confirm`). None when the conclusion does not state it.
    """

    margin: float
    quantity: str
    step: int | None = None
    detail: str = ""
    applicable: bool = True
    trace: tuple[np.ndarray, np.ndarray] | None = attrs.field(default=None, eq=False)
    scale: float | None = None


@attrs.frozen
class Verdict:
    """The result of checking one claim on one instance."""

    claim_id: str
    status: VerdictStatus = attrs.field(converter=VerdictStatus)
    margin: float
    quantity: str
    step: int | None
    detail: str
    instance: Any = attrs.field(eq=False)
    elapsed: float = attrs.field(default=0.0, eq=False)
    tags: tuple[str, ...] = ()
    trace: tuple[np.ndarray, np.ndarray] | None = attrs.field(default=None, eq=False)
    precision: str = "float64"
    scale: float | None = None
    artifact: bool = False  # a float64 violation the in-search rung did not reproduce, reported as holding
    # the procedure's run that produced this verdict (None: a pure claim, or an assumption failed): a report
    # plots its series from it instead of running the dynamics again (report.trajectory)
    run: RunResult | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def violated(self) -> bool:
        """True when the conclusion failed on an instance meeting the assumptions."""
        return self.status == VerdictStatus.VIOLATED

    @property
    def described(self) -> str:
        """The instance in one line (the end of :meth:`summary`)."""
        return describe(self.instance)

    def summary(self) -> str:
        """The finding in one line."""
        where = f" at step {self.step:,}" if self.step is not None else ""
        return (
            f"{self.claim_id}: {self.status}; {self.quantity} margin {self.margin:.3g}{where}"
            f" ({self.detail}) on {self.described}"
        )


@attrs.frozen
class Assumption:
    """A named predicate on an instance; a claim says nothing about instances failing it."""

    name: str
    predicate: Callable[[Any], bool]


@attrs.frozen
class Procedure:
    """How a claim runs the dynamics on an :class:`Instance`.

    Attributes:
        method: "gd" or "gf".
        record: what to record (GD); for GF ``observables`` at ``gf_records`` evenly spaced times.
        precision: the arithmetic (the confirmation ladder, :mod:`theorycheck.confirm`, overrides it).
        t_max: GF horizon as a function of the instance (GF only).
        gf_records: number of GF record times.
        gtol: stop GD once ||grad|| <= gtol (status STATIONARY), for claims about limits.
    """

    method: str = attrs.field(default="gd", validator=lambda _i, _a, v: check_choice("method", v, ("gd", "gf")))
    record: Recording | None = None
    precision: Precision = FLOAT64
    t_max: Callable[[Instance], float] | None = None
    gf_records: int = 50
    gtol: float = 0.0

    def run(self, instance: Instance, precision: Precision | None = None) -> RunResult:
        """Run the instance (B = 1).

        For gradient flow ``precision`` chooses the solver: None, solve_ivp's DOP853 at its default tolerances
        (rtol 1e-10); ``FLOAT64`` given explicitly, DOP853 at rtol 1e-13, atol 1e-15 (the ladder's tight rung);
        any high-precision backend, mpmath's Taylor-series solver at its bits
        (:func:`~theorycheck.dynamics.flow_hp.run_gf_taylor`).
        """
        if self.method == "gf":
            if self.t_max is None:
                msg = "a GF procedure needs t_max"
                raise ValueError(msg)
            horizon = float(self.t_max(instance))
            names = self.record.observables if self.record is not None else ("loss",)
            times = np.linspace(0.0, horizon, self.gf_records)
            args = (instance.objective, instance.target.matrix, instance.init)
            if precision is not None and not precision.is_float64:
                from theorycheck.dynamics.flow_hp import run_gf_taylor

                return run_gf_taylor(
                    *args,
                    data=instance.data,
                    t_max=horizon,
                    bits=precision.bits,
                    record_times=times,
                    observables=names,
                    tol=instance.tol,
                )
            tight = precision is not None  # explicit float64: the ladder's tight rung
            return run_gf(
                *args,
                data=instance.data,
                t_max=horizon,
                record_times=times,
                observables=names,
                tol=instance.tol,
                rtol=1e-13 if tight else 1e-10,
                atol=1e-15 if tight else 1e-12,
            )
        return instance.run(precision=precision or self.precision, record=self.record, gtol=self.gtol)


Conclusion = Callable[[Any, RunResult | None], Outcome]


@attrs.frozen
class Certification:
    """A rigorous check of one violation at one computed iterate.

    Attributes:
        status: a :class:`CertificationStatus` (its ``message`` says what each means).
        detail: what was proved, with the enclosure.
        lower, upper: an enclosure of the violation amount (> 0 means violated), when computed.
        bits: working precision of the balls.
    """

    status: CertificationStatus = attrs.field(converter=CertificationStatus)
    detail: str
    lower: float = math.nan
    upper: float = math.nan
    bits: int = 0


Certificate = Callable[[Any, "Verdict", int], Certification]


@attrs.frozen
class Claim:
    """A property with provenance.

    Attributes:
        id: ``<firstauthor><year>.<locator>.<short_name>``, stable (test ids and reports use it).
        statement: the claim in one or two sentences.
        source: :class:`Source`.
        conclusion: ``(instance, run) -> Outcome``; ``run`` is None without a procedure.
        procedure: how to run the dynamics, or None for a claim about the instance itself.
        assumptions: predicates the instance must meet (strategies meet them by construction where they can).
        expect: "holds" (a theorem) or "refuted" (a false variant the search must refute).
        tightness: what is known about how sharp the statement is.
        tags: instance -> regime tags (kappa bucket, init kind), reported as Hypothesis events.
        setting: the model, target and initialisation family the claim is about.
        algorithm: GD or GF, and the step-size rule.
        certificate: a rigorous per-iterate check of a violation in ball arithmetic (see
            :mod:`theorycheck.claims._certificates`), or None where the quantity allows none.
    """

    id: str
    statement: str
    source: Source
    conclusion: Conclusion
    procedure: Procedure | None = None
    assumptions: tuple[Assumption, ...] = ()
    expect: str = attrs.field(default="holds", validator=lambda _i, _a, v: check_choice("expect", v, EXPECTATIONS))
    tightness: str = ""
    tags: Callable[[Any], tuple[str, ...]] | None = None
    setting: str = ""
    algorithm: str = ""
    certificate: Certificate | None = None

    def __attrs_post_init__(self) -> None:
        """Derive the procedure from a ready-made conclusion's needs; reject one that records too little.

        No procedure: GD recording exactly what the conclusion reads. A procedure without a recording
        (``Procedure()``): that recording filled in. A procedure whose recording misses an observable the
        conclusion reads, or records on a coarser grid than it compares: :class:`InvalidArgument` naming both.
        """
        needs = needs_of(self.conclusion)
        if needs is None:
            _check_certificate_grid(self.id, self.certificate, self.procedure)
            return
        procedure = self.procedure
        if procedure is None:
            if needs.method == "gf":
                raise InvalidArgument(
                    "procedure", None, f"claim {self.id!r} has a gradient-flow conclusion but no procedure",
                    "pass procedure=Procedure(method='gf', t_max=...)",
                )
            procedure = Procedure(record=needs.recording())
        elif procedure.record is None and needs.observables:
            procedure = attrs.evolve(procedure, record=needs.recording())
        problem = mismatch(self.id, self.conclusion, procedure.method, procedure.record)
        if problem is not None:
            raise problem
        object.__setattr__(self, "procedure", procedure)
        _check_certificate_grid(self.id, self.certificate, procedure)

    def doc(self) -> str:
        """The PEPit-style description: setting, algorithm, statement, reference, tightness."""
        return "\n".join(
            f"{name}: {text}"
            for name, text in (
                ("Setting", self.setting),
                ("Algorithm", self.algorithm),
                ("Statement", self.statement),
                ("Reference", self.source.cite() + (f". {self.source.note}" if self.source.note else "")),
                ("Tightness", self.tightness),
            )
        )


def _check_certificate_grid(claim_id: str, certificate: Certificate | None, procedure: Procedure | None) -> None:
    """A certificate comparing consecutive steps needs a GD recording of every step (else it checks the wrong pair)."""
    from theorycheck.claims._certificates import needs_every_step

    if not needs_every_step(certificate):
        return
    record = procedure.record if procedure is not None and procedure.method == "gd" else None
    if record is None or record.every != 1:
        every = None if record is None else record.every
        raise InvalidArgument(
            "certificate", "one_step_rise(...)",
            f"claim {claim_id!r} records every={every}, but the certificate compares consecutive GD steps",
            "record every step: procedure=Procedure(record=Recording(every=1, ...))",
        )


def check(claim: Claim, instance: Any, *, precision: Precision | None = None) -> Verdict:
    """Check ``claim`` on one instance: assumptions, then the procedure, then the conclusion.

    ``precision`` is the arithmetic of the procedure's run; for a claim without a procedure whose conclusion is
    written against a numeric context (``pure(..., numeric=True)``), it is the arithmetic of the conclusion itself
    (``Precision("mpmath", bits)``: mpmath at ``bits`` on the instance's exact inputs).

    A NaN margin counts as a violation (the conclusion could not be evaluated: a finding, not a pass).
    """
    started = time.perf_counter()
    tags = claim.tags(instance) if claim.tags is not None else ()
    for assumption in claim.assumptions:
        if not assumption.predicate(instance):
            return Verdict(
                claim.id,
                VerdictStatus.NOT_APPLICABLE,
                math.inf,
                assumption.name,
                None,
                "assumption fails",
                instance,
                time.perf_counter() - started,
                tags,
            )
    run = claim.procedure.run(instance, precision) if claim.procedure is not None else None
    from theorycheck.claims._conclusions import PureConclusion  # here: _conclusions imports this module

    conclusion = claim.conclusion
    if run is None and precision is not None and not precision.is_float64 and isinstance(conclusion, PureConclusion):
        outcome = conclusion.evaluate_at(instance, precision)  # a margin written against a numeric context
    else:
        outcome = claim.conclusion(instance, run)
    if not isinstance(outcome, Outcome):
        raise InvalidType(
            "conclusion", outcome, f"of claim {claim.id} returned a {type(outcome).__name__}, not an Outcome",
            "return Outcome(margin, quantity, step, detail) (or use a ready-made conclusion, e.g. pure(...))",
        )
    margin = float(outcome.margin)
    status = VerdictStatus.HOLDS if margin >= 0 else VerdictStatus.VIOLATED  # NaN >= 0 is False: NaN violates
    if not outcome.applicable:
        status = VerdictStatus.NOT_APPLICABLE
    return Verdict(
        claim.id,
        status,
        margin,
        outcome.quantity,
        outcome.step,
        outcome.detail,
        instance,
        time.perf_counter() - started,
        tags,
        outcome.trace,
        str(precision or (claim.procedure.precision if claim.procedure is not None else FLOAT64)),
        None if outcome.scale is None else float(outcome.scale),
        run=run,
    )

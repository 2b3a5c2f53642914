"""Checking claims end to end: resolve a target, search, confirm on the precision ladder, write reports.

The CLI (``theorycheck check``, ``replay``, ``demo``) is a thin layer over this module:

* :func:`resolve` turns ``TARGET`` (a catalogue id, a claim file, or ``FILE::NAME``) into :class:`Target` s;
* :func:`check_target` searches one of them (Hypothesis, the profile's budget), runs the full precision
  ladder once on the shrunk violation (and on float64 artifacts the search set aside), and writes a report
  folder for each;
* :func:`replay` re-checks a stored instance from its report, bit for bit.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from theorycheck.catalogue import CATALOGUE, Entry
from theorycheck.claims import Claim, Verdict, check
from theorycheck.config import Profile
from theorycheck.confirm import Confirmation, ConfirmationStatus, confirm
from theorycheck.errors import ClaimFileError as ClaimFileError  # noqa: PLC0414  # re-exported (PEP 484): its import path before errors.py held it
from theorycheck.errors import InvalidArgument
from theorycheck.report import build, load_instance, read_record, write_report
from theorycheck.search.hypothesis import Refinement, SearchStats, Theorem, search
from theorycheck.tasks import ClaimRef


def _claim_ref(ref: ClaimRef | Mapping[str, Any]) -> ClaimRef:
    return ClaimRef.of(ref)


@attrs.frozen
class Target:
    """A claim with its instance strategy and where it was found.

    Attributes:
        entry: the claim, its strategy factory and budgets.
        ref: how to load it again (its data, ``{"kind": ...}``, is read too).
    """

    entry: Entry
    ref: ClaimRef = attrs.field(converter=_claim_ref)

    @property
    def claim(self) -> Claim:
        """The claim."""
        return self.entry.claim


@attrs.frozen
class ClaimOutcome:
    """What checking one target found.

    Attributes:
        claim: the claim.
        stats: the search's statistics (examples, worst margin, artifacts set aside).
        violation: the shrunk float64 violation, or None.
        confirmation: its precision ladder, or None.
        reports: folders written (the violation's, then artifacts').
        artifacts: confirmations of float64 violations the in-search rung set aside.
    """

    claim: Claim
    stats: SearchStats
    violation: Verdict | None
    confirmation: Confirmation | None
    reports: tuple[Path, ...]
    artifacts: tuple[Confirmation, ...] = ()

    @property
    def counterexample(self) -> bool:
        """A confirmed or certified counterexample was found."""
        return self.confirmation is not None and self.confirmation.is_counterexample

    @property
    def unconfirmed(self) -> bool:
        """A float64 violation no rung decided: neither a counterexample nor an artifact (exit status 3).

        An artifact is not a finding (the ladder showed the float64 violation is rounding, as pytest's in-search
        rung does when it sets one aside): it is reported and counted, and leaves the check's status at 0.
        """
        if self.violation is not None and self.confirmation is None:
            return True
        decided = [*self.artifacts, *([self.confirmation] if self.confirmation is not None else [])]
        return any(c.status == ConfirmationStatus.UNDECIDED for c in decided)


@contextlib.contextmanager
def _on_path(folder: str) -> Iterator[None]:
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def _entry_of(value: Any) -> Entry | None:
    """A module-level claim: an :class:`Entry`, or a :class:`Theorem` (``@theorem``, ``property_test``)."""
    if isinstance(value, Entry):
        return value
    if isinstance(value, Theorem):
        strategy = value.instances
        return Entry(
            value.claim, lambda: strategy, cost=value.cost, refinable=value.refinable, scaling=value.scaling
        )
    return None


def load_file(path: str) -> dict[str, Entry]:
    """Import a claim file and return its claims by variable name.

    A claim is a module-level :class:`Entry` or a test made by ``property_test(claim, strategy)``.

    Raises:
        ClaimFileError: the file is missing, fails to import (the message names the exception and line),
            defines no claim, or defines two different claims with one id.
    """
    file = Path(path)
    if not file.is_file():
        msg = f"claim file {path!r} does not exist. Fix: give a catalogue claim id (theorycheck list) or a .py path"
        raise ClaimFileError(msg)
    digest = hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:10]
    name = f"theorycheck_claims_{file.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        msg = f"claim file {path!r} cannot be imported. Fix: pass a Python file ending in .py"
        raise ClaimFileError(msg)
    module = importlib.util.module_from_spec(spec)
    with _on_path(str(file.resolve().parent)):
        try:
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            sys.modules.pop(name, None)
            tb = exc.__traceback__
            line = None
            while tb is not None:
                if Path(tb.tb_frame.f_code.co_filename).resolve() == file.resolve():
                    line = tb.tb_lineno
                tb = tb.tb_next
            where = f" (line {line})" if line else ""
            msg = f"claim file {path!r} does not import{where}: {type(exc).__name__}: {exc}"
            raise ClaimFileError(msg) from exc
    found = {k: e for k, v in vars(module).items() if not k.startswith("_") and (e := _entry_of(v)) is not None}
    by_id: dict[str, dict[int, str]] = {}  # claim id -> distinct claim objects -> a name each
    for k, e in found.items():
        by_id.setdefault(e.claim.id, {}).setdefault(id(e.claim), k)
    twice = sorted((cid, sorted(names.values())) for cid, names in by_id.items() if len(names) > 1)
    if twice:
        cid, names = twice[0]
        msg = (
            f"claim file {path!r} defines different claims with the same id {cid!r} ({', '.join(names)}): their "
            "reports, kept counterexamples and campaigns would mix. Fix: give each claim its own id"
        )
        raise ClaimFileError(msg)
    if not found:
        msg = (
            f"claim file {path!r} defines no claims. Fix: decorate a function with @tc.theorem(...) (see "
            "`theorycheck new FILE`), or define test = property_test(CLAIM, instances()) or an Entry at module level"
        )
        raise ClaimFileError(msg)
    return found


def resolve(text: str) -> list[Target]:
    """``TARGET`` -> targets: a catalogue id, a claim file (all its claims), or ``FILE::NAME``.

    Raises:
        InvalidArgument: an unknown claim id (with the nearest ids) or an unknown NAME in the file.
        ClaimFileError: see :func:`load_file`.
    """
    if text in CATALOGUE:
        return [Target(CATALOGUE[text], ClaimRef.catalogue(text))]
    path, _, name = text.partition("::")
    if path.endswith(".py") or os.path.sep in path or Path(path).is_file():
        entries = load_file(path)
        ref = str(Path(path).resolve())
        if name:
            hits = {k: e for k, e in entries.items() if name in (k, e.claim.id)}
            if not hits:
                raise InvalidArgument(
                    "TARGET", text, f"names no claim in {path}", f"use one of: {', '.join(sorted(entries))}"
                )
            entries = hits
        return [Target(e, ClaimRef.in_file(ref, k)) for k, e in sorted(entries.items())]
    import difflib

    near = difflib.get_close_matches(text, list(CATALOGUE), n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(near)}?" if near else "see `theorycheck list`"
    raise InvalidArgument("TARGET", text, "is not a catalogue claim id or a .py file", hint)


def ref_source(target: Target) -> str | None:
    """The claim file's text for a file target (shipped to remote workers, which may not share this disk)."""
    if target.ref.in_catalogue or target.ref.file is None:
        return None
    return Path(target.ref.file).read_text(encoding="utf-8")


def resolve_ref(ref: ClaimRef | Mapping[str, Any], source: str | None = None) -> Target:
    """The target a ``Target.ref`` names, in a worker process.

    A file target whose file is missing here, or differs from ``source`` (the text the controller read), is
    loaded from ``source`` written to a private temporary folder under the same file name: a remote Dask
    worker checks exactly the claims the user ran.
    """
    ref = ClaimRef.of(ref)
    if ref.in_catalogue:
        return Target(CATALOGUE[str(ref.id)], ref)
    name = str(ref.name)
    path = Path(str(ref.file))
    text = source if source is not None else (path.read_text(encoding="utf-8") if path.is_file() else "")
    key = (str(ref.file), name, hashlib.sha256(text.encode()).hexdigest()[:16])
    if key in _RESOLVED:  # a worker runs many chunks of one campaign: import the claim file once
        return _RESOLVED[key]
    if source is not None and (not path.is_file() or path.read_text(encoding="utf-8") != source):
        import tempfile

        # one folder per file content: re-resolving the same text reuses it
        folder = Path(tempfile.gettempdir()) / f"theorycheck-claims-{key[2]}"
        folder.mkdir(exist_ok=True)
        path = folder / path.name
        if not path.is_file():
            path.write_text(source, encoding="utf-8")
    entries = load_file(str(path))
    if name not in entries:
        raise InvalidArgument("claim_ref.name", name, f"is not in {ref.file}", "was the file edited?")
    _RESOLVED[key] = Target(entries[name], ref)
    return _RESOLVED[key]


_RESOLVED: dict[tuple[str, str, str], Target] = {}


def budget(target: Target, profile: Profile, examples: int | None) -> int:
    """Examples to run: ``examples`` if given, else the profile's budget divided by the claim's cost."""
    if examples is not None:
        return examples
    entry = target.entry
    if entry.claim.expect == "refuted":
        return entry.refute_budget or profile.refute_examples
    return max(2, profile.max_examples // entry.cost)


def check_target(
    target: Target,
    *,
    profile: Profile,
    examples: int | None = None,
    report_dir: str | None = "reports",
    on_example: Callable[[SearchStats], None] | None = None,
) -> ClaimOutcome:
    """Search ``target``, confirm what it finds on the precision ladder, write reports (unless ``report_dir=None``)."""
    claim = target.claim
    limit = budget(target, profile, examples)
    violation, stats = search(
        claim,
        target.entry.instances(),
        max_examples=limit,
        profile=profile,
        cost=target.entry.cost,
        on_example=on_example,
        refinement=Refinement.of(profile),
    )
    how = {
        "method": "hypothesis generate+target+shrink, then refinement over the draws and boundary search"
        if profile.refine_share > 0
        else "hypothesis generate+target+shrink",
        "stage": stats.first_violation_stage,
        "examples": stats.examples,
        "refine_evals": stats.refine_evals,
        "profile": profile.name,
        "seed": profile.seed,
        "budget": limit,
    }
    reports: list[Path] = []
    confirmation = None
    if violation is not None:
        confirmation = confirm(claim, violation)
        if report_dir is not None:
            ref = target.ref.to_data()
            files = build(claim, violation, confirmation, claim_ref=ref, how_found=how, report_root=report_dir)
            reports.append(write_report(report_dir, files))
    artifacts = []
    for art in stats.artifacts[:1]:  # one artifact report per claim: the first one the cheap rung set aside
        conf = confirm(claim, art)
        artifacts.append(conf)
        if report_dir is not None:
            how_art = {**how, "method": "hypothesis generate (set aside by the in-search precision rung)"}
            files = build(claim, art, conf, claim_ref=target.ref.to_data(), how_found=how_art, report_root=report_dir)
            reports.append(write_report(report_dir, files))
    return ClaimOutcome(claim, stats, violation, confirmation, tuple(reports), tuple(artifacts))


@attrs.frozen
class Replay:
    """A stored instance re-checked: the new verdict, the stored margin, and whether they agree bit for bit."""

    claim: Claim
    verdict: Verdict
    stored_margin: float
    confirmation: Confirmation | None

    @property
    def identical(self) -> bool:
        """The float64 margin is the stored one, bit for bit (NaN equals NaN)."""
        a, b = self.verdict.margin, self.stored_margin
        return (math.isnan(a) and math.isnan(b)) or a.hex() == b.hex()


def _claim_from_ref(data: Mapping[str, Any]) -> Claim:
    ref = ClaimRef.from_data(data)
    if ref.in_catalogue:
        if ref.id not in CATALOGUE:
            problem = "is not in this version's catalogue"
            raise InvalidArgument("claim_ref.id", ref.id, problem, "upgrade theorycheck")
        return CATALOGUE[ref.id].claim
    entries = load_file(str(ref.file))
    if ref.name not in entries:
        raise InvalidArgument("claim_ref.name", ref.name, f"is not in {ref.file}", "was the file edited?")
    return entries[ref.name].claim


def replay(folder: str, *, ladder: bool = True) -> Replay:
    """Load a report's claim and instance, re-check it in float64 and (if ``ladder``) re-run the precision ladder."""
    record = read_record(folder)
    if not record.get("replayable", False):
        raise InvalidArgument("REPORT_DIR", folder, "holds an instance that was not stored bit-exactly", "rerun check")
    claim = _claim_from_ref(record["claim_ref"])
    instance = load_instance(folder)
    verdict = check(claim, instance)  # its elapsed time is measured by check itself
    conf = confirm(claim, verdict) if ladder and verdict.violated else None
    stored = float.fromhex(record["verdict"]["margin"]["$float"])
    return Replay(claim, verdict, stored, conf)

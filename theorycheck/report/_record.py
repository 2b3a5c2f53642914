"""Build a counterexample report: the versioned JSON record, its arrays and the plotted series.

Building is separate from writing (:mod:`._writer`): pytest-xdist workers build a :class:`ReportFiles`,
send it to the controller as a string (:meth:`ReportFiles.dumps`) and the controller writes it once. The
plotted series are read from the run the check made (``Verdict.run``, see :func:`trajectory`); the dynamics run
again only when that run did not record them.

Schema ``theorycheck.counterexample/1`` (the JSON beside ``instance.npz``):

``schema``, ``created``, ``claim`` (id, statement, paper, locator, provenance, arxiv, note, expect, setting,
algorithm, tightness), ``claim_ref`` (how to load the claim again: ``{"kind": "catalogue", "id"}`` or
``{"kind": "file", "file", "name"}``), ``status`` (confirmed | certified | artifact | undecided),
``status_reason``, ``verdict`` (status, margin, quantity, step, detail, precision, seconds), ``instance``
(the :mod:`._codec` tree; arrays in ``instance.npz``), ``instance_summary``, ``replayable``,
``precision_ladder`` (per rung: arithmetic, status, margin, seconds, detail, the scale of the quantity and the
margin relative to it), ``certification``,
``how_found`` (method, examples, profile, seed), ``replay`` (a shell command), ``example`` (Python code),
``environment`` (versions, platform, worker), ``timing``. Floats are ``{"$float": hex, "value": ...}``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import pprint
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from theorycheck.claims import Claim, Verdict, describe
from theorycheck.confirm import Confirmation
from theorycheck.dynamics import Recording, RunResult, run_gf
from theorycheck.dynamics.instance import Instance
from theorycheck.dynamics.observables import compute, stack
from theorycheck.errors import InvalidType
from theorycheck.report._codec import encode

SCHEMA = "theorycheck.counterexample/1"
INLINE_LIMIT = 4000  # array entries up to which the @example snippet carries the instance inline
_PACKAGES = ("theorycheck", "numpy", "scipy", "numba", "hypothesis", "mpmath", "python-flint", "attrs")


def _f(x: float | None) -> Any:
    if x is None:
        return None
    return {"$float": float(x).hex(), "value": float(x) if np.isfinite(x) else str(x)}


def environment() -> dict[str, Any]:
    """Versions and machine facts recorded in every report."""
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "versions": versions,
        "worker": os.environ.get("PYTEST_XDIST_WORKER"),
        "pid": os.getpid(),
    }


PLOTTED = ("loss", "singular_values", "imbalances")  # the observable groups a report page plots


def trajectory(
    claim: Claim, instance: Any, points: int = 300, *, run: RunResult | None = None
) -> dict[str, np.ndarray]:
    """Float64 series for the plots: loss, singular values of each layer and of the product, imbalances.

    Read from ``run``, the run the check already made (``Verdict.run``), when it holds them: a float64 GD run
    of this instance that recorded the loss and the weights at every step of the plot's grid (steps 0,
    ``max_steps // points``, ... as below); the singular values and imbalances are computed from those weights,
    so the series are bit for bit the ones a fresh run would give. Otherwise (no run given, a run that recorded
    less or on another grid, a gradient-flow claim, a high-precision run) the instance is run again, GD or GF
    for a GF claim, recording about ``points`` times. Empty for instances that are not one trajectory (a
    :class:`Case`).
    """
    if not isinstance(instance, Instance) or claim.procedure is None:
        return {}
    recorded = _recorded(run, instance, points) if claim.procedure.method == "gd" else None
    if recorded is not None:
        x, observed = recorded
    else:
        x, observed = _run_again(claim, instance, points)
    out = {"x": np.asarray(x, dtype=float)}
    for key, arr in observed.items():
        series = np.asarray(arr)[:, 0]
        if key.startswith("imbalance"):
            series = np.linalg.norm(series.reshape(series.shape[0], -1), axis=1)
        out[key] = np.asarray(series)
    return out


def _grid(instance: Instance, points: int) -> Recording:
    return Recording(every=max(1, instance.max_steps // points), observables=PLOTTED)


def _recorded(
    run: RunResult | None, instance: Instance, points: int
) -> tuple[np.ndarray, Mapping[str, np.ndarray]] | None:
    """The plotted observables at the plot's grid from the check's own run, or None if it did not record them."""
    if run is None or run.method != "gd" or not run.precision.is_float64 or run.batch_size != 1:
        return None
    if not {"loss", "weights"} <= set(run.observables):
        return None
    grid = _grid(instance, points).steps(instance.max_steps)
    at = np.asarray(run.record_at)
    rows = np.searchsorted(at, grid)
    if rows.max() >= at.size or not np.array_equal(at[rows], grid):
        return None  # recorded on another grid (or fewer steps): the plot's points are not all there
    weights, loss = run.observables["weights"], run.observables["loss"]
    # one record at a time, as the run computed them: (1, n_params) each
    records = [compute(run.objective, weights[i], PLOTTED, loss[i], np.zeros_like(loss[i])) for i in rows]
    return grid, stack(records)


def _run_again(claim: Claim, instance: Instance, points: int) -> tuple[np.ndarray, Mapping[str, np.ndarray]]:
    """Run the instance again, recording the plotted observables about ``points`` times."""
    assert claim.procedure is not None
    if claim.procedure.method == "gf" and claim.procedure.t_max is not None:
        horizon = float(claim.procedure.t_max(instance))
        run = run_gf(
            instance.objective,
            instance.target.matrix,
            instance.init,
            data=instance.data,
            t_max=horizon,
            record_times=np.linspace(0.0, horizon, points),
            observables=PLOTTED,
        )
    else:
        run = instance.run(record=_grid(instance, points), gtol=claim.procedure.gtol)
    return np.asarray(run.record_at), run.observables


@attrs.frozen
class ReportFiles:
    """Everything one report folder holds, before it is written.

    Attributes:
        name: the folder name, ``<claim id>-<digest>`` (the digest covers claim, status and instance bits, so
            the same counterexample written twice by two workers is one folder).
        record: the JSON record.
        arrays: the ``.npz`` contents (instance arrays ``a0, a1, ...``, the trace, the plotted series).
        html: the self-contained page.
    """

    name: str
    record: Mapping[str, Any]
    arrays: Mapping[str, np.ndarray]
    html: str

    def npz_bytes(self) -> bytes:
        """The arrays as ``.npz`` bytes (``allow_pickle`` is never needed to read them)."""
        buf = io.BytesIO()
        arrays: dict[str, Any] = {k: np.asarray(v) for k, v in self.arrays.items()}
        np.savez(buf, **arrays)
        return buf.getvalue()

    def dumps(self) -> str:
        """One string (for pytest-xdist's report transport)."""
        return json.dumps(
            {
                "name": self.name,
                "record": self.record,
                "npz": base64.b64encode(self.npz_bytes()).decode("ascii"),
                "html": self.html,
            }
        )

    @classmethod
    def loads(cls, text: str) -> ReportFiles:
        """Inverse of :meth:`dumps`."""
        raw = json.loads(text)
        with np.load(io.BytesIO(base64.b64decode(raw["npz"])), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        return cls(raw["name"], raw["record"], arrays, raw["html"])


def _digest(claim_id: str, status: str, arrays: Mapping[str, np.ndarray], tree: Any) -> str:
    h = hashlib.sha256(f"{claim_id}|{status}|{json.dumps(tree, sort_keys=True)}".encode())
    for k in sorted(arrays):
        h.update(k.encode())
        h.update(np.ascontiguousarray(arrays[k]).tobytes())
    return h.hexdigest()[:12]


def slug(text: str, limit: int = 80) -> str:
    """A folder-safe form of a claim id: ``[A-Za-z0-9._-]`` only, no leading dot, at most ``limit`` characters."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).lstrip(".")
    return (safe or "claim")[:limit]


def _claim_block(claim: Claim) -> dict[str, Any]:
    s = claim.source
    return {
        "id": claim.id,
        "statement": claim.statement,
        "paper": s.paper,
        "locator": s.locator,
        "provenance": s.provenance,
        "arxiv": s.arxiv,
        "note": s.note,
        "expect": claim.expect,
        "setting": claim.setting,
        "algorithm": claim.algorithm,
        "tightness": claim.tightness,
        "reference": s.cite(),
    }


def example_code(claim: Claim, tree_inline: Any | None, folder: str) -> str:
    """Ready-to-paste code that pins the counterexample as a Hypothesis ``@example``."""
    if tree_inline is None:
        build = f"load_instance({folder!r})"
        imports = "from theorycheck.report import load_instance"
    else:
        build = f"rebuild(\n{pprint.pformat(tree_inline, width=110, compact=True)}\n)"
        imports = "from theorycheck.report import rebuild"
    return (
        f"# pins the counterexample to {claim.id}: put @example on the @given test that draws its instance,\n"
        "# or pass examples=[...] to theorycheck.search.hypothesis.property_test\n"
        f"from hypothesis import example\n{imports}\n\n"
        f"COUNTEREXAMPLE = {build}\n"
        "# @example(COUNTEREXAMPLE)\n"
        "# test = property_test(CLAIM, instances(), examples=[COUNTEREXAMPLE])\n"
    )


def build(
    claim: Claim,
    verdict: Verdict,
    confirmation: Confirmation,
    *,
    claim_ref: Mapping[str, Any],
    how_found: Mapping[str, Any],
    report_root: str = "reports",
) -> ReportFiles:
    """Assemble a report (JSON record, arrays, HTML page) for one violation and its confirmation."""
    from theorycheck.report._html import render_report

    replayable = True
    try:
        tree, arrays = encode(verdict.instance)
        inline_tree: Any | None = None
        if sum(a.size for a in arrays.values()) <= INLINE_LIMIT:
            inline_tree = encode(verdict.instance, inline=True)[0]
    except InvalidType as exc:
        tree, arrays, inline_tree, replayable = {"unencodable": str(exc)}, {}, None, False
    name = f"{slug(claim.id)}-{_digest(claim.id, confirmation.status, arrays, tree)}"
    folder = str(Path(report_root) / name)
    series = trajectory(claim, verdict.instance, run=verdict.run)
    all_arrays: dict[str, np.ndarray] = dict(arrays)
    all_arrays.update({f"series_{k}": v for k, v in series.items()})
    if verdict.trace is not None:
        all_arrays["trace_steps"] = np.asarray(verdict.trace[0], dtype=float)
        all_arrays["trace_slack"] = np.asarray(verdict.trace[1], dtype=float)
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "claim": _claim_block(claim),
        "claim_ref": dict(claim_ref),
        "status": confirmation.status,
        "status_reason": confirmation.reason,
        "verdict": {
            "status": verdict.status,
            "margin": _f(verdict.margin),
            "quantity": verdict.quantity,
            "step": verdict.step,
            "detail": verdict.detail,
            "precision": verdict.precision,
            "scale": _f(verdict.scale),
            "seconds": verdict.elapsed,
        },
        "instance": tree,
        "instance_summary": describe(verdict.instance),
        "arrays_file": "instance.npz",
        "replayable": replayable,
        "precision_ladder": [
            {"precision": r.precision, "status": r.status, "margin": _f(r.margin), "seconds": r.elapsed,
             "detail": r.detail, "scale": None if r.scale is None else _f(r.scale),
             "relative": None if r.relative is None else _f(r.relative)}
            for r in confirmation.rungs
        ],
        "certification": None
        if confirmation.certification is None
        else {
            "status": confirmation.certification.status,
            "detail": confirmation.certification.detail,
            "lower": _f(confirmation.certification.lower),
            "upper": _f(confirmation.certification.upper),
            "bits": confirmation.certification.bits,
        },
        "how_found": dict(how_found),
        "replay": f"theorycheck replay {folder}",
        "example": example_code(claim, inline_tree, folder) if replayable else None,
        "environment": environment(),
        "timing": {"check_seconds": verdict.elapsed, "ladder_seconds": sum(r.elapsed for r in confirmation.rungs[1:])},
    }
    html = render_report(record, all_arrays)
    return ReportFiles(name, record, all_arrays, html)

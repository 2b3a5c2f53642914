"""The HTML page of a ``theorycheck scale`` sweep: verdicts first, the log-log plots with the fit, the data.

Self-contained like the counterexample pages (inline SVG, no script, CSP ``default-src 'none'``); every
string shown goes through :func:`html.escape`.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np

from theorycheck.claims import regressor
from theorycheck.report._html import _page, _table, esc
from theorycheck.report._scale_record import ScaleRecord
from theorycheck.report._svg import Series, line_chart

MAX_GROUPS = 3  # lines per chart: the smallest, middle and largest values of the other axes


def _pick(keys: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    if len(keys) <= MAX_GROUPS:
        return keys
    return [keys[0], keys[len(keys) // 2], keys[-1]]


def _chart(record: ScaleRecord, k: int, *, with_bound: bool = False) -> str:
    """Measured medians against axis ``k`` (a line per value of the other axes), the fit or the bound dashed.

    The stated bound gets its own chart (``with_bound``): it can sit decades above the data and would flatten
    the view of the fit.
    """
    varied = record.varied
    axis = varied[k]
    others = [v for i, v in enumerate(varied) if i != k]
    groups: dict[tuple[float, ...], dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    bounds: dict[tuple[float, ...], dict[float, float]] = defaultdict(dict)
    for r in record.rows:
        key = tuple(r.params[o.name] for o in others)
        x = r.params[axis.name]
        if r.value is not None:
            groups[key][x].append(r.value)
        if r.bound is not None:
            bounds[key][x] = r.bound
    series = []
    fit = record.fit
    for i, key in enumerate(_pick(sorted(groups))):
        label = ", ".join(f"{o.name}={v:g}" for o, v in zip(others, key, strict=True)) or "measured"
        xs = np.array(sorted(groups[key]))
        ys = np.array([statistics.median(groups[key][x]) for x in xs])
        series.append(Series(f"{label} (median of repeats)" if i == 0 else label, xs, ys))
        if fit is not None and not with_bound:
            coef = {a.name: a.exponent for a in fit.axes}
            logt = fit.intercept + coef[axis.name] * regressor(axis.form, xs)
            for o, v in zip(others, key, strict=True):
                logt = logt + coef[o.name] * regressor(o.form, np.array([v]))
            series.append(Series(f"fit {label}" if others else "fit", xs, np.exp(logt), dashed=True))
        if with_bound and bounds.get(key):
            bx = np.array(sorted(bounds[key]))
            series.append(
                Series(
                    f"stated bound {label}" if others else "stated bound",
                    bx,
                    np.array([bounds[key][x] for x in bx]),
                    dashed=True,
                )
            )
    what = "the stated bound" if with_bound else "the fit"
    return line_chart(
        series,
        title=f"{record.quantity} against {axis.name}, with {what} (log-log)",
        xlabel=axis.name,
        ylabel=record.quantity,
        log_x=True,
        log_y=True,
        width=720,
        height=360,
    )


def render_scale(record: ScaleRecord | Mapping[str, Any]) -> str:
    """The whole page for one sweep record (or ``scale.json``'s data, schema ``theorycheck.scale/1``)."""
    record = record if isinstance(record, ScaleRecord) else ScaleRecord.from_data(record)
    claim = record.claim
    fit = record.fit
    if fit is None:
        verdict_rows = []
        law = f"no fit: {record.fit_error}"
    else:
        verdict_rows = [
            [
                a.term,
                f"{a.exponent:.4g}",
                f"± {a.half_width:.2g}",
                "" if a.stated is None else f"{a.stated:g}",
                a.verdict,
            ]
            for a in fit.axes
        ]
        law = f"{fit.model}; R² = {fit.r2:.4f}, {fit.n} runs, {fit.dof} degrees of freedom"
        if fit.r2 < 0.9:
            law += ". R² is below 0.9: the law fits poorly and the exponents are indicative only"
    banner = "BOUND VIOLATED" if record.bound_violated else "NO VIOLATION OF THE STATED BOUND"
    charts = "".join(_chart(record, k) for k in range(len(record.varied)))
    if any(r.bound is not None for r in record.rows):
        charts += _chart(record, 0, with_bound=True)
    data_rows = [
        [
            json.dumps(dict(r.params)),
            r.repeat,
            "not reached" if r.value is None else f"{r.value:g}",
            r.horizon,
            "" if r.bound is None else f"{r.bound:.4g}",
        ]
        for r in record.rows
    ]
    env = record.environment
    level = fit.level if fit is not None else 0.95
    body = (
        f"<h1>{esc(banner)}: scaling of {esc(claim.id)}</h1>"
        f"<p><b>{esc(claim.reference)}</b>: {esc(claim.statement)}</p>"
        f"<p>Stated: {esc(record.stated)}.</p><p>Measured: {esc(record.quantity)}; {esc(record.setting)}.</p>"
        f"<h2>Fitted exponents ({int(100 * level)}% intervals)</h2>"
        f"<p>{esc(law)}</p>"
        + _table(["term", "fitted exponent", "interval", "stated", "verdict"], verdict_rows)
        + f"<p>Point by point: {esc(record.bound)}.</p>"
        + f"<p>{record.censored} runs did not reach the target within their horizon (left out of the fit); "
        f"{record.tasks_done} of {record.tasks} tasks done"
        + (f", lost: {esc(', '.join(record.tasks_lost))}" if record.tasks_lost else "")
        + f"; stopped: {esc(record.stopped)}.</p>"
        + f"<h2>Plots</h2>{charts}"
        + f"<h2>Reproduce</h2><pre>{esc(record.command)}</pre>"
        + "<h2>Runs</h2>"
        + _table(["parameters", "repeat", record.quantity, "horizon", "stated bound"], data_rows)
        + f"<p>Environment: Python {esc(env.get('python', '?'))} on {esc(env.get('platform', '?'))}.</p>"
    )
    return _page(f"{banner}: scaling of {claim.id}", body)

"""Self-contained HTML pages: one per counterexample, and the index of a report folder.

Pages are static: inline CSS, plots as inline SVG (:mod:`._svg`), no script and no network. Every string
shown passes through :func:`html.escape` (claim names, notes and file names come from users' files).
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from theorycheck.confirm import ConfirmationStatus
from theorycheck.report._run_record import RunRecord
from theorycheck.report._scale_record import ScaleEntry
from theorycheck.report._svg import Series, line_chart

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.banner{padding:.7em 1em;border-radius:6px;font-weight:600;margin:1em 0}
.confirmed,.certified{background:#fde2e1;border:1px solid #d33}
.artifact{background:#e6f2ff;border:1px solid #36c}.undecided{background:#fff4d6;border:1px solid #c90}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
pre{background:#f6f6f6;padding:.7em;overflow-x:auto;font-size:13px}code{font-size:13px}
.charts svg{display:block;margin:.8em 0;max-width:100%;height:auto}
"""

# the record's status (a plain string when read back from JSON) -> the banner
BANNERS = {status.value: status.message for status in ConfirmationStatus}


def esc(value: Any) -> str:
    """Escape anything for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def fmt_float(node: Any) -> str:
    """A report float node (``{"$float": hex, "value": v}``) or a plain number, for display."""
    if isinstance(node, Mapping) and "$float" in node:
        value = float.fromhex(node["$float"])
        return f"{value:.6g}"
    if isinstance(node, float):
        return f"{node:.6g}"
    return "" if node is None else str(node)


def _stage(how: Any) -> str:
    stage = how.get("stage") if isinstance(how, dict) else None
    return f" (stage that found it: {stage})" if stage else ""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], *, raw_cols: Sequence[int] = ()) -> str:
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if k in raw_cols else esc(c)}</td>" for k, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    thead = f"<thead><tr>{th}</tr></thead>" if any(head) else ""  # a two-column key/value table has no heading
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _charts(arrays: Mapping[str, np.ndarray], quantity: str) -> str:
    out = []
    x = arrays.get("series_x")
    if x is not None:
        xs = np.asarray(x, dtype=float)
        if "series_loss" in arrays:
            out.append(
                line_chart(
                    [Series("loss", xs, np.asarray(arrays["series_loss"], dtype=float))],
                    title="Loss (log scale)", xlabel="step / time", ylabel="loss", log_y=True,
                )
            )
        sv = []
        for key in sorted(k for k in arrays if k.startswith(("series_sv_layer", "series_sv_product"))):
            vals = np.asarray(arrays[key], dtype=float)
            label = key.removeprefix("series_sv_").replace("layer", "W_")
            for i in range(vals.shape[1] if vals.ndim == 2 else 1):
                col = vals[:, i] if vals.ndim == 2 else vals
                sv.append(Series(f"{label} s{i + 1}", xs, col, dashed=key.endswith("product")))
        if sv:
            out.append(
                line_chart(sv, title="Singular values of each layer and of the product (dashed)",
                           xlabel="step / time", ylabel="singular value", log_y=True)
            )
        imb = [
            Series(f"||D_{k.removeprefix('series_imbalance')}||_F", xs, np.asarray(arrays[k], dtype=float))
            for k in sorted(arrays)
            if k.startswith("series_imbalance")
        ]
        if imb:
            out.append(
                line_chart(imb, title="Imbalance D_j = W_{j+1}^H W_{j+1} - W_j W_j^H (Frobenius norm)",
                           xlabel="step / time", ylabel="norm", log_y=True)
            )
    if "trace_steps" in arrays:
        out.append(
            line_chart(
                [Series(f"slack of {quantity}", np.asarray(arrays["trace_steps"]), np.asarray(arrays["trace_slack"]))],
                title=f"Monitored quantity against its bound: slack of {quantity} (violated below 0)",
                xlabel="step", ylabel="slack", hline=0.0, hline_label="bound",
            )
        )
    if not out:
        return "<p>No trajectory to plot: the instance is not a single run (a batch or a pure matrix claim).</p>"
    return '<div class="charts">' + "\n".join(out) + "</div>"


def render_report(record: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> str:
    """The counterexample page: banner first, then claim, finding, ladder, plots, instance, how to reproduce."""
    claim = record["claim"]
    status = record["status"]
    verdict = record["verdict"]
    step = "" if verdict["step"] is None else f" at step {verdict['step']:,}"
    ladder = _table(
        ["arithmetic", "status", "margin", "margin / scale", "seconds", "detail"],
        [
            [
                r["precision"],
                r["status"],
                fmt_float(r["margin"]),
                "—" if r.get("relative") is None else fmt_float(r["relative"]),
                f"{r['seconds']:.3g}",
                r["detail"],
            ]
            for r in record["precision_ladder"]
        ],
    )
    cert = record.get("certification")
    cert_html = "<p>No ball-arithmetic certificate for this quantity.</p>" if cert is None else (
        f"<p><b>{esc(cert['status'])}</b> ({esc(cert['bits'])} bits): {esc(cert['detail'])}</p>"
    )
    doc_rows = [
        ["Setting", claim["setting"]],
        ["Algorithm", claim["algorithm"]],
        ["Statement", claim["statement"]],
        ["Reference", claim["reference"] + (f". {claim['note']}" if claim["note"] else "")],
        ["Tightness", claim["tightness"]],
        ["Expected", "holds (a theorem)" if claim["expect"] == "holds" else "refuted (a false variant)"],
    ]
    env = record["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
    how = record["how_found"]
    body = f"""
<div class="banner {esc(status)}" id="status">{esc(BANNERS.get(status, status))}</div>
<h1>{esc(claim['id'])}</h1>
<p>{esc(record['status_reason'])}</p>
<h2>Claim</h2>{_table(["", ""], doc_rows)}
<h2>Finding</h2>
<p><b>{esc(verdict['quantity'])}</b> margin <b>{esc(fmt_float(verdict['margin']))}</b>{esc(step)}
 ({esc(verdict['detail'])}), float64 check in {verdict['seconds']:.3g} s.</p>
<p>Instance: {esc(record['instance_summary'])}</p>
<h2>Precision ladder</h2>{ladder}
<h2>Certificate</h2>{cert_html}
<h2>Plots</h2>{_charts(arrays, verdict['quantity'])}
<h2>Reproduce</h2>
<pre>{esc(record['replay'])}</pre>
<p>Pin it in a test:</p><pre>{esc(record['example'] or 'not replayable: ' + json.dumps(record['instance']))}</pre>
<p>Found by {esc(how.get('method', '?'))}{esc(_stage(how))} after {esc(how.get('examples', '?'))} examples
 (profile {esc(how.get('profile', '?'))}, seed {esc(how.get('seed', '?'))}).
 Arrays bit-exact in <code>{esc(record['arrays_file'])}</code>; record <code>report.json</code>
 (schema {esc(record['schema'])}), created {esc(record['created'])}.</p>
<p>Environment: Python {esc(env['python'])} on {esc(env['platform'])}; {esc(versions)}.</p>
<h2>Instance (bit-exact, JSON)</h2><pre>{esc(json.dumps(record['instance'], indent=1)[:20000])}</pre>
"""
    return _page(f"{status}: {claim['id']}", body)


def render_index(
    reports: Sequence[Mapping[str, Any]],
    runs: Sequence[RunRecord],
    scales: Sequence[ScaleEntry] = (),
) -> str:
    """The index page: the runs' summary table, one row per report (newest first), then the scaling sweeps."""
    run_rows = [
        [
            r.started, r.command, r.claims, r.examples, r.violations, r.confirmed, r.artifacts, r.undecided,
            f"{r.seconds:.1f}",
        ]
        for r in runs
    ]
    rep_rows = [
        [
            f"<a href=\"{esc(urllib.parse.quote(r['folder']))}/report.html\">{esc(r['claim']['id'])}</a>",
            esc(r["status"]),
            esc(r["verdict"]["quantity"]),
            esc(fmt_float(r["verdict"]["margin"])),
            esc(r["instance_summary"][:160]),
            esc(r["created"]),
        ]
        for r in reports
    ]
    kinds = (
        ConfirmationStatus.CERTIFIED, ConfirmationStatus.CONFIRMED, ConfirmationStatus.ARTIFACT,
        ConfirmationStatus.UNDECIDED,
    )
    totals = {s: sum(1 for r in reports if r["status"] == s) for s in kinds}
    summary = ", ".join(f"{n} {s}" for s, n in totals.items())
    body = (
        f"<h1>theorycheck reports</h1><p>{len(reports)} reports: {esc(summary)}.</p>"
        "<h2>Runs</h2>"
        + _table(
            ["started", "command", "claims checked", "examples run", "violations", "confirmed", "artifacts",
             "undecided", "seconds"],
            run_rows,
        )
        + "<h2>Counterexamples and artifacts</h2>"
        + _table(["claim", "status", "quantity", "margin", "instance", "created"], rep_rows, raw_cols=range(6))
    )
    if scales:
        scale_rows = [
            [
                f'<a href="{esc(urllib.parse.quote(s.folder))}/scale.html">{esc(s.claim)}</a>',
                esc("BOUND VIOLATED" if s.violated else "holds"),
                esc("; ".join(s.fit)),
                esc(s.bound),
                esc(s.created),
            ]
            for s in scales
        ]
        body += "<h2>Scaling sweeps</h2>" + _table(
            ["claim", "verdict", "fitted exponents", "point by point", "created"], scale_rows, raw_cols=range(5)
        )
    return _page("theorycheck reports", body)

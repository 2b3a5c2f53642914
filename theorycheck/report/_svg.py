"""Inline SVG line charts for the HTML reports: stdlib and numpy only, no script, no network.

Contract of :func:`line_chart`: it returns one well-formed ``<svg class="tc-chart" role="img">`` element
with ``xmlns``, ``viewBox``, ``width``/``height``, an ``aria-label`` and a ``<title>``. Every string shown
(title, axis labels, legend labels, the reference line's label) passes through :func:`html.escape`.
Points whose x or y is not finite or beyond 1e300 in size (on a log axis: whose y is not positive) are
dropped and the line breaks there: each finite run is its own ``<polyline>``, never joined across a gap.
Each series is cut to at most :data:`MAX_POINTS` points (uniform stride, first and last kept). When nothing
is plottable the chart still renders and says ``no finite data``. The output is a pure function of the
input: coordinates carry at most two decimals, so the same data gives the same string.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

MAX_POINTS = 2000  # per series, so that pages stay small
MAX_LEGEND = 12
# Okabe-Ito, the colour-blind-friendly palette; yellow (#F0E442) left out as unreadable on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
HLINE_COLOUR = "#999999"
_LINEAR_LIMIT = 1e300  # beyond this, differences of values overflow: treated as unplottable
_MARGIN = (64, 16, 30, 42)  # left, right, top, bottom


def _floats(value: object) -> Floats:
    return np.asarray(value, dtype=np.float64).ravel()


@attrs.frozen(eq=False)
class Series:
    """One line: a label for the legend, x and y (1-D, same length; nan, inf and non-positives allowed)."""

    label: str
    x: Floats = attrs.field(converter=_floats)
    y: Floats = attrs.field(converter=_floats)
    dashed: bool = False


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _num(v: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _segments(s: Series, *, log_y: bool, log_x: bool = False) -> list[tuple[Floats, Floats]]:
    """The finite runs of a series as (transformed x, transformed y), decimated; a dropped point breaks the line."""
    n = min(s.x.size, s.y.size)
    x, y = s.x[:n], s.y[:n]
    good = np.isfinite(x) & np.isfinite(y) & (np.abs(x) < _LINEAR_LIMIT)
    good &= (y > 0) if log_y else (np.abs(y) < _LINEAR_LIMIT)
    if log_x:
        good &= x > 0
        x = np.log10(x, where=good, out=np.zeros(n))
    idx = np.arange(n) if n <= MAX_POINTS else np.unique(np.linspace(0, n - 1, MAX_POINTS).round().astype(np.intp))
    idx = idx[good[idx]]
    if idx.size == 0:
        return []
    bad_so_far = np.cumsum(~good)
    cuts = np.flatnonzero(bad_so_far[idx[1:]] != bad_so_far[idx[:-1]]) + 1
    ty = np.log10(y, where=good, out=np.zeros(n)) if log_y else y
    return [(x[part], ty[part]) for part in np.split(idx, cuts)]


def _padded(lo: float, hi: float) -> tuple[float, float]:
    """A non-empty range: a constant (or numerically constant) range is widened around its value."""
    if hi - lo > max(1e-9 * max(abs(lo), abs(hi)), 1e-200):  # 1e-200: tick steps must stay normal floats
        return lo, hi
    pad = 0.1 * abs(lo) if abs(lo) > 1e-200 else 1.0
    return lo - pad, hi + pad


def _ticks(lo: float, hi: float, *, log: bool) -> tuple[float, float, list[tuple[float, str]]]:
    """The range widened to whole ticks, and about five (value, label) ticks: 1/2/5 x 10^k, or decades."""
    if log:
        first, last = math.floor(lo), math.ceil(hi)
        stride = max(1, math.ceil((last - first) / 5))
        decades = range(math.ceil(first / stride) * stride, last + 1, stride)
        return first, last, [(float(k), "1" if k == 0 else f"1e{k}") for k in decades]
    raw = (hi - lo) / 5
    mag = 10.0 ** math.floor(math.log10(raw))
    step = mag * next(m for m in (1, 2, 5, 10) if raw / mag <= m * (1 + 1e-9))  # the smallest nice step >= raw
    k0, k1 = math.floor(lo / step), math.ceil(hi / step)
    return k0 * step, k1 * step, [(k * step, f"{k * step:.3g}") for k in range(k0, k1 + 1)]


def _legend(series: Sequence[Series], right: int, top: int) -> str:
    rows = [(s.label, PALETTE[i % len(PALETTE)], s.dashed) for i, s in enumerate(series[:MAX_LEGEND])]
    extra = len(series) - MAX_LEGEND
    width = 34 + 6.5 * max([len(r[0]) for r in rows] + ([8] if extra > 0 else []))
    height = 14 * (len(rows) + (extra > 0)) + 6
    box = (f'<rect x="{_num(right - width)}" y="{top}" width="{_num(width)}" height="{height}" '
           'fill="#ffffff" fill-opacity="0.85" stroke="#dddddd"/>')
    out = [box]
    for i, (label, colour, dashed) in enumerate(rows):
        y = top + 14 * i + 13
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        out.append(f'<line x1="{right - 24}" y1="{y - 4}" x2="{right - 6}" y2="{y - 4}" stroke="{colour}" '
                   f'stroke-width="2"{dash}/><text x="{right - 28}" y="{y}" text-anchor="end">{_esc(label)}</text>')
    if extra > 0:
        out.append(f'<text x="{right - 28}" y="{top + 14 * len(rows) + 13}" text-anchor="end">+{extra} more</text>')
    return "".join(out)


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    log_y: bool = False,
    log_x: bool = False,
    hline: float | None = None,
    hline_label: str = "",
    width: int = 640,
    height: int = 300,
) -> str:
    """One ``<svg>`` line chart of ``series``, with an optional dashed horizontal reference line ``hline``.

    On a log axis an ``hline`` that is not positive cannot be drawn and is left out; ``log_x`` drops x <= 0.
    """
    if width < 200 or height < 120:
        raise ValueError(f"a chart needs at least 200x120 pixels, got {width}x{height}")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="tc-chart" role="img" aria-label="{_esc(title)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" '
            f'font-size="11"><title>{_esc(title)}</title><rect width="{width}" height="{height}" fill="#ffffff"/>'
            f'<text x="{width // 2}" y="18" text-anchor="middle" font-size="13">{_esc(title)}</text>')
    segs = [_segments(s, log_y=log_y, log_x=log_x) for s in series]
    xs = [a for ss in segs for a, _ in ss]
    ys = [b for ss in segs for _, b in ss]
    if not xs:
        return (f'{head}<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="#666666">'
                "no finite data</text></svg>")
    ref = None
    if hline is not None and math.isfinite(hline) and abs(hline) < _LINEAR_LIMIT and (hline > 0 or not log_y):
        ref = math.log10(hline) if log_y else float(hline)
    xlo, xhi, xticks = _ticks(*_padded(min(float(a.min()) for a in xs), max(float(a.max()) for a in xs)), log=log_x)
    ylo_data = min([float(b.min()) for b in ys] + ([ref] if ref is not None else []))
    yhi_data = max([float(b.max()) for b in ys] + ([ref] if ref is not None else []))
    ylo, yhi, yticks = _ticks(*_padded(ylo_data, yhi_data), log=log_y)
    left, right, top, bottom = _MARGIN[0], width - _MARGIN[1], _MARGIN[2], height - _MARGIN[3]

    def sx(v: Floats | float) -> Floats:
        return np.asarray(left + (np.asarray(v) - xlo) / (xhi - xlo) * (right - left), dtype=np.float64)

    def sy(v: Floats | float) -> Floats:
        return np.asarray(bottom - (np.asarray(v) - ylo) / (yhi - ylo) * (bottom - top), dtype=np.float64)

    out = [head, '<g stroke="#e5e5e5" stroke-width="1">']
    out += [f'<line x1="{_num(float(sx(v)))}" y1="{top}" x2="{_num(float(sx(v)))}" y2="{bottom}"/>' for v, _ in xticks]
    out += [f'<line x1="{left}" y1="{_num(float(sy(v)))}" x2="{right}" y2="{_num(float(sy(v)))}"/>' for v, _ in yticks]
    out.append(f'</g><rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" '
               'stroke="#444444"/><g fill="#333333">')
    out += [f'<text x="{_num(float(sx(v)))}" y="{bottom + 14}" text-anchor="middle">{_esc(t)}</text>'
            for v, t in xticks]
    out += [f'<text x="{left - 5}" y="{_num(float(sy(v)) + 4)}" text-anchor="end">{_esc(t)}</text>' for v, t in yticks]
    out.append(f'<text x="{(left + right) // 2}" y="{height - 8}" text-anchor="middle">{_esc(xlabel)}</text>'
               f'<text x="14" y="{(top + bottom) // 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {(top + bottom) // 2})">{_esc(ylabel)}</text></g>')
    if ref is not None:
        y = _num(float(sy(ref)))
        out.append(f'<line class="tc-hline" x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="{HLINE_COLOUR}" '
                   f'stroke-width="1.5" stroke-dasharray="6 4"/><text x="{left + 4}" y="{_num(float(sy(ref)) - 4)}" '
                   f'fill="#777777">{_esc(hline_label)}</text>')
    for i, (s, ss) in enumerate(zip(series, segs, strict=True)):
        dash = ' stroke-dasharray="6 3"' if s.dashed else ""
        for a, b in ss:
            px, py = sx(a), sy(b)
            pts = " ".join(f"{_num(float(p))},{_num(float(q))}" for p, q in zip(px, py, strict=True))
            pts = pts if a.size > 1 else f"{pts} {pts}"  # a lone point: a zero-length line, drawn as a round dot
            out.append(f'<polyline points="{pts}" fill="none" stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="1.5" '
                       f'stroke-linecap="round" stroke-linejoin="round"{dash}/>')
    if series:
        out.append(_legend(series, right - 4, top + 4))
    out.append("</svg>")
    return "".join(out)

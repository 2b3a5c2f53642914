"""Inline SVG line charts for the HTML reports (theorycheck.report._svg)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from theorycheck.report._svg import MAX_LEGEND, MAX_POINTS, PALETTE, Series, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _chart(series, **kw):
    kw = {"title": "t", "xlabel": "x", "ylabel": "y", **kw}
    return line_chart(series, **kw)


def _parse(svg):
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed XML


def _polylines(root):
    return root.findall(f".//{SVG}polyline")


def _points(polyline):
    return [tuple(float(c) for c in p.split(",")) for p in polyline.get("points").split()]


def _texts(root):
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_the_chart_is_one_well_formed_svg_element_with_accessible_metadata():
    x = np.linspace(0.0, 10.0, 50)
    root = _parse(_chart([Series("loss", x, np.exp(-x))], title="Loss & co"))
    assert root.tag == f"{SVG}svg"
    assert root.get("class") == "tc-chart"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Loss & co"
    assert root.get("viewBox") == "0 0 640 300"
    assert (root.get("width"), root.get("height")) == ("640", "300")
    assert root.find(f"{SVG}title").text == "Loss & co"
    assert len(_polylines(root)) == 1


def test_labels_are_escaped_so_a_title_cannot_inject_script():
    evil = "<script>alert(1)</script>"
    x = np.arange(5.0)
    svg = _chart(
        [Series(evil, x, x)], title=evil, xlabel=evil, ylabel=evil, hline=1.0, hline_label=evil
    )
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    root = _parse(svg)
    assert root.findall(f".//{SVG}script") == []
    assert _texts(root).count(evil) == 5  # title, x label, y label, hline label, legend entry


def test_quotes_in_a_title_cannot_break_out_of_the_aria_label_attribute():
    title = '" onload="alert(1)'
    root = _parse(_chart([Series("a", [0.0, 1.0], [0.0, 1.0])], title=title))
    assert root.get("aria-label") == title
    assert root.get("onload") is None


def test_a_log_axis_drops_non_positive_and_non_finite_values_and_splits_the_line_there():
    x = np.arange(10.0)
    y = np.array([1.0, 2.0, 0.0, 4.0, 5.0, -1.0, np.nan, 8.0, 9.0, np.inf])
    lines = _polylines(_parse(_chart([Series("a", x, y)], log_y=True)))
    assert [len(_points(p)) for p in lines] == [2, 2, 2]  # (1, 2) | (4, 5) | (8, 9)


def test_a_log_axis_is_labelled_in_powers_of_ten():
    x = np.arange(9.0)
    texts = _texts(_parse(_chart([Series("a", x, 10.0 ** -x)], log_y=True)))
    assert "1e-8" in texts
    assert "1" in texts


def test_a_linear_axis_drops_non_finite_values_but_keeps_zero_and_negatives():
    x = np.arange(6.0)
    y = np.array([-1.0, 0.0, np.nan, 2.0, -np.inf, 3.0])
    lines = _polylines(_parse(_chart([Series("a", x, y)])))
    assert [len(_points(p)) for p in lines] == [2, 1 + 1, 1 + 1]  # a lone point is drawn as a zero-length line
    assert _points(lines[1])[0] == _points(lines[1])[1]


def test_linear_ticks_are_nice_numbers():
    x = np.linspace(0.0, 1.0, 11)
    texts = _texts(_parse(_chart([Series("a", x, 7.0 * x)])))
    assert {"0", "0.2", "0.4", "0.6", "0.8", "1"} <= set(texts)
    assert {"0", "2", "4", "6", "8"} <= set(texts)


@pytest.mark.parametrize("log_y", [False, True], ids=["linear", "log"])
def test_all_unusable_values_still_give_a_valid_chart_that_says_no_finite_data(log_y):
    nan = np.full(4, np.nan)
    bad = [Series("nan", np.arange(4.0), nan), Series("neg", np.arange(4.0), -np.ones(4) if log_y else nan)]
    root = _parse(_chart(bad, log_y=log_y, hline=0.0))
    assert "no finite data" in _texts(root)
    assert _polylines(root) == []


def test_no_series_at_all_says_no_finite_data():
    assert "no finite data" in _texts(_parse(_chart([])))


def test_the_same_input_gives_the_identical_string():
    rng = np.random.default_rng(0)
    x = np.arange(300.0)
    series = [Series("a", x, rng.standard_normal(300)), Series("b", x, rng.standard_normal(300), dashed=True)]
    assert _chart(series, hline=0.0, hline_label="bound") == _chart(series, hline=0.0, hline_label="bound")


def test_coordinates_carry_at_most_two_decimals():
    x = np.linspace(0.0, 1.0, 37)
    root = _parse(_chart([Series("a", x, np.sin(7.0 * x))]))
    for p in _polylines(root):
        for coord in p.get("points").replace(",", " ").split():
            assert len(coord.partition(".")[2]) <= 2


def test_decimation_bounds_the_point_count_and_keeps_the_ends():
    n = 100_001
    x = np.linspace(0.0, 1.0, n)
    root = _parse(_chart([Series("long", x, np.cos(x))]))
    (line,) = _polylines(root)
    pts = _points(line)
    assert len(pts) <= MAX_POINTS
    assert pts[0][0] == 64.0  # first x at the left edge of the plot area
    assert pts[-1][0] == 640 - 16  # last x at the right edge


def test_decimation_never_joins_a_line_across_a_dropped_point():
    n = 50_001
    y = np.ones(n)
    y[12_345] = np.nan  # almost surely not a kept index of the stride
    assert len(_polylines(_parse(_chart([Series("a", np.arange(float(n)), y)])))) == 2


def test_the_reference_line_is_drawn_dashed_with_its_label_and_within_the_y_range():
    x = np.arange(5.0)
    root = _parse(_chart([Series("slack", x, x + 1.0)], hline=-3.0, hline_label="bound"))
    (ref,) = root.findall(f".//{SVG}line[@class='tc-hline']")
    assert ref.get("stroke-dasharray")
    assert "bound" in _texts(root)
    top, bottom = 30, 300 - 42
    assert top <= float(ref.get("y1")) <= bottom
    assert "-4" in _texts(root)  # the y ticks extend to include the reference line


def test_a_non_positive_reference_line_is_left_out_of_a_log_chart():
    root = _parse(_chart([Series("loss", [0.0, 1.0], [1.0, 0.1])], log_y=True, hline=0.0))
    assert root.findall(f".//{SVG}line[@class='tc-hline']") == []


def test_series_get_distinct_palette_colours_and_dashed_series_are_dashed():
    x = np.arange(4.0)
    series = [Series(f"s{i}", x, x + i, dashed=i == 1) for i in range(3)]
    lines = _polylines(_parse(_chart(series)))
    assert [p.get("stroke") for p in lines] == list(PALETTE[:3])
    assert [p.get("stroke-dasharray") is not None for p in lines] == [False, True, False]
    assert all(p.get("fill") == "none" for p in lines)


def test_the_legend_is_capped_and_counts_the_rest():
    x = np.arange(3.0)
    series = [Series(f"series {i}", x, x * i) for i in range(MAX_LEGEND + 5)]
    texts = _texts(_parse(_chart(series)))
    assert "series 11" in texts
    assert "series 12" not in texts
    assert "+5 more" in texts


@pytest.mark.parametrize(
    ("x", "y", "log_y"),
    [
        pytest.param([0.0, 1.0, 2.0], [3.0, 3.0, 3.0], False, id="constant"),
        pytest.param([0.0, 1.0, 2.0], [0.0, 0.0, 0.0], False, id="constant_zero"),
        pytest.param([0.0, 1.0], [1e-8, 1e-8], True, id="constant_log"),
        pytest.param([5.0], [2.0], False, id="single_point"),
        pytest.param([5.0, 5.0], [1.0, 2.0], False, id="single_x"),
    ],
)
def test_degenerate_ranges_are_padded_into_a_sensible_plot(x, y, log_y):
    root = _parse(_chart([Series("a", x, y)], log_y=log_y))
    for px, py in (pt for p in _polylines(root) for pt in _points(p)):
        assert 64 <= px <= 640 - 16
        assert 30 <= py <= 300 - 42
        assert np.isfinite(px)
        assert np.isfinite(py)
    assert len(_texts(root)) >= 4  # title, axis labels, at least some ticks


def test_a_chart_too_small_to_draw_is_refused():
    with pytest.raises(ValueError, match="at least"):
        _chart([Series("a", [0.0], [0.0])], width=50)

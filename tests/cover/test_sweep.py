"""``theorycheck scale``: axes, the exponent fit and its intervals, the Ye & Du sweep, pages and resuming."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from theorycheck.campaign import resolve
from theorycheck.claims import Axis, Scaling
from theorycheck.errors import InvalidArgument
from theorycheck.journal import Journal
from theorycheck.parallel import InlineExecutor
from theorycheck.sweep import fit, parse_vary, summary_line, sweep

T_TOTAL = "yedu2021.thm1_1.converges_within_t_total"
KAPPA_FREE = "yedu2021.F2_5.steps_independent_of_kappa"


def _scaling(target: str = T_TOTAL) -> Scaling:
    (t,) = resolve(target)
    assert t.entry.scaling is not None
    return t.entry.scaling


def test_a_range_becomes_a_log_grid_and_a_list_is_taken_as_given() -> None:
    v = parse_vary("kappa=1..1000", _scaling(), 4)
    assert v.values == (1.0, 10.0, 100.0, 1000.0)
    assert parse_vary("kappa=3,1,2", _scaling(), 4).values == (1.0, 2.0, 3.0)
    assert parse_vary("eps", _scaling(), 3).values == (1e-14, 1e-11, 1e-08)
    assert parse_vary("eps=1e-12..1e-8:power", _scaling(), 3).axis.form == "power"


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ("kapa=1..10", "vary one of: kappa, eps"),
        ("kappa=10..1", "lo >= hi"),
        ("kappa=0..10", "positive and finite"),
        ("eps=1e-3..2", r"in \(0, 1\)"),
        ("kappa=a..b", "is not a number"),
        ("kappa=5,5", "fewer than two"),
        ("kappa=1..10:cubic", "is not a scaling form"),
        ("kappa=1..10:log", "cannot take the log form"),
    ],
)
def test_a_bad_vary_option_names_the_problem_and_the_fix(option: str, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        parse_vary(option, _scaling(), 5)


def test_the_fit_recovers_planted_exponents_inside_its_intervals() -> None:
    rng = np.random.default_rng(0)
    axes = [Axis("kappa", 1, 1, 100, "power", 1.5), Axis("eps", 1e-6, 1e-12, 1e-2, "log", 3.0)]
    params = [{"kappa": k, "eps": e} for k in np.geomspace(1, 1000, 8) for e in np.geomspace(1e-12, 1e-2, 5) for _ in range(3)]
    true = np.array([7 * p["kappa"] ** 1.5 * math.log(1 / p["eps"]) ** 2 for p in params])
    f = fit(axes, params, true * np.exp(0.05 * rng.standard_normal(true.size)))
    (a, b) = f.axes
    assert abs(a.exponent - 1.5) < a.half_width < 0.05
    assert abs(b.exponent - 2.0) < b.half_width < 0.2
    assert a.verdict.startswith("consistent")
    assert b.verdict == "loose"  # stated 3, observed 2
    assert f.r2 > 0.99
    assert f.n == len(params)
    assert f.dof == len(params) - 3


def test_the_fit_leaves_out_runs_that_never_reached_the_target_and_refuses_too_few_rows() -> None:
    axes = [Axis("kappa", 1, 1, 100, "power", 1.0)]
    params = [{"kappa": k} for k in (1.0, 2.0, 4.0, 8.0)]
    f = fit(axes, params, np.array([10.0, 20.0, math.nan, 80.0]))
    assert f.n == 3
    assert f.axes[0].exponent == pytest.approx(1.0)
    with pytest.raises(InvalidArgument, match="too few"):
        fit(axes, params[:2], np.array([1.0, 2.0]))


def test_ye_du_steps_grow_about_linearly_in_kappa_far_below_the_stated_fourth_power(tmp_path: Path) -> None:
    """theorems.md F2.5: about 26, 94, 350, 1200 steps at kappa = 1, 4, 16, 64 (eta = 0.5/sigma_1, eps 1e-10)."""
    (t,) = resolve(T_TOTAL)
    varies = [parse_vary("kappa=1..1000", t.entry.scaling, 7)]
    out = sweep(t, varies, repeats=3, executor=InlineExecutor(), report_dir=str(tmp_path))
    (kappa,) = out.record["fit"]["axes"]
    assert 0.8 < kappa["exponent"] < 1.1
    assert kappa["half_width"] < 0.1
    assert kappa["verdict"] == "loose"
    assert kappa["stated"] == 4.0
    assert "bound holds with slack" in out.record["bound"]
    assert not out.bound_violated
    by_kappa: dict[float, list[float]] = {}
    for r in out.record["rows"]:
        by_kappa.setdefault(r["params"]["kappa"], []).append(r["value"])
    assert 15 < np.median(by_kappa[1.0]) < 40  # about 26
    assert "observed exponent" in summary_line(out.record)
    assert "against the stated 4: loose" in summary_line(out.record)
    page = (out.folder / "scale.html").read_text()
    assert page.count("<svg") == 2  # the fit, and the stated bound on its own chart
    assert "<polyline" in page
    assert "loose" in page
    assert json.loads((out.folder / "scale.json").read_text())["schema"] == "theorycheck.scale/1"


def test_the_kappa_free_variant_is_violated_point_by_point_and_by_its_exponent(tmp_path: Path) -> None:
    (t,) = resolve(KAPPA_FREE)
    out = sweep(t, [parse_vary("kappa=1..100", t.entry.scaling, 4)], repeats=2, executor=InlineExecutor(),
                report_dir=str(tmp_path))
    assert out.bound_violated
    assert out.record["bound"].startswith("bound violated at")
    assert out.record["fit"]["axes"][0]["verdict"].startswith("exceeds")


def test_a_resumed_sweep_runs_only_the_tasks_that_had_not_finished(tmp_path: Path) -> None:
    (t,) = resolve(T_TOTAL)
    varies = [parse_vary("kappa=1..100", t.entry.scaling, 3), parse_vary("eps=1e-12,1e-10", t.entry.scaling, 3)]
    first = sweep(t, varies, repeats=2, executor=InlineExecutor(), report_dir=str(tmp_path))
    journal = Journal(tmp_path / "campaigns" / f"scale-{T_TOTAL}" / "journal.jsonl")
    events = list(journal.events())
    done = [e for e in events if e["event"] == "done"]
    assert len(done) == first.record["tasks"] == 4
    # forget the last result, as if the run had been killed before it came back
    journal.path.write_text("".join(json.dumps(e) + "\n" for e in events if e is not done[-1]))
    again = sweep(t, varies, repeats=2, executor=InlineExecutor(), report_dir=str(tmp_path), resume=True)
    submitted = [e for e in journal.events() if e["event"] == "submit"]
    assert len(submitted) == 4 + 1
    assert again.record["rows"] == first.record["rows"]


def test_a_fit_whose_usable_runs_sit_at_one_value_refuses_to_give_an_exponent() -> None:
    axes = [Axis("kappa", 1, 1, 100, "power", 0.0)]
    params = [{"kappa": k} for k in (1.0, 1.0, 1.0, 10.0, 10.0, 100.0)]
    with pytest.raises(InvalidArgument, match="take one value"):
        fit(axes, params, np.array([5.0, 6.0, 5.5, math.nan, math.nan, math.nan]))


def test_switching_an_axis_to_another_form_drops_the_stated_exponent_of_the_old_one() -> None:
    v = parse_vary("eps=1e-12..1e-8:power", _scaling(), 3)
    assert v.axis.stated is None
    assert parse_vary("eps=1e-12..1e-8:log", _scaling(), 3).axis.stated == 1.0


def test_runs_that_never_reached_the_target_below_the_bound_are_reported_undecided() -> None:
    import attrs

    from theorycheck.report import ScaleRow
    from theorycheck.sweep import _check_bound

    rows = [ScaleRow({"kappa": 1.0}, 0, 10.0, 100, 50.0), ScaleRow({"kappa": 2.0}, 0, None, 100, 500.0)]
    text, violated = _check_bound(rows, stated=True)
    assert not violated
    assert "1 runs undecided" in text
    rows[1] = attrs.evolve(rows[1], horizon=1000)
    text, violated = _check_bound(rows, stated=True)
    assert violated
    assert "not reached within the horizon" in text

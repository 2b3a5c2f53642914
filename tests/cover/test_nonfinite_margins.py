"""A non-finite margin is a violation everywhere: NaN and -inf through check, stress and pytest; +inf holds.

Hypothesis's ``target()`` rejects NaN and infinities; the glue passes a finite score instead, so a diverged run
or a NaN slack is counted and reported as the violation ``check()`` says it is, never a crash (exit 2).
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import pytest

from theorycheck.cli import main
from theorycheck.search.hypothesis import ClaimViolated, target_score

FILE = """
import math
from hypothesis import strategies as st
import theorycheck.strategies as tcs
from theorycheck.claims import Case, Claim, Source, pure
from theorycheck.search.hypothesis import property_test

MARGIN = {margin!r}

def margin(case):
    # the margin is fine except on half the range, where it is {margin!r} (a NaN slack, a diverged run)
    return (float(MARGIN) if case["x"] > 0.5 else 1.0), "planted"

CLAIM = Claim(id="planted.nonfinite", statement="a planted non-finite margin",
              source=Source("Tests", 2026, "planted", "reconstructed"), conclusion=pure("slack", margin))
nonfinite = property_test(CLAIM, st.builds(lambda x: Case({{"x": x}}), tcs.finite_floats(0.0, 1.0)))
"""


def _file(tmp_path: Path, margin: str) -> Path:
    path = tmp_path / f"nonfinite_{margin.replace('-', 'minus_')}.py"
    path.write_text(FILE.format(margin=margin))
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_target_scores_are_finite_and_rank_nan_and_minus_inf_as_the_worst_violations() -> None:
    assert target_score(math.nan) == target_score(-math.inf) == 1e300
    assert target_score(math.inf) == -1e300
    assert target_score(-2.0) == 2.0
    assert target_score(-1e308) == 1e300


@pytest.mark.parametrize("margin", ["nan", "-inf"])
def test_check_reports_a_non_finite_margin_as_a_violation_not_a_crash(tmp_path: Path, margin: str) -> None:
    code, out, err = run("check", str(_file(tmp_path, margin)), "--profile", "ci", "--report-dir", str(tmp_path / "r"))
    assert code in (1, 3), err  # a violation (confirmed, or undecided without a high-precision path), not 2
    assert "1 violations" in out
    assert "Traceback" not in err


def test_check_passes_a_claim_whose_margin_is_plus_infinity(tmp_path: Path) -> None:
    code, out, err = run("check", str(_file(tmp_path, "inf")), "--profile", "ci", "--report-dir", str(tmp_path / "r"))
    assert code == 0, out + err
    assert "no violation" in out


@pytest.mark.parametrize("margin", ["nan", "-inf"])
def test_stress_reports_a_non_finite_margin_as_a_violation_not_a_crash(tmp_path: Path, margin: str) -> None:
    code, out, err = run("stress", str(_file(tmp_path, margin)), "--budget", "3s", "--workers", "1",
                         "--report-dir", str(tmp_path / "r"))
    assert code in (1, 3), err
    assert "violated" in out
    assert "Traceback" not in err


@pytest.mark.parametrize("margin", ["nan", "-inf"])
def test_a_property_test_fails_with_claim_violated_on_a_non_finite_margin(tmp_path: Path, margin: str) -> None:
    namespace: dict[str, object] = {}
    exec(compile(FILE.format(margin=margin), "nonfinite.py", "exec"), namespace)  # noqa: S102 - our own planted text
    with pytest.raises(ClaimViolated) as caught:
        namespace["nonfinite"]()  # type: ignore[operator]
    assert not caught.value.verdict.margin >= 0


def test_pytest_on_a_nan_margin_file_fails_the_test_and_does_not_error(tmp_path: Path) -> None:
    path = _file(tmp_path, "nan")
    test = tmp_path / "test_nan_margin.py"
    test.write_text(path.read_text())
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(test), "-q", "-p", "no:cacheprovider", "--theorycheck-profile=ci",
         f"--theorycheck-report-dir={tmp_path / 'r'}", "-o", "python_functions=nonfinite"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: a test failed (2 would be an internal error)
    assert "1 failed" in proc.stdout
    assert "planted.nonfinite violated" in proc.stdout

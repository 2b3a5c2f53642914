"""The pytest11 plugin, run through pytester in subprocesses, with and without pytest-xdist."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.common.claims import CLAIM_FILE

pytest_plugins = ["pytester"]

PASSING = """
from hypothesis import strategies as st
from theorycheck.claims import Claim, Outcome, Source, pure
from theorycheck.search.hypothesis import property_test

CLAIM = Claim(id="t.ok", statement="x*x >= 0", source=Source("T", 2026, "1", "paper"),
              conclusion=pure("square", lambda c: (c * c, "")))
test_square = property_test(CLAIM, st.floats(-1e3, 1e3))
"""

SEED_PROBE = """
import os
from pathlib import Path
import pytest

@pytest.mark.parametrize("k", range(4))
def test_probe(k):
    out = Path(os.environ["SEED_PROBE_DIR"])  # the calling test's own folder: nothing shared with other runs
    out.mkdir(exist_ok=True)
    (out / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{k}").write_text(os.environ["THEORYCHECK_SEED"])
"""


def _reports(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "runs")


def _run(pytester: pytest.Pytester, *extra: str) -> pytest.RunResult:
    pytester.makepyfile(test_mine=CLAIM_FILE)
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--theorycheck-profile=ci", "--theorycheck-report-dir=out",
        "--junitxml=junit.xml", *extra, timeout=600,
    )


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist-n2"])
def test_a_violated_claim_gets_one_report_written_by_the_controller(pytester: pytest.Pytester, xdist: list[str]) -> None:
    pytester.makepyfile(test_fine=PASSING)
    result = _run(pytester, *xdist)
    result.assert_outcomes(failed=1, passed=1)
    text = result.stdout.str()
    assert "reproduce with: --theorycheck-profile=ci --theorycheck-seed=0" in text
    assert "theorycheck counterexample reports" in text
    assert "precision ladder: CERTIFIED" in text
    (folder,) = _reports(pytester.path / "out")
    record = json.loads((folder / "report.json").read_text())
    assert record["status"] == "certified"
    assert record["claim_ref"] == {"kind": "file", "file": str(pytester.path / "test_mine.py"), "name": "test_loss_monotone"}
    assert record["how_found"]["nodeid"] == "test_mine.py::test_loss_monotone"
    assert (pytester.path / "out" / "index.html").is_file()
    suite = ET.parse(pytester.path / "junit.xml").getroot()  # noqa: S314 - our own file
    counts = suite.find("testsuite") if suite.tag == "testsuites" else suite
    assert counts is not None
    assert counts.get("failures") == "1"
    assert counts.get("tests") == "2"
    if xdist:
        assert re.search(r"created: 2/2 workers", text)


def test_passing_claims_write_no_reports(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fine=PASSING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--theorycheck-report-dir=out", "-n", "2")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "out").exists()


def test_report_dir_none_switches_reports_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine=CLAIM_FILE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--theorycheck-profile=ci", "--theorycheck-report-dir=none"
    )
    result.assert_outcomes(failed=1)
    assert not (pytester.path / "none").exists()


def test_workers_run_with_the_seed_the_controller_drew_and_printed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_probe=SEED_PROBE)
    seeds_dir = pytester.path / "seeds"
    monkeypatch.setenv("SEED_PROBE_DIR", str(seeds_dir))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--theorycheck-profile=default", "-n", "2", "-s"
    )
    result.assert_outcomes(passed=4)
    seed = re.search(r"--theorycheck-seed=(\d+)", result.stdout.str())
    assert seed is not None
    probes = list(seeds_dir.iterdir())
    assert len(probes) == 4
    values = {p.read_text() for p in probes}
    assert values == {seed.group(1)}
    assert {p.name.split("-")[0] for p in probes} <= {"gw0", "gw1"}


LOGGED = """
from pathlib import Path
from hypothesis import strategies as st
from theorycheck.claims import Case, Claim, Source, pure
from theorycheck.search.hypothesis import property_test

LOG = Path(__file__).with_name("seen.txt")

def margin(case):
    with LOG.open("a") as fh:  # every example this claim checks, in order
        fh.write(repr(case["x"]) + "\\n")
    return 0.9 - case["x"], "planted: false above 0.9"

CLAIM = Claim(id="t.logged", statement="x <= 0.9", source=Source("T", 2026, "1", "paper"),
              conclusion=pure("slack", margin))
test_logged = property_test(CLAIM, st.builds(lambda x: Case({"x": x}), st.floats(0.0, 1.0)))
"""


def test_a_counterexample_found_by_pytest_is_replayed_first_by_the_next_run_in_the_same_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THEORYCHECK_DATABASE", raising=False)  # the default store, in the folder pytest runs in
    pytester.makepyfile(test_logged=LOGGED)
    log = pytester.path / "seen.txt"
    first = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--theorycheck-profile=ci", "--theorycheck-report-dir=out")
    first.assert_outcomes(failed=1)
    store = pytester.path / ".theorycheck" / "examples"
    assert f"counterexamples kept in {store}" in first.stdout.str()
    checked = log.read_text().split()
    found = checked[-1]  # Hypothesis runs the shrunk counterexample last
    assert float(found) > 0.9
    assert checked[0] != found  # the first run did not start there (so the second one starting there is the store)
    log.unlink()
    # another profile and seed: the replay depends on neither
    second = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--theorycheck-profile=default", "--theorycheck-seed=12345", "--theorycheck-report-dir=out2"
    )
    second.assert_outcomes(failed=1)
    assert log.read_text().split()[0] == found
    (folder,) = _reports(pytester.path / "out2")
    assert json.loads((folder / "report.json").read_text())["how_found"]["stage"] == "reuse"


def test_an_unwritable_report_folder_stops_pytest_before_any_test_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine=CLAIM_FILE)
    (pytester.path / "afile").write_text("not a folder")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--theorycheck-report-dir=afile/reports")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--theorycheck-report-dir=" in result.stderr.str()
    assert "Fix: " in result.stderr.str()
    assert not (pytester.path / "seen.txt").exists()

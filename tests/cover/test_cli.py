"""The ``theorycheck`` command: list, check, replay, report; every user mistake is one line and exit 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.common.claims import CLAIM_FILE
from theorycheck.catalogue import CATALOGUE
from theorycheck.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_list_json_gives_every_claim_with_the_documented_keys() -> None:
    code, out, _ = run("list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == len(CATALOGUE)
    for row in rows:
        assert {"id", "paper", "locator", "provenance", "expect"} <= row.keys()
        assert row["provenance"] in ("paper", "reconstructed")
        assert row["expect"] in ("holds", "refuted")
    assert {r["expect"] for r in rows} == {"holds", "refuted"}
    assert any(r["paper"].startswith("Ye, Du 2021") or "Ye" in r["paper"] for r in rows)


def test_list_prints_one_line_per_claim() -> None:
    code, out, _ = run("list")
    assert code == 0
    assert len(out.strip().splitlines()) == len(CATALOGUE) + 1


@pytest.fixture
def claim_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_conjecture.py"
    path.write_text(CLAIM_FILE)
    return path


def test_check_a_false_conjecture_exits_1_and_replay_reproduces_it_bit_for_bit(claim_file: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    code, out, err = run("check", str(claim_file), "--profile", "ci", "--examples", "30", "--report-dir", str(reports))
    assert code == 1, out + err
    assert "CERTIFIED" in out
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "runs"]
    assert (reports / "index.html").is_file()
    code, out, err = run("replay", str(folder))
    assert code == 1, out + err
    assert "bit-identical to the stored margin" in out
    assert "certified" in out


PURE_CLAIM_FILE = """
from hypothesis import strategies as st
import theorycheck.strategies as tcs
from theorycheck.claims import Case, Claim, Source, pure
from theorycheck.precision import numeric as num
from theorycheck.search.hypothesis import property_test

@st.composite
def cases(draw):
    a = draw(tcs.target_matrices(shape=(2, 2), max_condition=10.0)).matrix
    b = draw(tcs.target_matrices(shape=(2, 2), max_condition=10.0)).matrix
    return Case({"A": a, "B": b})

def weyl_slack(ctx, case):
    a, b = num.lift(ctx, case["A"]), num.lift(ctx, case["B"])
    lhs = num.sigma_min(ctx, a + b)
    rhs = num.sigma_min(ctx, a) - num.sigma_min(ctx, b)
    return lhs - rhs, f"sigma_min(A+B) = {num.to_float(lhs):.4g}", num.to_float(num.svdvals(ctx, a)[0])

CLAIM = Claim(id="mine.weyl_min", statement="sigma_min(A+B) >= sigma_min(A) - sigma_min(B)",
              source=Source("Me", 2026, "Conjecture 1", "reconstructed"),
              conclusion=pure("Weyl slack", weyl_slack, numeric=True))
test_weyl = property_test(CLAIM, cases())
"""


def test_check_on_the_readme_pure_claim_exits_1_with_a_certified_report(tmp_path: Path) -> None:
    path = tmp_path / "my_weyl.py"
    path.write_text(PURE_CLAIM_FILE)
    reports = tmp_path / "reports"
    code, out, err = run("check", str(path), "--profile", "ci", "--report-dir", str(reports))
    assert code == 1, out + err
    assert "CERTIFIED" in out
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "runs"]
    record = json.loads((folder / "report.json").read_text())
    assert record["status"] == "certified"
    assert [r["precision"] for r in record["precision_ladder"]] == ["float64", "mpmath:113", "mpmath:256"]


def test_checking_a_true_catalogue_claim_exits_0(tmp_path: Path) -> None:
    code, out, err = run(
        "check", "yedu2021.s3.gd_imbalance_identity", "--profile", "ci", "--report-dir", str(tmp_path), "--seed", "3"
    )
    assert code == 0, out + err
    assert "no violation" in out


def test_check_exits_0_and_reports_them_when_the_only_violations_are_floating_point_artifacts(tmp_path: Path) -> None:
    path = tmp_path / "floor.py"
    path.write_text("from theorycheck.demo import FLOAT_FLOOR_ENTRY as floor\n")
    code, out, err = run("check", f"{path}::floor", "--profile", "ci", "--report-dir", str(tmp_path / "r"))
    assert code == 0, out + err  # an artifact is not a finding
    assert "ARTIFACT" in out
    assert "1 artifacts" in out
    (folder,) = [p for p in (tmp_path / "r").iterdir() if p.is_dir() and p.name != "runs"]
    code, out, err = run("replay", str(folder))
    assert code == 0, out + err
    assert "artifact" in out


def test_report_rebuilds_the_index(tmp_path: Path) -> None:
    code, out, _ = run("report", str(tmp_path))
    assert code == 0
    assert (tmp_path / "index.html").is_file()
    assert str(tmp_path) in out


BAD_FILES = {
    "syntax.py": "def broken(:\n",
    "importerror.py": "import no_such_module_anywhere\n",
    "raises.py": "x = 1\nraise RuntimeError('boom')\n",
    "empty.py": "x = 1\n",
    "exits.py": "import sys\nsys.exit(0)\n",
    "notastrategy.py": (
        "from theorycheck.claims import Claim, Source, pure\n"
        "from theorycheck.search.hypothesis import property_test\n"
        "C = Claim(id='a.b', statement='s', source=Source('A', 2026, '1', 'paper'), conclusion=pure('q', lambda c: (1, '')))\n"
        "test_c = property_test(C, [1, 2, 3])\n"
    ),
    "notoutcome.py": (
        "from hypothesis import strategies as st\n"
        "from theorycheck.claims import Case, Claim, Source\n"
        "from theorycheck.search.hypothesis import property_test\n"
        "C = Claim(id='a.b', statement='s', source=Source('A', 2026, '1', 'paper'), conclusion=lambda i, r: 0.5)\n"
        "test_c = property_test(C, st.builds(lambda x: Case({'x': x}), st.floats(0, 1)))\n"
    ),
    "twoids.py": (
        "from hypothesis import strategies as st\n"
        "from theorycheck.claims import Case, Claim, Source, pure\n"
        "from theorycheck.search.hypothesis import property_test\n"
        "S = st.builds(lambda x: Case({'x': x}), st.floats(0, 1))\n"
        "A = Claim(id='a.b', statement='s', source=Source('A', 2026, '1', 'paper'), conclusion=pure('q', lambda c: (1, '')))\n"
        "B = Claim(id='a.b', statement='t', source=Source('A', 2026, '2', 'paper'), conclusion=pure('q', lambda c: (2, '')))\n"
        "test_a = property_test(A, S)\ntest_b = property_test(B, S)\n"
    ),
    "nowidths.py": "import theorycheck as tc\nOBJ = tc.deep_mf(())\n",
    "horizon.py": (
        "from hypothesis import strategies as st\n"
        "import numpy as np\n"
        "import theorycheck as tc\n"
        "from theorycheck.claims import Case, Claim, Source, pure\n"
        "from theorycheck.search.hypothesis import property_test\n"
        "OBJ = tc.deep_mf((2, 2))\n"
        "def margin(case):\n"
        "    run = tc.run_gd(OBJ, np.eye(2), np.full(4, 0.1), step=0.1, max_steps=10**12, tol=1e-3,\n"
        "                    schedule=tc.Schedule.power(10.0, 0.5))\n"
        "    return 1.0, ''\n"
        "C = Claim(id='a.horizon', statement='s', source=Source('A', 2026, '1', 'paper'), conclusion=pure('q', margin))\n"
        "test_c = property_test(C, st.builds(lambda x: Case({'x': x}), st.floats(0, 1)))\n"
    ),
    "afile": "a file, not a folder\n",
}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check", "luo2025.thm1.complex_init_converge"], "did you mean luo2025.thm1.complex_init_converges"),
        (["check", "no_such_file.py"], "does not exist"),
        (["check", "yedu2021.s3.gd_imbalance_identity", "--examples", "-5"], "--examples"),
        (["check", "yedu2021.s3.gd_imbalance_identity", "--examples", "many"], "--examples"),
        (["check", "yedu2021.s3.gd_imbalance_identity", "--profile", "fast"], "--profile"),
        (["check", "yedu2021.s3.gd_imbalance_identity", "--seed", "-1"], "--seed"),
        (["check", "yedu2021.s3.gd_imbalance_identity", "--workers", "0"], "--workers"),
        (["check", "{dir}/syntax.py"], "does not import: SyntaxError: invalid syntax (syntax.py, line 1)"),
        (["check", "{dir}/importerror.py"], "ModuleNotFoundError"),
        (["check", "{dir}/raises.py"], "does not import (line 2): RuntimeError: boom"),
        (["check", "{dir}/empty.py"], "defines no claims"),
        (["check", "{dir}/exits.py"], "SystemExit"),
        (["check", "{dir}/notastrategy.py"], "error"),
        (["replay", "{dir}"], "has no report.json"),
        (["replay", "{dir}/nowhere"], "has no report.json"),
        (["report", "{dir}/nowhere"], "is not a folder"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["check"], "TARGET"),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--budget", "ten minutes"], "--budget"),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--budget", "0s"], "--budget"),
        (["stress", "yedu2021.s3.gd_imbalance_identty"], "did you mean"),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--workers", "2", "--dask-local", "2"], "--dask-local N alone"),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--scheduler", "tcp://h:1", "--dask-local", "2"], "allowed"),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--scheduler", "head:8786"], "tcp://HOST:PORT"),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--scheduler", "tcp://127.0.0.1:9"], "cannot be reached"),
        (["scale", "yedu2021.s3.gd_imbalance_identity"], "has no scaling law"),
        (["scale", "yedu2021.thm1_1.converges_within_t_total", "--vary", "kapa=1..10"], "vary one of: kappa, eps"),
        (["scale", "yedu2021.thm1_1.converges_within_t_total", "--vary", "kappa=10..1"], "lo >= hi"),
        (["scale", "yedu2021.thm1_1.converges_within_t_total", "--points", "1"], "--points"),
        (["scale", "yedu2021.thm1_1.converges_within_t_total", "--vary", "kappa", "--vary", "kappa"], "twice"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, list) else None,
)
def test_every_user_mistake_prints_one_line_and_exits_2(tmp_path: Path, argv: list[str], words: str) -> None:
    for name, text in BAD_FILES.items():
        (tmp_path / name).write_text(text)
    code, out, err = run(*[a.replace("{dir}", str(tmp_path)) for a in argv])
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("theorycheck: error: ")
    assert words in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check", "yedu2021.s3.gd_imbalance_identity", "--report-dir", "{dir}/afile/reports"], "--report-dir="),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--report-dir", "{dir}/afile/reports"], "is a file"),
        (["scale", "yedu2021.thm1_1.converges_within_t_total", "--report-dir", "{dir}/afile/r"], "--report-dir="),
        (["stress", "yedu2021.s3.gd_imbalance_identity", "--resume", "--report-dir", "{dir}/none"], "--resume="),
        (["scale", "yedu2021.thm1_1.converges_within_t_total", "--resume", "--report-dir", "{dir}"], "no scale sweep"),
        (["check", "{dir}/notoutcome.py", "--profile", "ci"], "conclusion=0.5: of claim a.b returned a float, not an Outcome"),
        (["check", "{dir}/twoids.py"], "different claims with the same id 'a.b' (test_a, test_b)"),
        (["check", "{dir}/nowidths.py"], "widths=(): is empty"),
        (["check", "{dir}/horizon.py", "--profile", "ci"], "max_steps=1000000000000"),
    ],
    ids=["check-unwritable", "stress-unwritable", "scale-unwritable", "stress-resume-nothing", "scale-resume-nothing",
         "conclusion-not-an-outcome", "duplicate-claim-ids", "deep-mf-no-widths", "horizon-beyond-the-table"],
)
def test_faults_found_by_the_probe_are_one_line_exit_2_and_a_fix(tmp_path: Path, argv: list[str], words: str) -> None:
    for name, text in BAD_FILES.items():
        (tmp_path / name).write_text(text)
    code, out, err = run(*[a.replace("{dir}", str(tmp_path)) for a in argv])
    assert (code, out) == (2, ""), err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("theorycheck: error: ")
    assert words in err
    assert "Fix: " in err
    assert not (tmp_path / "none").exists(), "a refused --resume must not create the folder"


def test_file_name_that_is_not_in_the_file_lists_the_names(claim_file: Path) -> None:
    code, _, err = run("check", f"{claim_file}::nope")
    assert code == 2
    assert "test_loss_monotone" in err


def test_the_installed_command_reports_a_mistake_without_a_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "theorycheck", "check", "definitely.not.a.claim"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_check_with_workers_runs_the_claims_of_a_file_in_parallel_processes(claim_file: Path, tmp_path: Path) -> None:
    second = tmp_path / "two.py"
    second.write_text(
        CLAIM_FILE
        + "\nCLAIM2 = attrs.evolve(CLAIM, id='mine2026.second')\ntest_second = property_test(CLAIM2, instances())\n"
    )
    second.write_text("import attrs\n" + second.read_text())
    reports = tmp_path / "reports"
    code, out, err = run("check", str(second), "--profile", "ci", "--workers", "2", "--report-dir", str(reports))
    assert code == 1, out + err
    assert out.count("CERTIFIED") == 2
    assert len([p for p in reports.iterdir() if p.is_dir() and p.name != "runs"]) == 2


def test_progress_prints_plain_lines_when_not_on_a_terminal() -> None:
    from theorycheck.cli import Progress
    from theorycheck.search.hypothesis import SearchStats

    stream = io.StringIO()
    progress = Progress(stream, "claim.x", every=0.0)
    stats = SearchStats(examples=41, violations=1, worst_margin=-0.25)
    progress(stats)
    progress.done()
    line = stream.getvalue()
    assert line.endswith("\n")
    assert "\r" not in line
    assert "claim.x: 41 examples" in line
    assert "worst margin -0.25" in line
    assert "1 violations" in line


def test_stress_on_a_true_claim_exits_0_and_prints_the_worst_margin(tmp_path: Path) -> None:
    code, out, err = run(
        "stress", "yedu2021.s3.gd_imbalance_identity", "--budget", "2s", "--workers", "1", "--seed", "1",
        "--report-dir", str(tmp_path),
    )
    assert code == 0, out + err
    assert "no violation, worst margin" in out
    assert "worst instance:" in out
    assert (tmp_path / "index.html").is_file()
    assert json.loads((tmp_path / "index.json").read_text())["runs"][0]["command"].startswith("theorycheck stress")


def test_scale_prints_the_fit_and_exits_1_when_the_stated_bound_fails(tmp_path: Path) -> None:
    code, out, err = run(
        "scale", "yedu2021.F2_5.steps_independent_of_kappa", "--vary", "kappa=1..64", "--points", "4",
        "--repeats", "2", "--workers", "1", "--report-dir", str(tmp_path),
    )
    assert code == 1, out + err
    assert "against the stated 0: exceeds" in out
    assert "bound violated" in out
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["scales"][0]["violated"] is True
    assert "Scaling sweeps" in (tmp_path / "index.html").read_text()


def test_list_marks_the_claims_that_scale_can_sweep() -> None:
    code, out, _ = run("list")
    assert code == 0
    marked = [line.split()[0] for line in out.splitlines() if " scale " in line]
    assert "yedu2021.thm1_1.converges_within_t_total" in marked
    assert "yedu2021.F2_5.steps_independent_of_kappa" in marked


def test_a_counterexample_check_found_is_replayed_first_by_the_next_check_and_stress_whatever_the_seed(
    claim_file: Path, tmp_path: Path
) -> None:
    code, out, err = run("check", str(claim_file), "--profile", "ci", "--seed", "1", "--report-dir", str(tmp_path / "a"))
    assert code == 1, out + err
    assert "found by generate" in out or "found by target" in out
    assert "counterexamples kept in" in err  # where the store is
    code, out, err = run("check", str(claim_file), "--profile", "ci", "--seed", "2", "--report-dir", str(tmp_path / "b"))
    assert code == 1, out + err
    assert "found by reuse" in out
    code, out, err = run("stress", str(claim_file), "--budget", "20s", "--workers", "1", "--seed", "3",
                         "--report-dir", str(tmp_path / "c"))
    assert code == 1, out + err
    assert "first found by reuse" in err or "(found by reuse)" in out


def test_a_ctrl_c_that_lands_where_cpython_cannot_raise_it_is_raised_again_not_printed(capsys, monkeypatch) -> None:
    # a KeyboardInterrupt inside __del__ (as inside Hypothesis's gc callback) is "Exception ignored" by CPython:
    # printed with a traceback and lost; under theorycheck it must come back as an ordinary KeyboardInterrupt
    import signal
    import time

    from theorycheck.cli import interrupts_not_lost

    class Boom:
        def __del__(self) -> None:
            raise KeyboardInterrupt

    def interrupted_in_del() -> None:
        with interrupts_not_lost():
            Boom()  # collected at once: its KeyboardInterrupt is unraisable
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline:  # the SIGINT sent again is handled in this loop
                pass

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            interrupted_in_del()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "Traceback" not in capsys.readouterr().err


def test_a_ctrl_c_to_be_raised_again_is_dropped_once_the_command_has_returned(monkeypatch) -> None:
    # sent after the command returned, it would find the default handler at exit and kill the process (exit -2,
    # not the command's 130): a fresh-clone CI run of the Ctrl-C test of `scale` saw exactly that
    import signal
    import time

    from theorycheck.cli import interrupts_not_lost

    class Boom:
        def __del__(self) -> None:
            raise KeyboardInterrupt

    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        with interrupts_not_lost():
            Boom()
            Boom()  # a second one while the first is pending: sent again once, not twice
        time.sleep(0.3)  # past the re-send's delay
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == []

    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        with interrupts_not_lost():
            Boom()
            Boom()
            time.sleep(0.3)  # the command still running: the Ctrl-C comes back, once
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == [signal.SIGINT]


def test_a_re_sent_ctrl_c_that_lands_in_a_collector_again_is_re_sent_again() -> None:
    import signal
    import time

    from theorycheck.cli import interrupts_not_lost

    class Boom:
        def __del__(self) -> None:
            raise KeyboardInterrupt

    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        received.append(signum)
        if len(received) == 1:
            Boom()  # the re-sent Ctrl-C is swallowed by a collector callback once more

    previous = signal.signal(signal.SIGINT, handler)
    try:
        with interrupts_not_lost():
            Boom()
            deadline = time.monotonic() + 2.0
            while len(received) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == [signal.SIGINT, signal.SIGINT]


def test_once_the_command_has_its_exit_status_a_late_ctrl_c_is_ignored(monkeypatch) -> None:
    # a SIGINT during interpreter shutdown would meet the default disposition CPython restores there and end the
    # process by signal (exit -2) instead of with the status; an ignored one survives the shutdown
    import signal

    from theorycheck import cli

    monkeypatch.setattr(cli, "main", lambda: 130)
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as stop:
            cli.run()
        assert stop.value.code == 130
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)

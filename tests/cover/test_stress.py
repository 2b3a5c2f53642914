"""``theorycheck stress``: durations, the journal, local refinement, and whole campaigns in this process."""

from __future__ import annotations

import json
import math
from pathlib import Path

import attrs
import numpy as np
import pytest

from tests.common.claims import BAND_FILE, overshoot_instance
from theorycheck.campaign import resolve
from theorycheck.cli import parse_duration
from theorycheck.config import PROFILES
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.errors import InvalidArgument
from theorycheck.journal import Journal
from theorycheck.models import asymmetric_mf
from theorycheck.parallel import InlineExecutor, open_executor
from theorycheck.report import decode, read_record
from theorycheck.search.hypothesis import SearchStats, evaluate
from theorycheck.search.refine import knob_names, perturb, refine
from theorycheck.stress import stress

PROFILE = attrs.evolve(PROFILES["default"], database=None, seed=3)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("10m", 600), ("1h30m", 5400), ("45", 45), ("0.5m", 30), ("2h", 7200)]
)
def test_budgets_are_read_as_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "m", "-5m", "0s", "10 minutes", "1m1"])
def test_a_malformed_budget_names_the_option_and_the_fix(text: str) -> None:
    with pytest.raises(InvalidArgument, match=r"--budget=.*Fix: "):
        parse_duration(text)


def test_the_journal_skips_a_torn_last_line_and_lists_the_chunks_in_flight(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j" / "journal.jsonl")
    j.append("submit", task="a", spec={"task": "a"})
    j.append("submit", task="b", spec={"task": "b"})
    j.append("done", task="a", result={})
    with j.path.open("a") as fh:
        fh.write('{"event": "submit", "task": "c", "spe')  # a crash mid-write
    assert [e["event"] for e in j.events()] == ["submit", "submit", "done"]
    assert j.in_flight() == [{"task": "b"}]


def test_perturbing_by_zero_returns_the_instance_itself_and_a_step_moves_kappa_as_asked() -> None:
    inst = overshoot_instance()
    names = knob_names(inst)
    assert names == ("log sigma_1", "log sigma_2", "log init scale", "log step", "left angle", "right angle")
    assert perturb(inst, np.zeros(len(names))) is inst
    theta = np.zeros(len(names))
    theta[1] = -math.log(4.0)  # sigma_2 / 4
    moved = perturb(inst, theta)
    assert moved.target.condition == pytest.approx(4 * inst.target.condition)
    assert np.array_equal(moved.init, inst.init)
    _u, s, _vh = np.linalg.svd(moved.target.matrix)
    assert s == pytest.approx(moved.target.sigma)
    theta[:] = 0
    theta[4] = 0.3  # a rotation changes the target, not its spectrum
    turned = perturb(inst, theta)
    assert np.linalg.svd(turned.target.matrix, compute_uv=False) == pytest.approx(inst.target.sigma)
    assert not np.allclose(turned.target.matrix, inst.target.matrix)
    assert "left angle +0.3" in turned.params["refined"]


def test_refinement_walks_from_kappa_one_into_a_band_random_draws_hit_once_in_thousands(tmp_path: Path) -> None:
    path = tmp_path / "band.py"
    path.write_text(BAND_FILE)
    (target,) = resolve(f"{path}::band")
    obj = asymmetric_mf(2, 2, 2)
    start = Instance(obj, Target(np.eye(2), np.eye(2), np.ones(2), np.eye(2)), 1e-3 * np.ones(8), 0.5, 4000, tol=1e-6)
    stats = SearchStats()
    found, used = refine(start, lambda i: evaluate(target.claim, i, stats=stats), max_evals=300)
    assert found is not None
    assert found.violated, found
    assert used == stats.examples <= 300
    assert abs(math.log(found.instance.target.condition / 61.3687)) < 2e-4


def test_a_stress_campaign_finds_the_band_reports_it_and_journals_every_chunk(tmp_path: Path) -> None:
    path = tmp_path / "band.py"
    path.write_text(BAND_FILE)
    (target,) = resolve(f"{path}::band")
    reports = tmp_path / "reports"
    out = stress(target, budget=60, executor=InlineExecutor(), profile=PROFILE, report_dir=str(reports))
    assert out.stopped == "counterexample"
    assert out.counterexample
    assert out.tally.counterexamples == 1
    (folder,) = out.reports
    record = read_record(folder)
    assert record["status"] == "confirmed"
    # found by refinement (the band is 2e-4 wide: generation rarely lands there), and the report says so
    assert record["how_found"]["stage"] in {"refine", "boundary"}
    assert record["how_found"]["method"].startswith("stress:")
    assert record["claim_ref"] == {"kind": "file", "file": str(path.resolve()), "name": "band"}
    events = list(Journal(out.folder / "journal.jsonl").events())
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start"
    assert kinds[-1] == "stop"
    assert kinds.count("submit") == kinds.count("done")
    worst = json.loads((out.folder / "worst.json").read_text())
    assert worst["margin"] < 0
    assert decode(worst["instance"]).target.condition == pytest.approx(61.3687, rel=1e-3)


def test_a_true_claim_runs_for_its_budget_and_reports_the_worst_margin(tmp_path: Path) -> None:
    (target,) = resolve("yedu2021.s3.gd_imbalance_identity")
    out = stress(target, budget=3, executor=InlineExecutor(), profile=PROFILE, report_dir=str(tmp_path))
    assert out.stopped == "budget"
    assert not out.counterexample
    assert not out.reports
    assert out.tally.examples > 20
    assert 0 <= out.tally.worst_margin < math.inf
    assert (out.folder / "worst.json").is_file()
    assert "instances" in out.tally.line()
    assert "left" in out.tally.line()


def test_resuming_carries_the_counts_and_seeds_forward(tmp_path: Path) -> None:
    (target,) = resolve("yedu2021.s3.gd_imbalance_identity")
    first = stress(target, budget=2, executor=InlineExecutor(), profile=PROFILE, report_dir=str(tmp_path))
    spent = [e["seconds"] for e in Journal(first.folder / "journal.jsonl").events() if e["event"] == "stop"]
    # a budget given on --resume is the campaign's whole budget: the first session's time is taken off it
    second = stress(target, budget=4, executor=InlineExecutor(), profile=PROFILE, report_dir=str(tmp_path), resume=True)
    assert second.tally.budget == pytest.approx(4 - spent[0])
    assert second.tally.examples > first.tally.examples
    events = list(Journal(second.folder / "journal.jsonl").events())
    tasks = [e["task"] for e in events if e["event"] == "submit"]
    assert len(tasks) == len(set(tasks)), "a resumed campaign must not repeat finished chunks"
    assert [e["event"] for e in events].count("start") == 1


def test_executor_options_conflict_and_unknown_schedulers_are_named() -> None:
    with pytest.raises(InvalidArgument, match="--dask-local"):
        open_executor(scheduler="tcp://127.0.0.1:1", dask_local=2)
    with pytest.raises(InvalidArgument, match=r"--scheduler=.*tcp://HOST:PORT"):
        open_executor(scheduler="127.0.0.1:8786")
    assert isinstance(open_executor(workers=1), InlineExecutor)


INF_FILE = BAND_FILE.replace("distance / HALF_WIDTH - 1.0", "math.inf")
RAISING_FILE = BAND_FILE.replace(
    "def band_slack(instance, run):\n", "def band_slack(instance, run):\n    raise ValueError('boom in the claim')\n"
)


def test_keep_going_counts_each_distinct_counterexample_once_and_keeps_searching(tmp_path: Path) -> None:
    path = tmp_path / "band.py"
    path.write_text(BAND_FILE)
    (target,) = resolve(f"{path}::band")
    out = stress(target, budget=12, executor=InlineExecutor(), profile=PROFILE, report_dir=str(tmp_path / "r"),
                 keep_going=True)
    assert out.stopped == "budget"
    assert out.tally.counterexamples == len(out.reports) >= 1
    events = [e for e in Journal(out.folder / "journal.jsonl").events() if e["event"] == "done"]
    assert len(events) >= 2
    assert all(e["result"]["examples"] > 20 for e in events[1:]), "later chunks must search, not replay a violation"


def test_an_infinite_margin_is_journaled_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "inf.py"
    path.write_text(INF_FILE)
    (target,) = resolve(f"{path}::band")
    out = stress(target, budget=2, executor=InlineExecutor(), profile=PROFILE, report_dir=str(tmp_path))
    assert out.stopped == "budget"
    assert out.tally.worst_margin == math.inf
    assert [e["event"] for e in Journal(out.folder / "journal.jsonl").events()][-1] == "stop"


def test_a_claim_that_raises_stops_the_campaign_with_one_line_naming_the_chunk_and_its_instance(
    tmp_path: Path,
) -> None:
    from tests.cover.test_cli import run

    path = tmp_path / "raising.py"
    path.write_text(RAISING_FILE)
    code, out, err = run("stress", f"{path}::band", "--budget", "5s", "--workers", "1", "--report-dir",
                         str(tmp_path / "r"))
    assert code == 2
    assert out == ""
    (line,) = [x for x in err.splitlines() if x.startswith("theorycheck: error")]
    assert "chunk c00000 of planted.kappa_band raised ValueError: boom in the claim" in line
    assert "the instance it was checking" in line
    events = list(Journal(tmp_path / "r" / "campaigns" / "stress-planted.kappa_band" / "journal.jsonl").events())
    assert [e["event"] for e in events][-2:] == ["failed", "stop"]
    assert events[-1]["reason"] == "error"


def test_the_time_a_campaign_spent_counts_sessions_killed_without_a_stop_up_to_their_last_event() -> None:
    from theorycheck.stress import _spent

    events = [
        {"event": "start", "time": 100.0},
        {"event": "done", "time": 130.0},  # then kill -9: no stop
        {"event": "resume", "time": 500.0},
        {"event": "stop", "time": 520.0, "seconds": 20.0},
        {"event": "resume", "time": 900.0},
        {"event": "done", "time": 905.0},  # killed again
    ]
    assert _spent(events) == 30.0 + 20.0 + 5.0


WATCHED = (
    "import subprocess, sys, time; "
    "code = 'import os, time; from theorycheck.parallel import watch_parent; "
    "watch_parent(os.getppid(), poll=0.05); print(1, flush=True); time.sleep(120)'; "
    "child = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE); "
    "child.stdout.readline(); print(child.pid, flush=True); time.sleep(120)"
)


def test_a_worker_watching_its_controller_exits_when_the_controller_is_killed() -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    controller = subprocess.Popen([sys.executable, "-c", WATCHED], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(controller.stdout.readline())  # type: ignore[union-attr]
        os.kill(controller.pid, signal.SIGKILL)  # no cleanup runs in the controller
        controller.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                break  # gone
            if state == "Z":
                break  # exited, waiting to be reaped by whoever adopted it
            time.sleep(0.05)
        else:
            os.kill(worker, signal.SIGKILL)
            pytest.fail("the worker outlived its controller by 10 s")
    finally:
        if controller.poll() is None:
            controller.kill()
        controller.communicate()

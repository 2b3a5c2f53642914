"""Fault injection: what a demanding user and a security reviewer did to campaigns, and that nothing was lost.

Each case drives the ``theorycheck`` command in subprocesses, as a user would, and is bounded in time:
``kill -9`` of a worker and then of the controller mid-campaign followed by ``--resume``; Ctrl-C (SIGINT) to
``check``, ``stress`` and ``scale`` followed by the resume line they print, pasted; three ``check`` processes
writing into one report folder at once; a NaN and a -inf margin through the entry points that cross a process
boundary; a horizon of ``10**12`` steps with nothing recorded. After every fault: no process of the campaign is
left running (checked by PID, through ``/proc``), and every report written before the fault is intact, byte for
byte.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.common.claims import BAND_FILE, CLAIM_FILE
from theorycheck.journal import Journal
from theorycheck.report import read_record
from theorycheck.stress import CHUNK_SECONDS

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")]

CLI = [sys.executable, "-m", "theorycheck"]
OVERDUE = 2 * CHUNK_SECONDS + 10  # how long a stopped campaign may wait for its chunks in flight (stress.py)


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "THEORYCHECK_DATABASE": str(tmp_path / "kept"), "PYTHONWARNINGS": "ignore"}


def _foreground() -> None:
    # a child of a background job inherits an ignored SIGINT and Python then never raises KeyboardInterrupt:
    # give it the default disposition, as a terminal's foreground process has
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """A ``theorycheck`` command running in a subprocess; its output goes to files (readable while it runs)."""

    def __init__(self, argv: list[str], tmp_path: Path) -> None:
        logs = tmp_path / "logs"
        logs.mkdir(exist_ok=True)
        k = len(list(logs.iterdir()))
        self.out_path, self.err_path = logs / f"{k}.out", logs / f"{k + 1}.err"
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=err, text=True, env=_env(tmp_path), cwd=tmp_path,
                preexec_fn=_foreground,  # noqa: PLW1509 - only resets a signal disposition
            )
        self.pid = self.proc.pid

    def err(self) -> str:
        """What it wrote to stderr so far."""
        return self.err_path.read_text()

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        """Wait for it (killing it after ``timeout`` s); exit status, stdout, stderr."""
        try:
            self.proc.wait(timeout=timeout)
        finally:
            self.end()
        return self.proc.returncode, self.out_path.read_text(), self.err()

    def end(self) -> None:
        """Kill it if it still runs, and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=60)


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def _descendants(root: int) -> set[int]:
    """Every live process below ``root`` (workers, the resource tracker, ...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            children.setdefault(st[0], []).append(int(entry.name))
    out: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _alive(pids: set[int]) -> set[int]:
    return {p for p in pids if (st := _stat(p)) is not None and st[1] != "Z"}


def _assert_all_gone(pids: set[int], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = {p: Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")[:120] for p in _alive(pids)}
    assert not left, f"processes of the campaign still running: {left}"


def _wait_for(condition: Callable[[], bool], run: Run, what: str, within: float = 240) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert run.proc.poll() is None, f"ended before {what}: " + run.out_path.read_text() + run.err()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file of every report folder under ``root``, by path."""
    return {
        str(f.relative_to(root)): f.read_bytes()
        for folder in root.iterdir() if (folder / "report.json").is_file()
        for f in folder.iterdir()
    }


def _index(root: Path) -> dict[str, object]:
    index = json.loads((root / "index.json").read_text())
    listed = {r["folder"] for r in index["reports"]}
    assert listed == {p.name for p in root.iterdir() if (p / "report.json").is_file()}
    for name in listed:
        read_record(root / name)  # every listed report is complete and valid
    assert (root / "index.html").is_file()
    return index


def _paste(line: str) -> list[str]:
    """The command after ``Resume:`` / ``Run again:`` in a printed line, runnable here."""
    for marker in ("Resume: ", "Run again: "):
        if marker in line:
            words = shlex.split(line.split(marker, 1)[1].strip())
            assert words[0] == "theorycheck"
            return [*CLI, *words[1:]]
    raise AssertionError(f"no command to paste in {line!r}")


def _kill_worker_then_controller(argv: list[str], tmp_path: Path, journal: Journal) -> tuple[dict[str, bytes], set[int]]:
    """Run ``argv``; after a first report kill -9 a worker, after one more chunk the controller.

    Returns the report files on disk just before the controller was killed, and the campaign's processes then.
    """
    reports = Path(argv[argv.index("--report-dir") + 1])
    proc = Run(argv, tmp_path)

    def done() -> int:
        return sum(e["event"] == "done" for e in journal.events())

    try:
        _wait_for(lambda: done() >= 1 and any(reports.glob("*/report.json")), proc, "a first report")
        workers = {p for p in _descendants(proc.pid) if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()}
        assert len(workers) == 2
        os.kill(min(workers), signal.SIGKILL)  # a worker dies mid-campaign: the controller carries on
        _wait_for(lambda: any(e["event"] == "lost" for e in journal.events()), proc, "the lost chunk")
        seen = done()
        _wait_for(lambda: done() > seen, proc, "a chunk after the loss")
        before = _snapshot(reports)
        campaign = _descendants(proc.pid)  # workers (the rebuilt pool's) and the resource tracker
        assert campaign
        os.kill(proc.pid, signal.SIGKILL)  # the controller dies: no cleanup runs
    finally:
        proc.end()
    return before, campaign


def test_kill_9_of_a_worker_then_of_the_controller_loses_nothing_and_resume_gets_what_was_left(tmp_path: Path) -> None:
    (tmp_path / "band.py").write_text(BAND_FILE)
    reports = tmp_path / "r"
    budget = 60.0
    journal = Journal(reports / "campaigns" / "stress-planted.kappa_band" / "journal.jsonl")
    argv = [*CLI, "stress", "band.py::band", "--budget", f"{budget:.0f}s", "--workers", "2", "--keep-going",
            "--seed", "1", "--report-dir", str(reports)]
    before, campaign = _kill_worker_then_controller(argv, tmp_path, journal)
    _assert_all_gone(campaign)
    assert _snapshot(reports) == before, "a report written before the fault changed"
    events = list(journal.events())
    finished = [e["result"] for e in events if e["event"] == "done"]
    worst_before = min(r["worst_margin"] for r in finished if r["worst_margin"] is not None)

    resumed = Run([*CLI, "stress", "band.py::band", "--resume", "--report-dir", str(reports), "--keep-going",
                      "--workers", "2"], tmp_path)
    campaign = set()
    while resumed.proc.poll() is None:
        campaign |= _descendants(resumed.pid)
        time.sleep(0.2)
    code, out, err = resumed.finish()
    _assert_all_gone(campaign)
    assert code == 1, out + err  # the confirmed counterexample of the first session is carried
    after = list(journal.events())
    (resume,) = [e for e in after if e["event"] == "resume"]
    start = next(e for e in after if e["event"] == "start")
    assert resume["spent"] == pytest.approx(max(e["time"] for e in events) - start["time"], abs=1e-3)
    assert resume["left"] == pytest.approx(budget - resume["spent"], abs=1e-3)  # what was left, not a fresh budget
    assert after[-1]["event"] == "stop"
    assert after[-1]["seconds"] < resume["left"] + OVERDUE + 5
    for name, data in before.items():  # reports carried, untouched
        assert (reports / name).read_bytes() == data
    total = sum(e["result"]["examples"] for e in after if e["event"] == "done")
    assert total > sum(r["examples"] for r in finished)
    run = json.loads(max((reports / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime).read_text())
    assert run["examples"] == total
    statuses = [read_record(p.parent)["status"] for p in reports.glob("*/report.json")]
    assert run["confirmed"] == sum(s in {"confirmed", "certified"} for s in statuses) >= 1
    assert run["violations"] == run["confirmed"] + run["artifacts"] + run["undecided"]
    worst = json.loads((journal.path.parent / "worst.json").read_text())  # rebuilt from the journal on resume
    assert worst["margin"] <= worst_before
    _index(reports)


def _searching(run: Run) -> bool:
    return "examples (" in run.err()  # the progress line: the search has started


def _interruptible(command: str, reports: Path) -> tuple[list[str], Callable[[Run], bool], float, Journal | None]:
    """A long run of ``command``: its argv, when it has got going, how long to wait then, and its journal."""
    if command == "check":
        argv = [*CLI, "check", "yedu2021.s3.gd_imbalance_identity", "--examples", "100000", "--report-dir", str(reports)]
        return argv, _searching, 2.0, None
    if command == "stress":
        argv = [*CLI, "stress", "yedu2021.s3.gd_imbalance_identity", "--budget", "20s", "--workers", "1",
                "--report-dir", str(reports), "--keep-going"]
        journal = Journal(reports / "campaigns" / "stress-yedu2021.s3.gd_imbalance_identity" / "journal.jsonl")
        return argv, lambda _: sum(e["event"] == "done" for e in journal.events()) >= 2, 0.0, journal
    argv = [*CLI, "scale", "yedu2021.thm1_1.converges_within_t_total", "--vary", "kappa=1..1000", "--points", "7",
            "--repeats", "30", "--workers", "1", "--report-dir", str(reports)]  # 30 short tasks
    journal = Journal(reports / "campaigns" / "scale-yedu2021.thm1_1.converges_within_t_total" / "journal.jsonl")
    return argv, lambda _: any(e["event"] == "done" for e in journal.events()), 0.0, journal


def _interrupt(argv: list[str], tmp_path: Path, started: Callable[[Run], bool], wait: float) -> tuple[int, str, str]:
    run = Run(argv, tmp_path)
    try:
        _wait_for(lambda: started(run), run, "the run to get going")
        time.sleep(wait)
        run.proc.send_signal(signal.SIGINT)
    finally:
        code, out, err = run.finish()
    return code, out, err


@pytest.mark.parametrize("command", ["check", "stress", "scale"])
def test_ctrl_c_exits_130_with_a_valid_index_and_a_resume_line_that_works_when_pasted(
    tmp_path: Path, command: str
) -> None:
    reports = tmp_path / "my reports"  # a space: the pasted line must quote it
    argv, started, wait, journal = _interruptible(command, reports)
    code, out, err = _interrupt(argv, tmp_path, started, wait)
    assert code == 130, out + err
    assert "@seed" not in out + err  # Hypothesis's line would not reproduce a theorycheck run
    assert "Traceback" not in err
    index = _index(reports)
    if command != "scale":
        assert index["runs"][0]["interrupted"] is True
    before = _snapshot(reports)
    (line,) = [x for x in err.splitlines() if "Resume: " in x or "Run again: " in x]
    pasted = _paste(line)
    assert str(reports) in pasted
    assert ("--keep-going" in pasted) == (command == "stress")
    if journal is None:  # check: a rerun of a long search; it must start the same run, and may be stopped again
        code, out, err = _interrupt(pasted, tmp_path, _searching, 2.0)
        assert code == 130, out + err
        runs = json.loads((reports / "index.json").read_text())["runs"]
        assert len({r["seed"] for r in runs}) == 1  # the same seed: the same search
    else:
        resumed = subprocess.run(pasted, capture_output=True, text=True, timeout=300, env=_env(tmp_path),
                                 cwd=tmp_path, check=False)
        assert resumed.returncode in (0, 1), resumed.stdout + resumed.stderr
        events = [e["event"] for e in journal.events()]
        assert events.count("resume") == 1
        assert events.count("start") == 1  # the same campaign, not a fresh one
    for name, data in before.items():
        assert (reports / name).read_bytes() == data
    _index(reports)


def test_three_concurrent_checks_into_one_report_folder_lose_nothing(tmp_path: Path) -> None:
    (tmp_path / "claim.py").write_text(CLAIM_FILE)
    reports = tmp_path / "shared"
    rounds = 3
    for r in range(rounds):
        runs = [
            Run([*CLI, "check", "claim.py", "--profile", "ci", "--seed", str(3 * r + k), "--report-dir", str(reports)],
                tmp_path)
            for k in range(3)
        ]
        for code, out, err in [run.finish(timeout=300) for run in runs]:
            assert code == 1, out + err
        index = _index(reports)  # every report folder on disk is listed, and complete
        assert len(index["runs"]) == 3 * (r + 1), "the index lost a concurrent run"
    assert len(list((reports / "runs").glob("*.json"))) == 3 * rounds
    for path in [reports / "index.html", reports / "index.json", *(reports / "runs").glob("*.json")]:
        assert path.stat().st_mode & 0o044 == 0o044, f"{path} is not readable by the group and others"
    assert not list(reports.glob(".tmp-*"))
    assert not list(reports.glob(".*.tmp"))


NONFINITE = """
from hypothesis import strategies as st
import theorycheck.strategies as tcs
from theorycheck.claims import Case, Claim, Source, pure
from theorycheck.search.hypothesis import property_test

def margin(case):
    return (float({margin!r}) if case["x"] > 0.5 else 1.0), "planted"

CLAIM = Claim(id="planted.nonfinite", statement="a planted non-finite margin",
              source=Source("Tests", 2026, "planted", "reconstructed"), conclusion=pure("slack", margin))
test_nonfinite = property_test(CLAIM, st.builds(lambda x: Case({{"x": x}}), tcs.finite_floats(0.0, 1.0)))
"""


@pytest.mark.parametrize("margin", ["nan", "-inf"])
def test_a_non_finite_margin_crosses_processes_as_a_violation(tmp_path: Path, margin: str) -> None:
    (tmp_path / "test_nonfinite.py").write_text(NONFINITE.format(margin=margin))
    env = _env(tmp_path)
    stress = subprocess.run([*CLI, "stress", "test_nonfinite.py", "--budget", "6s", "--workers", "2",
                             "--report-dir", "s"], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
                            check=False)
    assert stress.returncode in (1, 3), stress.stdout + stress.stderr  # a violation, not an error (2)
    (folder,) = {p.parent for p in (tmp_path / "s").glob("*/report.json")}
    replay = subprocess.run([*CLI, "replay", str(folder)], capture_output=True, text=True, timeout=300, env=env,
                            cwd=tmp_path, check=False)
    assert replay.returncode in (1, 3), replay.stdout + replay.stderr
    assert "bit-identical" in replay.stdout
    pytest_run = subprocess.run([sys.executable, "-m", "pytest", "test_nonfinite.py", "-q", "-p", "no:cacheprovider",
                                 "-n", "2", "--theorycheck-profile=ci", "--theorycheck-report-dir=p"],
                                capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False)
    assert pytest_run.returncode == 1, pytest_run.stdout + pytest_run.stderr  # a failed test, not an internal error
    assert "1 failed" in pytest_run.stdout
    assert list((tmp_path / "p").glob("*/report.json"))


HORIZON = """
from hypothesis import strategies as st
import numpy as np
import theorycheck as tc
from theorycheck.claims import Claim, Outcome, Procedure, Source
from theorycheck.dynamics import Recording
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.search.hypothesis import property_test

OBJ = tc.deep_mf((2, 2, 2))

@st.composite
def instances(draw):
    s = draw(st.floats(0.5, 1.0))
    target = Target(np.diag([1.0, s]), np.eye(2), np.array([1.0, s]), np.eye(2))
    # a horizon of 10**12 steps: GD converges long before it, and nothing is recorded
    return Instance(OBJ, target, np.concatenate([np.eye(2).ravel()] * 2), 0.1, 10**12, tol=1e-12)

def converged(instance, run):
    return Outcome(1e-12 - float(run.final_loss[0]), "final loss", int(run.steps[0]), "below tol")

CLAIM = Claim(id="planted.horizon", statement="GD reaches the tolerance",
              source=Source("Tests", 2026, "planted", "reconstructed"),
              procedure=Procedure(record=Recording(observables=())), conclusion=converged)
test_horizon = property_test(CLAIM, instances())
"""

# the peak resident memory of one child, measured in a fresh process whose only child it is
PEAK = (
    "import resource, subprocess, sys; "
    "run = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=100); "
    "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
    "sys.stderr.write(run.stdout + run.stderr)"
)


def test_a_horizon_of_10_to_the_12_steps_with_nothing_recorded_runs_in_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "horizon.py").write_text(HORIZON)
    run = subprocess.run(
        [sys.executable, "-c", PEAK, *CLI, "check", "horizon.py", "--profile", "ci", "--examples", "5",
         "--report-dir", "r"],
        capture_output=True, text=True, timeout=120, env=_env(tmp_path), cwd=tmp_path, check=False,
    )
    code, peak_kib = (int(x) for x in run.stdout.split())
    assert code == 0, run.stderr  # before: a raw MemoryError for a 7.28 TiB table (exit 2)
    assert "no violation" in run.stderr
    assert peak_kib / 1024 < 1024, f"peak resident memory {peak_kib / 1024:.0f} MiB"

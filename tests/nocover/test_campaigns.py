"""Campaigns across processes: a real Dask scheduler and workers on loopback, a worker killed by its instance,
and Ctrl-C followed by ``--resume``. Each drives the ``theorycheck`` command in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from tests.common.claims import BAND_FILE, CRASH_FILE
from theorycheck.campaign import resolve
from theorycheck.config import PROFILES
from theorycheck.journal import Journal
from theorycheck.parallel import ProcessExecutor
from theorycheck.report import decode, read_record
from theorycheck.stress import stress

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "theorycheck"]
ENV = {**os.environ, "THEORYCHECK_DATABASE": "", "PYTHONWARNINGS": "ignore"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A Dask scheduler and two single-thread workers, started like on a cluster, listening on 127.0.0.1."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    sched = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
    )
    workers = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2", "--nthreads", "1",
         "--host", "127.0.0.1", "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
    )
    try:
        wait = "from distributed import Client; c = Client(%r, timeout=60); c.wait_for_workers(2, timeout=120); c.close()"
        subprocess.run([sys.executable, "-c", wait % address], check=True, timeout=180, env=ENV)
        yield address
    finally:
        for p in (workers, sched):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def _keys(record: object) -> object:
    """The shape of a record: its keys, recursively (values differ between runs)."""
    if isinstance(record, dict):
        return {k: _keys(v) for k, v in record.items() if k not in {"instance", "environment", "how_found"}}
    return type(record).__name__


def test_a_stress_campaign_on_a_dask_scheduler_writes_the_same_report_as_a_local_one(scheduler: str, tmp_path: Path) -> None:
    claim = tmp_path / "band.py"
    claim.write_text(BAND_FILE)
    folders = {}
    for where, extra in (("dask", ["--scheduler", scheduler]), ("local", ["--workers", "2"])):
        reports = tmp_path / where
        run = subprocess.run(
            [*CLI, "stress", f"{claim}::band", "--budget", "90s", "--seed", "1", "--report-dir", str(reports), *extra],
            capture_output=True, text=True, timeout=600, env=ENV, check=False,
        )
        assert run.returncode == 1, run.stdout + run.stderr
        assert "CONFIRMED" in run.stdout
        # chunks in flight on other workers may finish with counterexamples of their own: one report each
        found = sorted(p for p in reports.iterdir() if (p / "report.json").is_file())
        assert found
        folders[where] = found[0]
        listed = {r["folder"] for r in json.loads((reports / "index.json").read_text())["reports"]}
        assert listed == {p.name for p in found}
    dask, local = (read_record(folders[k]) for k in ("dask", "local"))
    assert _keys(dask) == _keys(local)
    assert dask["schema"] == local["schema"]
    assert {f.name for f in folders["dask"].iterdir()} == {f.name for f in folders["local"].iterdir()}
    replay = subprocess.run([*CLI, "replay", str(folders["dask"])], capture_output=True, text=True, timeout=300,
                            env=ENV, check=False)
    assert "bit-identical" in replay.stdout, replay.stdout + replay.stderr


def test_a_scale_sweep_on_a_dask_scheduler_fits_the_ye_du_exponent(scheduler: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [*CLI, "scale", "yedu2021.thm1_1.converges_within_t_total", "--vary", "kappa=1..1000", "--points", "5",
         "--repeats", "2", "--workers", "8", "--scheduler", scheduler, "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=ENV, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "against the stated 4: loose" in run.stdout
    (page,) = tmp_path.glob("scales/*/scale.json")
    record = json.loads(page.read_text())
    assert 0.8 < record["fit"]["axes"][0]["exponent"] < 1.1
    assert record["tasks_done"] == record["tasks"] == 2


def test_a_worker_killed_by_its_instance_loses_only_that_instance_and_leaves_it_as_a_reproducer(
    tmp_path: Path,
) -> None:
    claim = tmp_path / "crash.py"
    claim.write_text(CRASH_FILE)
    (target,) = resolve(f"{claim}::band")
    profile = attrs.evolve(PROFILES["default"], seed=2, database=None)
    executor = ProcessExecutor(2)
    try:
        out = stress(target, budget=25, executor=executor, profile=profile, report_dir=str(tmp_path / "r"))
    finally:
        executor.close()
    assert out.stopped == "budget"
    assert out.tally.lost >= 1
    assert out.tally.examples > 0, "chunks that met no crashing instance must still count"
    crashes = sorted((out.folder / "crashes").glob("*.json"))
    assert len(crashes) == out.tally.lost
    kappas = [decode(json.loads(p.read_text())["instance"]).target.condition for p in crashes]
    assert min(kappas) > 90, f"an instance of a healthy worker was blamed: {kappas}"
    events = list(Journal(out.folder / "journal.jsonl").events())
    owed = {t["task"] for t in Journal(out.folder / "journal.jsonl").in_flight()}
    for i, e in enumerate(events):
        if e["event"] == "lost" and e.get("retry"):  # every lost chunk is re-run (or still owed to --resume)
            resubmitted = any(f.get("task") == e["task"] and f["event"] == "submit" for f in events[i + 1 :])
            assert resubmitted or e["task"] in owed, e
    assert not list((out.folder / "inflight").glob("*.tmp"))


def test_ctrl_c_leaves_a_valid_index_and_resume_carries_on(tmp_path: Path) -> None:
    cmd = [*CLI, "stress", "yedu2021.s3.gd_imbalance_identity", "--workers", "1", "--report-dir", str(tmp_path)]
    # a child of a background job inherits an ignored SIGINT, and Python then never raises KeyboardInterrupt:
    # give it the default disposition, as a terminal's foreground process has
    proc = subprocess.Popen([*cmd, "--budget", "5m"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    journal = Journal(tmp_path / "campaigns" / "stress-yedu2021.s3.gd_imbalance_identity" / "journal.jsonl")
    deadline = time.monotonic() + 240
    while sum(e["event"] == "done" for e in journal.events()) < 2:
        assert time.monotonic() < deadline, "the campaign did not get going"
        assert proc.poll() is None, "the campaign ended before it was interrupted"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "--resume" in err
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["runs"]
    assert index["runs"][0]["examples"] > 0
    events = list(journal.events())
    assert events[-1]["event"] == "stop"
    assert events[-1]["reason"] == "interrupted"
    before = sum(e["result"]["examples"] for e in events if e["event"] == "done")
    spent = events[-1]["seconds"]
    # --budget on --resume is the campaign's whole budget (what was left is the default): give 3 s more
    resumed = subprocess.run([*cmd, "--budget", f"{spent + 3:.1f}s", "--resume"], capture_output=True, text=True,
                             timeout=300, env=ENV, check=False)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = list(journal.events())
    assert [e["event"] for e in after].count("resume") == 1
    total = sum(e["result"]["examples"] for e in after if e["event"] == "done")
    assert total > before
    shown = int(resumed.stdout.split(" instances")[0].split(": ")[-1].replace(",", ""))
    assert shown == total

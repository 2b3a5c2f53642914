"""The summary of a run (runs/*.json) is a RunRecord: the bytes each command always wrote, read back field for field."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from theorycheck.report import OMITTED, RunRecord, rebuild_index, write_run

TOTALS = {
    "started": "2026-12-06T01:00:00+00:00", "command": "theorycheck check x", "claims": 2, "examples": 300,
    "violations": 3, "confirmed": 1, "artifacts": 1, "undecided": 1, "seconds": 12.345678,
}
# the objects `check`, `stress` and `demo` wrote before the record, key for key and in this order
CHECK = {**TOTALS, "seed": 1234, "interrupted": False, "store": None}
STRESS = {**TOTALS, "command": "theorycheck stress x", "interrupted": True, "resumed": False}
DEMO = {**TOTALS, "started": "2026-12-06T01:00:00", "command": "theorycheck demo --seed 0"}


def _through_json(data: dict[str, object]) -> dict[str, object]:
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("old", [CHECK, STRESS, DEMO], ids=["check", "stress", "demo"])
def test_a_run_record_writes_the_bytes_each_command_wrote_before_and_reads_them_back(old):
    run = RunRecord(**old)
    assert json.dumps(run.to_data(), indent=1) == json.dumps(old, indent=1)
    assert RunRecord.from_data(_through_json(run.to_data())) == run


def test_a_round_trip_loses_no_field():
    run = RunRecord(**TOTALS, seed=7, interrupted=True, store="kept/counterexamples", resumed=True)
    for field in attrs.fields(RunRecord):  # every field away from its default, so a dropped one is seen
        assert getattr(run, field.name) != field.default, field.name
    assert list(run.to_data()) == [f.name for f in attrs.fields(RunRecord)]
    assert RunRecord.from_data(_through_json(run.to_data())) == run


def test_a_store_that_is_off_is_written_as_null_and_a_field_a_command_omits_is_not_written():
    run = RunRecord(**TOTALS, store=None)
    assert run.to_data()["store"] is None
    assert "seed" not in run.to_data()
    assert RunRecord.from_data(run.to_data()).seed is OMITTED


def test_a_run_file_missing_a_total_reads_as_the_index_always_showed_it():
    run = RunRecord.from_data({"command": "theorycheck check old"})
    assert (run.command, run.claims, run.seconds, run.started) == ("theorycheck check old", 0, 0.0, "")


def test_what_is_not_a_run_record_is_refused():
    with pytest.raises(TypeError, match="JSON object, not list"):
        RunRecord.from_data([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="abc"):
        RunRecord.from_data({**TOTALS, "claims": "abc"})


def test_the_index_reads_runs_through_the_record_and_skips_what_is_not_one(tmp_path: Path):
    write_run(tmp_path, RunRecord(**CHECK))
    runs = tmp_path / "runs"
    (runs / "a-odd.json").write_text("[1, 2]")
    (runs / "b-bad.json").write_text(json.dumps({**TOTALS, "examples": "many"}))
    (runs / "c-torn.json").write_text('{"started": ')
    page = rebuild_index(tmp_path).read_text()
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["runs"] == [CHECK]
    assert "theorycheck check x" in page
    assert "12.3" in page
    (written,) = [p for p in runs.glob("*.json") if p.name[0].isdigit()]
    assert written.read_text() == json.dumps(CHECK, indent=1)

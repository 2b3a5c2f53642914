"""The records campaign tasks carry across processes: a round trip through their data (and JSON) loses no field."""

from __future__ import annotations

import json
import math
import pickle

import attrs
import pytest

from theorycheck.config import PROFILES
from theorycheck.errors import InvalidArgument
from theorycheck.tasks import (
    CheckSpec,
    ChunkResult,
    ChunkSpec,
    ClaimRef,
    ClaimSummary,
    Crash,
    EliteEntry,
    InFlight,
    PointsResult,
    PointsSpec,
    StopReason,
    Worst,
    WorstFile,
)

WORST = Worst("c: violated; margin -1 (d) on an instance", "an instance", {"tree": [1, 2]}, True)
ELITE = (EliteEntry(-1.0, {"tree": [1]}, {"draw": 3}), EliteEntry(0.5, {"tree": [2]}, None))

SPEC = ChunkSpec(
    task="c00007",
    attempt=2,
    seed=12345,
    examples=40,
    refine_seconds=0.0,
    ref={"kind": "file", "file": "claims.py", "name": "MINE"},
    profile=attrs.evolve(PROFILES["default"], seed=12345, database=None),
    report_dir="out",
    report_artifacts=False,
    elite=({"tree": [1]},),
    primed=({"draw": 3},),
    inflight="out/campaigns/stress-x/inflight/c00007.json",
    replay=("AAEC",),
    skip=("0123456789abcdef",),
    source="CLAIM = ...",
)

RESULT = ChunkResult(
    task="c00007",
    examples=40,
    applicable=30,
    violations=2,
    refine_evals=150,
    artifacts=1,
    seconds=3.5,
    search_rate=12.5,
    first_violation_at=7,
    first_violation_seconds=0.25,
    first_violation_stage="refine",
    worst_margin=-1.0,
    worst=WORST,
    elite=ELITE,
    stage="refine",
    violation_choices="AAEC",
    reports=("{}",),
    statuses=("confirmed",),
    lines=("CONFIRMED: ...",),
    submitted=1.5,
)

POINTS = PointsSpec(
    "ab12", [[{"kappa": 1.0, "n": 3.0}, 0], [{"kappa": 10.0, "n": 3.0}, 1]], {"kind": "catalogue", "id": "x"}, "src"
)
MEASURED = PointsResult("ab12", [2.0, None], [100, 1000], 0.5)


def _no_field_at_its_default(record: object) -> None:
    """Every field is set away from its default, so a round trip that drops one is seen."""
    for field in attrs.fields(type(record)):
        if field.default is not attrs.NOTHING:
            assert getattr(record, field.name) != field.default, field.name


def _through_json(data: dict[str, object]) -> dict[str, object]:
    return json.loads(json.dumps(data, allow_nan=False))


@pytest.mark.parametrize("record", [SPEC, POINTS], ids=["chunk spec", "scale task"])
def test_a_spec_survives_its_journaled_form_given_the_shipped_source_again(record):
    _no_field_at_its_default(record)
    data = _through_json(record.to_data())
    assert "source" not in data  # the claim file's text is shipped, never journaled
    assert type(record).from_data(data, record.source) == record


@pytest.mark.parametrize("record", [RESULT, MEASURED, WORST, ELITE[0]], ids=["chunk", "scale", "worst", "elite"])
def test_a_result_survives_a_round_trip_through_json(record):
    _no_field_at_its_default(record)
    assert type(record).from_data(_through_json(record.to_data())) == record


@pytest.mark.parametrize("record", [SPEC, RESULT, POINTS, MEASURED], ids=["spec", "result", "points", "measured"])
def test_a_record_survives_pickling_as_it_crosses_to_a_worker(record):
    assert pickle.loads(pickle.dumps(record)) == record  # noqa: S301 - our own bytes


def test_an_elite_entry_without_a_draw_survives_a_round_trip():
    assert EliteEntry.from_data(_through_json(ELITE[1].to_data())) == ELITE[1]


def test_a_journaled_chunk_result_keeps_no_report_text_and_reads_back_without_it():
    data = _through_json(RESULT.to_data(with_reports=False))
    assert "reports" not in data
    assert "lines" not in data
    assert ChunkResult.from_data(data) == attrs.evolve(RESULT, reports=(), lines=())


def test_a_non_finite_worst_margin_travels_as_none_and_comes_back_by_whether_it_was_a_violation():
    violated = attrs.evolve(RESULT, worst_margin=None)
    assert violated.margin == -math.inf
    assert attrs.evolve(violated, worst=attrs.evolve(WORST, violated=False)).margin == math.inf
    assert RESULT.margin == -1.0


def test_a_worst_instance_journaled_before_its_description_was_a_field_shows_its_summary():
    old = {k: v for k, v in WORST.to_data().items() if k != "described"}
    assert Worst.from_data(old).described == WORST.summary


def test_a_stop_reason_is_its_journaled_word_and_has_a_message():
    assert StopReason("interrupted") is StopReason.INTERRUPTED
    assert json.dumps(StopReason.BUDGET) == '"budget"'
    assert all(reason.message for reason in StopReason)


@pytest.mark.parametrize(
    ("ref", "text"),
    [(ClaimRef.catalogue("thm1.x"), "thm1.x"), (ClaimRef.in_file("/a/claims.py", "MINE"), "/a/claims.py::MINE")],
    ids=["catalogue", "file"],
)
def test_a_claim_reference_survives_its_data_and_names_its_target(ref, text):
    assert ClaimRef.from_data(_through_json(ref.to_data())) == ref
    assert ref.text == text
    assert set(ref.to_data()) == ({"kind", "id"} if ref.in_catalogue else {"kind", "file", "name"})


def test_a_claim_reference_of_an_unknown_kind_or_missing_a_field_is_refused_by_name():
    with pytest.raises(InvalidArgument, match=r"claim_ref\.kind"):
        ClaimRef.from_data({"kind": "catalog", "id": "x"})
    with pytest.raises(InvalidArgument, match=r"claim_ref\.name"):
        ClaimRef.from_data({"kind": "file", "file": "a.py"})


def test_a_check_spec_survives_its_data():
    spec = CheckSpec(ClaimRef.in_file("a.py", "MINE"), SPEC.profile, 30, "out")
    _no_field_at_its_default(spec)
    assert CheckSpec.from_data(_through_json(spec.to_data())) == spec
    assert pickle.loads(pickle.dumps(spec)) == spec  # noqa: S301 - our own bytes


def test_the_journaled_forms_keep_the_key_order_journals_have_always_had():
    assert list(SPEC.to_data()) == [
        "task", "attempt", "seed", "examples", "refine_seconds", "ref", "profile", "elite", "primed", "inflight",
        "report_dir", "report_artifacts", "replay", "skip",
    ]
    assert list(RESULT.to_data()) == [
        "task", "examples", "applicable", "violations", "refine_evals", "first_violation_at",
        "first_violation_seconds", "first_violation_stage", "artifacts", "worst_margin", "worst", "elite", "stage",
        "violation_choices", "reports", "statuses", "lines", "seconds", "search_rate", "submitted",
    ]


def test_a_record_reads_back_past_a_key_it_has_no_field_for_and_defaults_an_absent_one():
    data = _through_json(RESULT.to_data())
    data["added_by_a_later_version"] = 1
    del data["submitted"]
    assert ChunkResult.from_data(data) == attrs.evolve(RESULT, submitted=None)


def test_a_claim_summary_survives_its_data_and_pickling_as_it_comes_back_from_a_worker():
    summary = ClaimSummary(
        claim="mine.x",
        expect="refuted",
        line="mine.x: CONFIRMED ...",
        examples=41,
        violation=True,
        counterexample=2,
        unconfirmed=True,
        artifacts=1,
        undecided=3,
        reports=("out/mine.x-0123",),
        interrupted=True,
    )
    _no_field_at_its_default(summary)
    assert set(summary.to_data()) == {f.name for f in attrs.fields(ClaimSummary)}
    assert ClaimSummary.from_data(_through_json(summary.to_data())) == summary
    assert pickle.loads(pickle.dumps(summary)) == summary  # noqa: S301 - our own bytes


INFLIGHT = InFlight(ClaimRef.in_file("a.py", "MINE"), {"tree": [1, 2]}, "0123456789abcdef", 4242)


def test_an_in_flight_file_survives_its_write_and_read(tmp_path):
    path = tmp_path / "c00007.json"
    INFLIGHT.write(path)
    assert InFlight.read(str(path)) == INFLIGHT
    assert set(json.loads(path.read_text())) == {"claim_ref", "instance", "digest", "pid"}  # as journaled before
    assert not list(tmp_path.glob("*.tmp"))


def test_a_missing_or_torn_in_flight_file_reads_as_none(tmp_path):
    assert InFlight.read(None) is None
    assert InFlight.read(str(tmp_path / "never-written.json")) is None
    torn = tmp_path / "torn.json"
    torn.write_text(json.dumps(INFLIGHT.to_data())[:30])
    assert InFlight.read(str(torn)) is None
    torn.write_text(json.dumps({**INFLIGHT.to_data(), "claim_ref": {"kind": "catalog", "id": "x"}}))
    assert InFlight.read(str(torn)) is None


def test_a_crash_file_survives_a_round_trip_through_json_given_the_shipped_source_again():
    crash = Crash(INFLIGHT, "a worker process died: ...", SPEC, "from hypothesis import example\n...")
    data = _through_json(crash.to_data())
    assert data["schema"] == "theorycheck.crash/1"
    assert data["instance"] == INFLIGHT.instance  # the instance at the top, as crash files always had it
    assert Crash.from_data(data, SPEC.source) == crash


@pytest.mark.parametrize("margin", [-0.25, None], ids=["finite", "not finite"])
def test_a_campaigns_worst_file_survives_a_round_trip_through_json(margin):
    worst = WorstFile("mine.x", ClaimRef.in_file("a.py", "MINE"), margin, WORST.summary, WORST.instance, "code")
    data = _through_json(worst.to_data())
    assert data["schema"] == "theorycheck.worst/1"
    assert WorstFile.from_data(data) == worst

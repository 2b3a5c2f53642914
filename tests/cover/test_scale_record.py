"""The record of a scale sweep: scale.json read back is the record, field for field."""

from __future__ import annotations

import json
from pathlib import Path

import attrs

from theorycheck.claims import AxisFit, ExponentVerdict
from theorycheck.report import (
    ScaleClaim,
    ScaleEntry,
    ScaleFit,
    ScaleRecord,
    ScaleRow,
    VariedAxis,
    rebuild_index,
    render_scale,
)

RECORD = ScaleRecord(
    created="2026-12-05T23:00:00+00:00",
    command="theorycheck scale x",
    claim=ScaleClaim("x", "T <= kappa^4", "Paper, Thm 1", "paper"),
    claim_ref={"kind": "catalogue", "id": "x"},
    quantity="GD steps",
    stated="kappa^4",
    setting="n = 3",
    varied=[VariedAxis("kappa", "power", [1.0, 10.0], "Thm 1")],
    fixed={"n": 3.0},
    repeats=2,
    tasks=2,
    tasks_done=1,
    tasks_lost=["ab12"],
    rows=[ScaleRow({"kappa": 1.0, "n": 3.0}, 0, 2.0, 100, 5.0), ScaleRow({"kappa": 10.0, "n": 3.0}, 0, None, 1000, None)],
    censored=1,
    fit=ScaleFit("log T = a_kappa * log kappa + c", [AxisFit("kappa", "kappa", 1.0, 0.1, 4.0, ExponentVerdict.LOOSE)],
                 0.5, 0.99, 4, 2, 0.95),
    fit_error="none",
    bound="bound holds",
    bound_violated=True,
    environment={"python": "3.12", "platform": "linux"},
    stopped="complete",
    folder="out/scales/x",
)


def test_a_scale_record_survives_scale_json_field_for_field():
    for field in attrs.fields(ScaleRecord):
        if field.default is not attrs.NOTHING:
            assert getattr(RECORD, field.name) != field.default, field.name
    data = json.loads(json.dumps(RECORD.to_data(), allow_nan=False))
    assert data["schema"] == "theorycheck.scale/1"
    assert ScaleRecord.from_data(data) == RECORD


def test_the_scale_page_reads_the_record_or_its_data_alike():
    assert render_scale(RECORD) == render_scale(RECORD.to_data())


def test_the_index_lists_a_sweep_read_through_its_record_with_the_keys_index_json_always_had(tmp_path: Path) -> None:
    folder = tmp_path / "scales" / "x-20261205"
    folder.mkdir(parents=True)
    (folder / "scale.json").write_text(json.dumps(RECORD.to_data(), indent=1))
    broken = tmp_path / "scales" / "broken"
    broken.mkdir()
    (broken / "scale.json").write_text(json.dumps({**RECORD.to_data(), "rows": [{"params": {}}]}))  # skipped
    rebuild_index(tmp_path)
    (entry,) = json.loads((tmp_path / "index.json").read_text())["scales"]
    assert entry == {
        "folder": "scales/x-20261205",
        "claim": "x",
        "created": RECORD.created,
        "bound": "bound holds",
        "violated": True,
        "fit": [a["text"] for a in RECORD.to_data()["fit"]["axes"]],
    }
    assert ScaleEntry.from_data(entry) == ScaleEntry.of(RECORD, "scales/x-20261205")
    assert 'href="scales/x-20261205/scale.html"' in (tmp_path / "index.html").read_text()


def test_an_index_entry_of_a_sweep_without_a_fit_survives_its_data() -> None:
    entry = ScaleEntry.of(attrs.evolve(RECORD, fit=None), "scales/y")
    assert entry.fit == ()
    assert ScaleEntry.from_data(json.loads(json.dumps(entry.to_data()))) == entry

"""Reports: bit-exact encoding, the record and page, atomic and concurrent writes, the index."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from pathlib import Path

import attrs
import numpy as np
import pytest

from tests.common.claims import FLOAT_FLOOR, OVERSHOOT, floor_instance, overshoot_instance
from theorycheck.claims import Case, Outcome, Procedure, check
from theorycheck.confirm import confirm
from theorycheck.dynamics import Recording
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.errors import InvalidArgument, InvalidType
from theorycheck.models import Balancing, WeightDecay, deep_mf
from theorycheck.report import (
    SCHEMA,
    ReportFiles,
    build,
    decode,
    encode,
    load_instance,
    read_record,
    rebuild,
    rebuild_index,
    trajectory,
    write_report,
)
from theorycheck.report._codec import _OBJECTIVE_FIELDS

REF = {"kind": "catalogue", "id": "none"}
HOW = {"method": "test", "examples": 1, "profile": "ci", "seed": 0}


def _same(a: object, b: object) -> bool:  # noqa: PLR0911 - one return per kind of value
    """Bit-for-bit equality through nested records (NaN equals NaN, -0.0 differs from 0.0)."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return isinstance(b, float) and a.hex() == b.hex()
    if isinstance(a, complex):
        return isinstance(b, complex) and _same(a.real, b.real) and _same(a.imag, b.imag)
    if isinstance(a, Case):
        return isinstance(b, Case) and _same(dict(a.values), dict(b.values))
    if isinstance(a, (Instance, Target)):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a))
        )
    if isinstance(a, dict) or hasattr(a, "items"):
        return dict(a).keys() == dict(b).keys() and all(_same(v, dict(b)[k]) for k, v in dict(a).items())  # type: ignore[call-overload]
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _nasty_case() -> Case:
    obj = deep_mf((2, 3, 2), field="complex", data_columns=3) + Balancing(0.7) + WeightDecay((0.1, 0.3), coef=1.0)
    rng = np.random.default_rng(1)
    sigma = np.array([1.0 / 3.0, 0.1])
    target = Target(np.diag(sigma).astype(complex), np.eye(2), sigma, np.eye(2))
    init = rng.standard_normal(obj.n_params) + 1j * rng.standard_normal(obj.n_params)
    inst = Instance(obj, target, init, 0.1, 7, data=rng.standard_normal((2, 3)), params={"kappa": 3.0, "kind": "x"})
    return Case(
        {
            "instance": inst,
            "floats": (math_nan := float("nan"), float("inf"), -0.0, 5e-324, 0.1),
            "complex": 1 / 3 + 2j,
            "ints": [1, np.int64(2)],
            "inits": rng.standard_normal((4, 5)).astype(np.float32),
            "nan_arr": np.array([math_nan, -0.0]),
            "nothing": None,
        }
    )


@pytest.mark.parametrize("inline", [False, True], ids=["npz", "inline-hex"])
def test_instances_survive_encoding_bit_for_bit(inline: bool) -> None:
    case = _nasty_case()
    tree, arrays = encode(case, inline=inline)
    json.dumps(tree)  # JSON-serialisable
    back = decode(json.loads(json.dumps(tree)), arrays)
    assert isinstance(back, Case)
    assert back["ints"] == [1, 2]
    assert _same(case, back)


def test_the_codec_covers_every_objective_field() -> None:
    assert set(_OBJECTIVE_FIELDS) == {f.name for f in dataclasses.fields(deep_mf((2, 2))) if f.init}


def test_an_unencodable_value_is_named_by_its_path() -> None:
    with pytest.raises(InvalidType, match=r"instance\.values\['fn'\]"):
        encode(Case({"fn": object()}))


def _files(tmp_path: Path, claim=OVERSHOOT, instance=None) -> ReportFiles:  # type: ignore[no-untyped-def]
    verdict = check(claim, instance if instance is not None else overshoot_instance())
    return build(claim, verdict, confirm(claim, verdict), claim_ref=REF, how_found=HOW, report_root=str(tmp_path))


def test_a_report_holds_the_schema_fields_and_the_instance_bit_for_bit(tmp_path: Path) -> None:
    files = _files(tmp_path)
    folder = write_report(tmp_path, files)
    record = read_record(folder)
    for key in ("schema", "claim", "claim_ref", "status", "status_reason", "verdict", "instance", "precision_ladder",
                "certification", "how_found", "replay", "example", "environment", "timing"):
        assert key in record
    assert record["schema"] == SCHEMA
    assert record["status"] == "certified"
    assert [r["precision"] for r in record["precision_ladder"]] == ["float64", "flint:113", "flint:256"]
    assert record["environment"]["versions"]["numpy"] == np.__version__
    assert _same(load_instance(folder), overshoot_instance())
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_the_example_snippet_rebuilds_the_instance(tmp_path: Path) -> None:
    files = _files(tmp_path)
    code = files.record["example"]
    assert code is not None
    namespace: dict[str, object] = {}
    exec(code, namespace)  # noqa: S102 - the snippet is our own output; running it is the test
    assert _same(namespace["COUNTEREXAMPLE"], overshoot_instance())
    assert _same(rebuild(encode(overshoot_instance(), inline=True)[0]), overshoot_instance())


def test_an_artifact_report_says_so_in_its_first_line(tmp_path: Path) -> None:
    files = _files(tmp_path, FLOAT_FLOOR, floor_instance())
    assert files.record["status"] == "artifact"
    body = files.html.split("<body>", 1)[1]
    assert "FLOATING-POINT ARTIFACT, NOT A COUNTEREXAMPLE" in body.split("</div>", 1)[0]


def test_pages_escape_every_string_they_show(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    claim = attrs.evolve(
        OVERSHOOT,
        id=f"x.{evil}",
        statement=evil,
        setting=evil,
        source=attrs.evolve(OVERSHOOT.source, note=evil, authors=evil),
    )
    inst = attrs.evolve(overshoot_instance(), params={"kind": evil})
    files = _files(tmp_path, claim, inst)
    assert "<script" not in files.html
    folder = write_report(tmp_path, files)
    index = rebuild_index(tmp_path).read_text()
    assert "<script" not in index
    assert "&lt;script&gt;" in index
    assert folder.name in index


def test_writing_the_same_report_twice_keeps_one_intact_folder(tmp_path: Path) -> None:
    files = _files(tmp_path)
    a = write_report(tmp_path, files)
    b = write_report(tmp_path, files)
    assert a == b
    assert sorted(p.name for p in tmp_path.iterdir()) == [a.name]


def test_report_files_survive_the_string_transport_used_by_xdist(tmp_path: Path) -> None:
    files = _files(tmp_path)
    back = ReportFiles.loads(files.dumps())
    assert back.name == files.name
    assert back.html == files.html
    assert back.record == json.loads(json.dumps(files.record))
    assert all(np.array_equal(back.arrays[k], v, equal_nan=True) for k, v in files.arrays.items())


def _writer(root: str, seed: int, rounds: int) -> None:
    for k in range(rounds):
        # half of the writes collide with another worker's (same instance), half are unique
        step = 1.5 + 0.01 * (k % 3) if k % 2 == 0 else 1.5 + 0.1 * seed + 0.001 * k
        inst = overshoot_instance(step=step)
        verdict = check(OVERSHOOT, inst)
        files = build(OVERSHOOT, verdict, confirm(OVERSHOOT, verdict, certify=False), claim_ref=REF, how_found=HOW)
        write_report(root, files)
        rebuild_index(root)


def test_a_report_written_while_other_workers_write_is_intact(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), s, 6)) for s in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(600)  # spawn + numba load under a loaded machine (xdist, other jobs) can take minutes
        assert p.exitcode == 0
    folders = [p for p in tmp_path.iterdir() if p.is_dir() and p.name != "runs"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers
    assert len(folders) == 3 + 4 * 3  # 3 shared + 3 unique per worker
    for folder in folders:
        record = read_record(folder)
        inst = load_instance(folder)
        assert _same(inst, overshoot_instance(step=inst.step))
        assert check(OVERSHOOT, inst).margin.hex() == record["verdict"]["margin"]["$float"]
        assert (folder / "report.html").read_text().rstrip().endswith("</html>")
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index["reports"]) == len(folders)


def test_reading_a_folder_that_is_not_a_report_names_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"no report\.json"):
        read_record(tmp_path)
    (tmp_path / "report.json").write_text("{not json")
    with pytest.raises(InvalidArgument, match=r"not valid JSON"):
        read_record(tmp_path)


def test_the_index_skips_broken_records_and_links_the_real_folder(tmp_path: Path) -> None:
    folder = write_report(tmp_path, _files(tmp_path))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "report.json").write_text(json.dumps({"schema": SCHEMA}))
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "odd.json").write_text("[1, 2]")
    record = json.loads((folder / "report.json").read_text())
    record["folder"] = "https://example.com/x"
    (folder / "report.json").write_text(json.dumps(record))
    index = rebuild_index(tmp_path).read_text()
    assert f'href="{folder.name}/report.html"' in index
    assert "example.com" not in index


def _deep_instance(max_steps: int = 1000) -> Instance:
    """Depth 3, 2x3x2, small balanced-ish start, a step that converges: several layers and imbalances to plot."""
    obj = deep_mf((2, 3, 2))
    sigma = np.array([1.0, 0.4])
    init = 0.3 * np.random.default_rng(5).standard_normal(obj.n_params)
    return Instance(obj, Target(np.diag(sigma), np.eye(2), sigma, np.eye(2)), init, 0.2, max_steps)


def _holds(_instance: object, _run: object) -> Outcome:
    return Outcome(1.0, "nothing", None, "a conclusion that reads nothing")


def _recording(every: int, observables: tuple[str, ...] = ("loss", "weights")) -> object:
    """A GD claim whose procedure records ``observables`` every ``every`` steps."""
    procedure = Procedure(record=Recording(every=every, observables=observables))
    return attrs.evolve(OVERSHOOT, procedure=procedure, conclusion=_holds, certificate=None)


def test_the_plots_come_from_the_checks_own_run_bit_for_bit_without_running_the_dynamics_again(monkeypatch) -> None:
    claim, instance = _recording(every=1), _deep_instance()
    verdict = check(claim, instance)
    assert verdict.run is not None
    again = trajectory(claim, instance)  # no run given: the instance is run again, as for an old caller

    def no_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the report ran the dynamics again")

    monkeypatch.setattr(Instance, "run", no_run)
    series = trajectory(claim, instance, run=verdict.run)
    assert list(series) == list(again)
    assert {"x", "loss", "sv_layer1", "sv_layer2", "sv_product", "imbalance1"} <= set(series)
    assert all(_same(series[k], again[k]) for k in series)
    assert series["x"].size == len(range(0, 1000, 3)) + 1  # the plot's grid (and the last step), not every step


@pytest.mark.parametrize(
    ("every", "observables"), [(7, ("loss", "weights")), (1, ("loss",))], ids=["another grid", "no weights"]
)
def test_a_run_that_did_not_record_what_the_plots_need_is_run_again(monkeypatch, every, observables) -> None:
    claim, instance = _recording(every, observables), _deep_instance()
    verdict = check(claim, instance)
    runs = []
    real_run = Instance.run

    def counted(self: Instance, *args: object, **kwargs: object) -> object:
        runs.append(kwargs.get("record"))
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(Instance, "run", counted)
    series = trajectory(claim, instance, run=verdict.run)
    assert len(runs) == 1
    assert {"loss", "sv_product", "imbalance1"} <= set(series)

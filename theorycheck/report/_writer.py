"""Writing report folders and the index, atomically, safe under concurrent writers.

* A report is assembled in a fresh temporary folder inside the report root and then renamed into place in
  one ``os.rename``: readers see either no folder or a complete one. Folder names carry a digest of the
  instance, so two workers writing the same counterexample produce one folder (the second rename finds it
  and discards its copy); different counterexamples never share a name.
* Single files (the index, run summaries) are written to a temporary file and ``os.replace``d.
* The index is rebuilt from the folders on disk, so it is always consistent with them, whoever wrote last.
* Every file gets the permissions an ordinary file gets (``0666`` less the umask, ``0644`` usually), temporary
  files included: a report folder shared by a team shows its index to all who can read the reports.
* :func:`check_writable` runs before a search, so a folder that cannot be written is found before the
  search's findings are, not after.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from theorycheck.errors import InvalidArgument
from theorycheck.report._codec import decode
from theorycheck.report._html import render_index
from theorycheck.report._record import ReportFiles
from theorycheck.report._run_record import RunRecord
from theorycheck.report._scale_record import ScaleEntry, ScaleRecord

RECORD = "report.json"
ARRAYS = "instance.npz"
PAGE = "report.html"


def _umask() -> int:
    mask = os.umask(0o022)  # read it by setting it: at import, before any thread of ours runs
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() gives a new file: mkstemp's 0600 would hide the index from others


def check_writable(root: str | os.PathLike[str], *, option: str = "--report-dir") -> None:
    """Raise unless ``root`` is (or can be created as) a folder this process can write to; leaves no trace.

    Raises:
        InvalidArgument: naming ``option``, the path and why (not a folder, no permission).
    """
    path = Path(root)
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent  # the nearest existing ancestor: where the folder would be created
    if not probe.is_dir():
        problem = f"cannot be created: {probe} is a file, not a folder"
        raise InvalidArgument(option, str(root), problem, "pass a folder path you can write to")
    try:
        fd, tmp = tempfile.mkstemp(dir=probe, prefix=".theorycheck-write-test-")
    except OSError as exc:
        problem = f"cannot be written ({type(exc).__name__}: {exc.strerror or exc})"
        raise InvalidArgument(option, str(root), problem, "pass a folder you can write to") from None
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace`` (mode as ``open``'s)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def write_report(root: str | os.PathLike[str], files: ReportFiles) -> Path:
    """Write one report folder under ``root`` atomically; return its path (existing identical one kept)."""
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    final = base / files.name
    if final.exists():
        return final
    tmp = base / f".tmp-{files.name}-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        record = dict(files.record)
        record["folder"] = files.name
        (tmp / RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")
        (tmp / ARRAYS).write_bytes(files.npz_bytes())
        (tmp / PAGE).write_text(files.html, encoding="utf-8")
        try:
            tmp.rename(final)  # atomic on one file system; fails if a twin already landed
        except OSError:
            if not final.exists():  # a real failure, not a concurrent twin
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def read_record(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON record of a report folder (or of a ``report.json`` path)."""
    path = Path(folder)
    if path.is_dir():
        path = path / RECORD
    if not path.is_file():
        raise InvalidArgument("REPORT_DIR", str(folder), "has no report.json", "pass a folder written by theorycheck")
    try:
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problem = f"report.json is not valid JSON ({exc})"
        raise InvalidArgument("REPORT_DIR", str(folder), problem, "regenerate it") from exc
    if not str(record.get("schema", "")).startswith("theorycheck.counterexample/"):
        raise InvalidArgument("REPORT_DIR", str(folder), "is not a theorycheck counterexample record", "check the path")
    return record


def load_instance(folder: str | os.PathLike[str]) -> Any:
    """Rebuild the stored instance bit for bit from a report folder."""
    record = read_record(folder)
    path = Path(folder)
    path = path if path.is_dir() else path.parent
    with np.load(path / record.get("arrays_file", ARRAYS), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return decode(record["instance"], arrays)


def rebuild(tree: Any) -> Any:
    """Rebuild an instance from an inline tree (the ``@example`` snippet of a report)."""
    return decode(tree)


def write_run(root: str | os.PathLike[str], run: RunRecord) -> Path:
    """Store one run's summary (its :class:`RunRecord`: totals, command, seconds) under ``runs/``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    path = Path(root) / "runs" / f"{stamp}-{os.getpid()}-{uuid.uuid4().hex[:6]}.json"
    write_atomic(path, json.dumps(run.to_data(), indent=1).encode())
    return path


def _listing(base: Path) -> tuple[list[str], ...]:
    """The names of what an index lists: report folders, run summaries, scale pages."""
    return (
        sorted(p.parent.name for p in base.glob(f"*/{RECORD}") if not p.parent.name.startswith(".")),
        sorted(p.name for p in (base / "runs").glob("*.json")),
        sorted(p.parent.name for p in (base / "scales").glob("*/scale.json")),
    )


def rebuild_index(root: str | os.PathLike[str]) -> Path:
    """Rewrite ``index.html`` (and ``index.json``) from the report folders and run summaries on disk.

    Safe under concurrent writers: after writing, the folder is listed again and the index rebuilt if a report,
    run or scale page landed meanwhile; so the last index written lists everything written before it (a
    writer whose file appeared after another's scan rebuilds after it).
    """
    base = Path(root)
    if not base.is_dir():
        raise InvalidArgument("DIR", str(root), "is not a folder", "pass the report folder (default: reports)")
    for _ in range(20):  # each pass is one more writer's file landing during the previous one: a few at most
        seen = _listing(base)
        _write_index(base)
        if _listing(base) == seen:
            break
    return base / "index.html"


def _write_index(base: Path) -> None:
    reports = []
    for rec in sorted(base.glob(f"*/{RECORD}")):
        if rec.parent.name.startswith("."):
            continue
        try:
            record = read_record(rec)
            _ = (record["status"], record["claim"]["id"], record["verdict"]["quantity"], record["instance_summary"])
        except (InvalidArgument, KeyError, TypeError):
            continue  # a foreign or broken file is skipped, not fatal to the index
        record["folder"] = rec.parent.name  # the link is the real folder, never a value read from the file
        reports.append(record)
    reports.sort(key=lambda r: r.get("created", ""), reverse=True)
    runs = []
    for path in sorted((base / "runs").glob("*.json"), reverse=True):
        # ValueError: not JSON, or a total that is not a number; TypeError: not a JSON object
        with contextlib.suppress(OSError, ValueError, TypeError):
            runs.append(RunRecord.from_data(json.loads(path.read_text(encoding="utf-8"))))
    scales = []
    for path in sorted((base / "scales").glob("*/scale.json"), reverse=True):
        # ValueError: not JSON, or a field out of its domain; KeyError/TypeError: not a scale record
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            sweep = ScaleRecord.from_data(json.loads(path.read_text(encoding="utf-8")))
            scales.append(ScaleEntry.of(sweep, f"scales/{path.parent.name}"))
    write_atomic(base / "index.html", render_index(reports, runs, scales).encode())
    slim = [{k: r[k] for k in ("folder", "status", "claim", "created") if k in r} for r in reports]
    listed = {"runs": [r.to_data() for r in runs], "scales": [s.to_data() for s in scales]}
    write_atomic(base / "index.json", json.dumps({"reports": slim, **listed}, indent=1).encode())

"""Counterexample reports: a versioned JSON record, bit-exact arrays (``.npz``), a self-contained HTML page.

Build with :func:`build` (cheap to ship between processes as :class:`ReportFiles`), write once with
:func:`write_report` (atomic), list everything with :func:`rebuild_index`. :func:`load_instance` and
:func:`rebuild` turn a report back into the instance, bit for bit.
"""

from theorycheck.report._codec import decode, encode
from theorycheck.report._record import SCHEMA, ReportFiles, build, environment, example_code, slug, trajectory
from theorycheck.report._run_record import OMITTED, RunRecord
from theorycheck.report._scale import render_scale
from theorycheck.report._scale_record import (
    SCALE_SCHEMA,
    ScaleClaim,
    ScaleEntry,
    ScaleFit,
    ScaleRecord,
    ScaleRow,
    VariedAxis,
)
from theorycheck.report._writer import (
    check_writable,
    load_instance,
    read_record,
    rebuild,
    rebuild_index,
    write_atomic,
    write_report,
    write_run,
)

__all__ = [
    "OMITTED",
    "SCALE_SCHEMA",
    "SCHEMA",
    "ReportFiles",
    "RunRecord",
    "ScaleClaim",
    "ScaleEntry",
    "ScaleFit",
    "ScaleRecord",
    "ScaleRow",
    "VariedAxis",
    "build",
    "check_writable",
    "decode",
    "encode",
    "environment",
    "example_code",
    "load_instance",
    "read_record",
    "rebuild",
    "rebuild_index",
    "render_scale",
    "slug",
    "trajectory",
    "write_atomic",
    "write_report",
    "write_run",
]

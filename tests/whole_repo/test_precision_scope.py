"""Precision is a value: python-flint's global precision is written in one scoped place, and the mpmath backend
is reached through the precision facade (review 12, finding 9)."""

from __future__ import annotations

import re
from pathlib import Path

import flint
import numpy as np

from theorycheck.precision import mpmath_backend
from theorycheck.precision.numeric import ball_eigvalsh, context, eigvalsh, lift

PACKAGE = Path(__file__).resolve().parents[2] / "theorycheck"


def _sources() -> dict[str, str]:
    return {str(p.relative_to(PACKAGE)): p.read_text() for p in PACKAGE.rglob("*.py")}


def test_flint_global_precision_is_assigned_only_in_the_scoped_helper() -> None:
    writers = [name for name, text in _sources().items() if re.search(r"^\s*flint\.ctx\.prec\s*=(?!=)", text, re.MULTILINE)]
    assert writers == ["precision/_flint.py"], writers


def test_the_private_mpmath_backend_module_is_imported_only_inside_precision() -> None:
    importers = [
        name
        for name, text in _sources().items()
        if "precision._mpmath" in text and not name.startswith("precision/")
    ]
    assert importers == [], importers


def test_ball_eigenvalues_are_computed_at_the_bits_given_and_leave_the_global_precision_alone() -> None:
    before = flint.ctx.prec
    mat = flint.arb_mat([[2, 1], [1, 2]])
    ends = ball_eigvalsh(mat, 300)
    assert flint.ctx.prec == before
    for (lo, hi), exact in zip(ends, (1, 3), strict=True):
        assert lo <= exact <= hi
    # computed at 300 bits: the enclosure of the eigenvalue 1 is far narrower than 53-bit balls could give
    assert float((ends[0][1] - ends[0][0]).upper()) < 2.0**-200
    iv = context("iv", 200)
    assert len(eigvalsh(iv, lift(iv, np.eye(2)))) == 2
    assert flint.ctx.prec == before


def test_the_precision_facade_builds_an_mpmath_backend_over_a_given_context() -> None:
    mp = context("mp", 113)
    xp = mpmath_backend(113, mp)
    assert xp.ctx is mp
    assert xp.bits == 113

"""Shared by the catalogue test files: run one catalogue entry under the active profile."""

from __future__ import annotations

import pytest

from theorycheck.catalogue import CATALOGUE
from theorycheck.search.hypothesis import assert_refuted, property_test


def params(prefix: str) -> list[object]:
    """One pytest param per catalogue claim whose id starts with ``prefix`` (explicit string ids)."""
    return [
        pytest.param(cid, id=cid, marks=[pytest.mark.slow] if entry.slow else [])
        for cid, entry in sorted(CATALOGUE.items())
        if cid.startswith(prefix)
    ]


def run(claim_id: str) -> None:
    """A theorem must survive the search; a false variant must be refuted within its budget."""
    entry = CATALOGUE[claim_id]
    if entry.claim.expect == "holds":
        property_test(entry.claim, entry.instances(), cost=entry.cost)()
    else:
        assert_refuted(entry.claim, entry.instances(), budget=entry.refute_budget, cost=entry.cost)

"""Ye and Du 2021 (asymmetric low-rank MF), arXiv 2106.14289.

One test per catalogue claim (theorycheck/catalogue); a theorem must survive the search, a false variant
(id with F...) must be refuted within its budget. Each claim's setting, algorithm, statement, reference and
tightness: ``theorycheck.catalogue.CATALOGUE[id].claim.doc()``.
"""

import pytest

from properties._runner import params, run


@pytest.mark.parametrize("claim_id", params("yedu2021."))
def test_claim(claim_id: str) -> None:
    run(claim_id)


ERRATA = ["yedu2021.F_s3_2_5.b_norm_identity_as_printed", "yedu2021.F_s2_1.pl_inequality_as_printed"]


@pytest.mark.parametrize("claim_id", ERRATA)
def test_a_printed_erratum_is_refuted_with_a_confirmed_counterexample(claim_id: str) -> None:
    """The formula as printed fails on an instance whose violation survives the 113- and 256-bit rungs."""
    from theorycheck.catalogue import CATALOGUE
    from theorycheck.confirm import confirm
    from theorycheck.search.hypothesis import assert_refuted

    entry = CATALOGUE[claim_id]
    verdict = assert_refuted(entry.claim, entry.instances(), budget=entry.refute_budget, cost=entry.cost)
    confirmation = confirm(entry.claim, verdict)
    assert confirmation.status == "confirmed", confirmation.reason
    assert "recovered" in entry.claim.source.note

"""Nguegnang, Rauhut, Terstiege (GD for deep linear networks), arXiv 2108.02040; reconstructed.

Step sizes are certified at test time (the paper's constants are unknown).
One test per catalogue claim (theorycheck/catalogue); a theorem must survive the search, a false variant
(id with F...) must be refuted within its budget. Each claim's setting, algorithm, statement, reference and
tightness: ``theorycheck.catalogue.CATALOGUE[id].claim.doc()``.
"""

import pytest

from properties._runner import params, run


@pytest.mark.parametrize("claim_id", params("nguegnang."))
def test_claim(claim_id: str) -> None:
    run(claim_id)

"""Chen, Jiang, Wang 2025 (regularised deep MF landscape), arXiv 2506.20344; reconstructed classification.

One test per catalogue claim (theorycheck/catalogue); a theorem must survive the search, a false variant
(id with F...) must be refuted within its budget. Each claim's setting, algorithm, statement, reference and
tightness: ``theorycheck.catalogue.CATALOGUE[id].claim.doc()``.
"""

import pytest

from properties._runner import params, run


@pytest.mark.parametrize("claim_id", params("chen2025."))
def test_claim(claim_id: str) -> None:
    run(claim_id)

"""Shared exact identities of deep linear networks (theorems.md sections 0 and 5) and their false variants."""

import pytest

from properties._runner import params, run


@pytest.mark.parametrize("claim_id", params("shared."))
def test_shared_identity(claim_id: str) -> None:
    run(claim_id)

"""Every catalogue claim's outcome states the scale of its quantity (review 12, finding 3).

The ladder's rounding rule (a violation within 16 float64 ulps of its scale is never confirmed without a
certificate) applies only to outcomes that carry a scale; a claim whose outcome has none must say why in
:data:`NO_SCALE`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from theorycheck.catalogue import CATALOGUE
from theorycheck.claims import check

NO_SCALE: dict[str, str] = {}
"""claim id -> why its outcome carries no scale."""


@pytest.mark.parametrize("claim_id", sorted(CATALOGUE))
def test_every_catalogue_claims_outcome_carries_a_scale_or_says_why_not(claim_id: str) -> None:
    entry = CATALOGUE[claim_id]
    if entry.slow:
        pytest.skip("long runs: checked by the properties run")
    seen: list[tuple[str, float | None]] = []

    @settings(max_examples=3, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def evaluate(data: st.DataObject) -> None:
        verdict = check(entry.claim, data.draw(entry.instances()))
        if verdict.status in ("holds", "violated"):
            seen.append((verdict.status, verdict.scale))

    evaluate()
    if claim_id in NO_SCALE:
        return
    assert seen, f"{claim_id}: no applicable example in 3 draws"
    missing = [s for s in seen if s[1] is None]
    assert not missing, f"{claim_id}: outcomes without a scale {missing}"

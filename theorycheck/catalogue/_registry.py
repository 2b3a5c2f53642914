"""The catalogue: claim id -> (claim, instance strategy, budget). Filled by the paper modules at import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import strategies as st

from theorycheck.claims import Claim, Scaling
from theorycheck.errors import InvalidArgument


@attrs.frozen
class Entry:
    """A catalogue claim with the strategy that draws its instances.

    Attributes:
        claim: the claim.
        instances: a zero-argument factory of the instance strategy (built lazily, at test time).
        refute_budget: for a false variant, examples within which it must be refuted (None: the profile's).
        slow: long runs; marked slow in pytest.
        cost: examples are this many times dearer than usual: the profile's budgets are divided by it
            (at least 2 examples), e.g. a claim whose instance is a batch of 16 seeds of 2e5 steps.
        refinable: ``theorycheck stress`` may move the instance's singular values, scales, step and angles
            (``search.refine``). Opt in only when the claim's assumptions state everything an instance must
            satisfy and its checks read the instance, not the drawn ``params``: refinement leaves the
            strategy's structure behind (a Sigma = sigma_1 I target gets distinct singular values, an eta tied
            to sigma_1 comes loose), and the claim is the only judge of the refined instance.
        scaling: what ``theorycheck scale`` sweeps and fits for this claim, or None.
    """

    claim: Claim
    instances: Callable[[], st.SearchStrategy[Any]]
    refute_budget: int | None = None
    slow: bool = False
    cost: int = 1
    refinable: bool = False
    scaling: Scaling | None = None


CATALOGUE: dict[str, Entry] = {}


def register(claim: Claim, instances: Callable[[], st.SearchStrategy[Any]], **kwargs: Any) -> Claim:
    """Add a claim to the catalogue (ids are unique) and return it."""
    if claim.id in CATALOGUE:
        raise InvalidArgument("claim.id", claim.id, "is already in the catalogue", "give the claim a unique id")
    CATALOGUE[claim.id] = Entry(claim, instances, **kwargs)
    return claim

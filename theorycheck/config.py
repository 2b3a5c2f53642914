"""Run profiles: plain, frozen data (no Hypothesis import). ``search.hypothesis`` derives Hypothesis settings.

Chosen by ``THEORYCHECK_PROFILE`` (``ci``, ``default``, ``deep``) or the pytest option
``--theorycheck-profile`` (which sets the variable for the session and its xdist workers).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import attrs

from theorycheck._validation import check_choice, check_int

ENV_PROFILE = "THEORYCHECK_PROFILE"
ENV_DATABASE = "THEORYCHECK_DATABASE"
ENV_SEED = "THEORYCHECK_SEED"
DEFAULT_DATABASE = ".theorycheck/examples"


@attrs.frozen
class Profile:
    """How hard to search.

    Attributes:
        name: "ci", "default" or "deep".
        max_examples: examples per claim that should hold.
        refute_examples: budget within which a false variant must be refuted (a weaker search fails CI).
        seed: a fixed Hypothesis seed (reproducible CI) or None for fresh randomness. (Hypothesis's own
            ``derandomize`` would switch the example database off; a fixed seed keeps it.)
        database: where Hypothesis keeps failing examples (replayed first next time); None disables it.
        shrink_cost_limit: claims whose examples cost more than this are not shrunk (each shrink step re-runs
            the whole instance); the failing example is still reported.
        search_rung: the cheap precision rung run inside the search on every float64 violation ("flint:113"),
            so shrinking keeps real violations and float64 artifacts are set aside; None: float64 only (the
            full ladder still runs once on the shrunk example).
        refine_share: after Hypothesis's phases, refinement over the draws and boundary search from the worst
            examples, with this many evaluations per Hypothesis example (0: none, so ``ci`` stays fast and
            exactly seeded).
    """

    name: str
    max_examples: int
    refute_examples: int
    seed: int | None
    database: str | None = DEFAULT_DATABASE
    shrink_cost_limit: float = float("inf")
    search_rung: str | None = None
    refine_share: float = 0.0

    def to_data(self) -> dict[str, object]:
        """Plain JSON data (an infinite ``shrink_cost_limit`` becomes None): how campaign specs carry a profile."""
        data = attrs.asdict(self)
        data["shrink_cost_limit"] = None if math.isinf(self.shrink_cost_limit) else self.shrink_cost_limit
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Profile:
        """The profile :meth:`to_data` wrote."""
        return cls(**{"refine_share": 0.0, **data, "shrink_cost_limit": data["shrink_cost_limit"] or math.inf})


PROFILES = {
    "ci": Profile("ci", max_examples=12, refute_examples=60, seed=0, shrink_cost_limit=1),
    "default": Profile(
        "default", max_examples=100, refute_examples=300, seed=None, search_rung="flint:113", refine_share=1.0
    ),
    "deep": Profile(
        "deep", max_examples=2000, refute_examples=2000, seed=None, search_rung="flint:113", refine_share=0.5
    ),
}


def active_profile(name: str | None = None) -> Profile:
    """The named profile, else ``$THEORYCHECK_PROFILE``, else "default".

    The database path honours ``$THEORYCHECK_DATABASE`` (an empty string switches the database off);
    ``$THEORYCHECK_SEED`` overrides the seed (the pytest plugin sets it for the session and its workers).
    """
    chosen = name or os.environ.get(ENV_PROFILE) or "default"
    profile = PROFILES[check_choice(ENV_PROFILE if name is None else "profile", chosen, PROFILES)]
    db = os.environ.get(ENV_DATABASE)
    if db is not None:
        profile = attrs.evolve(profile, database=db or None)
    seed = os.environ.get(ENV_SEED)
    if seed:
        value = int(seed) if seed.strip().lstrip("-").isdigit() else seed
        profile = attrs.evolve(profile, seed=check_int(ENV_SEED, value, min_value=0))
    return profile

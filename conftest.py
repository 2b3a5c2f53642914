"""pytest options for theorycheck (until the pytest11 plugin of issue 5): the profile option and header line.

Choose the profile with ``--theorycheck-profile=ci|default|deep`` or ``THEORYCHECK_PROFILE``; the option
is exported to the environment so xdist workers (separate processes) see the same profile.
"""

from __future__ import annotations

import os

import pytest

from theorycheck.config import ENV_PROFILE, PROFILES, active_profile


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("theorycheck")
    group.addoption(
        "--theorycheck-profile",
        choices=sorted(PROFILES),
        default=None,
        help=f"search budget profile (default: ${ENV_PROFILE} or 'default')",
    )


def pytest_configure(config: pytest.Config) -> None:
    chosen = config.getoption("--theorycheck-profile")
    if chosen:
        os.environ[ENV_PROFILE] = chosen


def pytest_report_header(config: pytest.Config) -> str:  # noqa: ARG001 - hook signature
    profile = active_profile()
    seed = "random" if profile.seed is None else str(profile.seed)
    return (
        f"theorycheck profile {profile.name!r}: max_examples={profile.max_examples}, "
        f"refute_examples={profile.refute_examples}, seed={seed}, database={profile.database}; "
        f"reproduce with: pytest properties --theorycheck-profile={profile.name}"
    )

"""Every test keeps counterexamples in a folder of its own.

Searches keep the counterexamples they find and replay them first next time (``theorycheck.search.store``,
under ``$THEORYCHECK_DATABASE``, default ``.theorycheck/examples`` in the working directory). Without this,
one test's finding would be replayed by the next test of the same claim, and by the next run of the suite:
the tests would depend on their order and on what earlier runs left behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from theorycheck.config import ENV_DATABASE


@pytest.fixture(autouse=True)
def _own_counterexample_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_DATABASE, str(tmp_path / ".theorycheck-examples"))

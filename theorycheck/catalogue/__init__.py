"""The theorem catalogue: every claim of the four seed papers with its instance strategy.

Importing this package registers every claim in :data:`CATALOGUE` (id -> :class:`Entry`).
``properties/`` turns each entry into a pytest test; the CLI (``theorycheck list|check``) lists and checks them by id.
"""

from theorycheck.catalogue import (  # noqa: F401 - registers claims
    _chen2025,
    _luo2025,
    _luo2025_paper,
    _nguegnang,
    _shared,
    _yedu2021,
    _yedu2021_paper,
)
from theorycheck.catalogue._markdown import render as render_markdown
from theorycheck.catalogue._registry import CATALOGUE, Entry, register

__all__ = ["CATALOGUE", "Entry", "register", "render_markdown"]

"""Counterexamples kept between runs: the choices that built each violation found, replayed first next time.

Hypothesis's example database does nothing for a seeded run (``hypothesis.seed`` switches it off: a seeded
run neither loads nor saves failures), and theorycheck runs seeded almost everywhere: the pytest plugin
always hands a seed to every test, ``check --seed N`` and the ``ci`` profile are seeded, and every stress
chunk is. So theorycheck keeps its own record, whatever the seed:

* when a search ends with a violation, the choice sequence that builds the (shrunk) violating example is
  saved under the claim's id in the profile's database folder (``.theorycheck/examples`` by default,
  ``THEORYCHECK_DATABASE`` to move it, empty to switch it off), in Hypothesis's directory format under a key
  of our own;
* every later search of that claim (a ``property_test`` under pytest, ``theorycheck check``, the first chunk
  of a fresh ``theorycheck stress`` campaign) offers those sequences to Hypothesis's reuse phase before
  anything else (:class:`~theorycheck.search.draws.PrimedDatabase`): a counterexample found once fails again
  at once, and is reported through the usual path (``first_violation_stage == "reuse"``);
* a stored sequence that no longer fails (the claim or its strategy was fixed) is dropped by that reuse
  phase, as Hypothesis drops its own stale entries.

Refutation tests (``assert_refuted``) neither load nor save: they measure the search's power within a
budget, which a replayed counterexample would fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis.database import DirectoryBasedExampleDatabase, choices_from_bytes, choices_to_bytes

from theorycheck.config import Profile
from theorycheck.search.draws import Choice

_PREFIX = b"theorycheck.counterexamples:"


def encode_choices(choices: Sequence[Choice]) -> str:
    """A choice sequence as text (Hypothesis's byte format, hex): how a stress chunk spec carries it."""
    return choices_to_bytes(choices).hex()


def decode_choices(text: str) -> tuple[Choice, ...] | None:
    """The sequence :func:`encode_choices` wrote, or None if it is not one."""
    try:
        return choices_from_bytes(bytes.fromhex(text))  # type: ignore[return-value]
    except ValueError:
        return None


class Counterexamples:
    """The counterexamples found so far, by claim id, in a folder (one file per choice sequence).

    Concurrent writers (xdist workers, several ``check`` processes) are safe: each sequence is one file,
    named by its hash and written atomically by Hypothesis's directory database.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = DirectoryBasedExampleDatabase(self.path)

    @classmethod
    def of(cls, profile: Profile) -> Counterexamples | None:
        """The profile's store (its ``database`` folder), or None when the profile keeps none."""
        return cls(profile.database) if profile.database else None

    @staticmethod
    def _key(claim_id: str) -> bytes:
        return _PREFIX + claim_id.encode()

    def load(self, claim_id: str) -> list[tuple[Choice, ...]]:
        """The stored choice sequences of ``claim_id`` (unreadable files skipped), in a stable order."""
        out = []
        for value in sorted(self._db.fetch(self._key(claim_id))):
            choices = choices_from_bytes(value)
            if choices is not None:
                out.append(tuple(choices))
        return out  # type: ignore[return-value]

    def save(self, claim_id: str, choices: Sequence[Choice]) -> None:
        """Keep a violating example's choices (saving the same sequence twice keeps one)."""
        self._db.save(self._key(claim_id), choices_to_bytes(choices))

    def forget(self, claim_id: str, value: bytes) -> None:
        """Drop a stored sequence (given in Hypothesis's byte format) that no longer fails."""
        self._db.delete(self._key(claim_id), value)

    def __repr__(self) -> str:
        return f"Counterexamples({str(self.path)!r})"

"""The catalogue stands on its own: a generated document, the papers' own numbering, errata next to their fixes."""

from __future__ import annotations

import re
from pathlib import Path

from theorycheck.catalogue import CATALOGUE
from theorycheck.catalogue._markdown import render

ROOT = Path(__file__).resolve().parents[2]


def test_docs_catalogue_md_is_generated_from_the_claims_and_up_to_date():
    on_disk = (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert on_disk == render(CATALOGUE), "out of date: run `theorycheck list --markdown > docs/catalogue.md`"
    for claim_id in CATALOGUE:
        assert f"### `{claim_id}`" in on_disk


def test_no_user_facing_text_names_a_file_outside_the_project():
    places = [ROOT / "README.md", *(ROOT / "docs").rglob("*"), *(ROOT / "theorycheck").rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in places if p.is_file() and "theorems.md" in p.read_text("utf-8")]
    assert offenders == []


def test_at_least_ten_claims_of_the_two_papers_with_known_text_carry_the_papers_own_numbering():
    paper = [
        e.claim
        for cid, e in CATALOGUE.items()
        if cid.startswith(("yedu2021.", "luo2025.")) and e.claim.source.provenance == "paper"
    ]
    assert len(paper) >= 10
    for claim in paper:
        assert re.search(r"(Theorems?|Lemmas?|Section|eq\.|Corollary) ?\(?\d", claim.source.locator), claim.source.locator


def test_every_printed_erratum_is_a_refuted_paper_claim_next_to_a_corrected_claim_that_holds():
    errata = {cid: e.claim for cid, e in CATALOGUE.items() if cid.endswith("_as_printed")}
    assert len(errata) >= 2
    for cid, claim in errata.items():
        assert claim.expect == "refuted"
        assert claim.source.provenance == "paper"
        assert "recovered" in claim.source.note
        assert "as printed" in claim.source.locator
        corrected = re.findall(r"yedu2021\.[\w.]+", claim.source.note)
        assert corrected, f"{cid} names no corrected claim"
        assert all(CATALOGUE[c].claim.expect == "holds" for c in corrected)


def test_the_readme_counts_the_catalogue_as_it_is():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    paper = sum(e.claim.source.provenance == "paper" for e in CATALOGUE.values())
    assert f"({len(CATALOGUE)} claims of the four seed papers" in text
    assert f"; {paper} state the papers' own results" in text

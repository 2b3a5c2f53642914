"""``docs/catalogue.md``: the catalogue as a document that stands on its own, generated from the claims.

``theorycheck list --markdown > docs/catalogue.md`` regenerates it; a test fails when the file is out of date.
"""

from __future__ import annotations

from collections.abc import Mapping

from theorycheck.catalogue._registry import Entry

PAPERS = (
    ("yedu2021.", ("Ye & Du 2021, Global Convergence of Gradient Descent for Asymmetric Low-Rank Matrix Factorization "
     "(NeurIPS 2021, arXiv 2106.14289)")),
    ("luo2025.", ("Luo, Xu, Gao, Fazel, Du 2025, Global Convergence of Four-Layer Matrix Factorization under Random "
     "Initialization (arXiv 2511.09925)")),
    ("nguegnang.", ("Nguegnang, Rauhut, Terstiege, Convergence of gradient descent for learning linear neural networks "
     "(arXiv 2108.02040; Advances in Continuous and Discrete Models 2024)")),
    ("chen2025.", ("Chen, Jiang, Wang 2025, A Complete Loss Landscape Analysis of Regularized Deep Matrix "
     "Factorization (arXiv 2506.20344)")),
    ("shared.", "Shared identities of deep linear networks (Du, Hu, Lee 2018; Arora, Cohen, Hazan 2018)"),
)

HEADER = """# The claim catalogue

Generated from `theorycheck.catalogue` by `theorycheck list --markdown > docs/catalogue.md` (a test fails when
this file is out of date). Every claim runs as a property under `pytest properties` and by id under `theorycheck
check ID`.

* **Provenance "paper"**: the statement is the cited paper's own (its theorem, lemma, section or equation
  numbers, its constants); what the main text leaves open (O-constants, lost displays) is named under
  "Still reconstructed".
* **Provenance "reconstructed"**: our formulation (constants we chose, a derivation of ours, or a result whose
  text is not available); "Reconstruction" says what was reconstructed and how it was checked.
* **Expect "refuted"**: a false variant (or a formula as printed that is false): the search must find a
  counterexample within its budget. Errata are findings about the formula *as printed in the recovered copy*
  of the paper (a conversion of the PDF that can lose a sign or a factor) until checked against the published
  PDF.

Sources: Ye & Du 2021 and Luo et al. 2025 are cited from their recovered main text (no appendix); for
Nguegnang et al. and Chen et al. only the abstract, the introduction and a secondary summary were available,
so their claims are reconstructed.
"""


def _paper_of(claim_id: str) -> str:
    return next((title for prefix, title in PAPERS if claim_id.startswith(prefix)), "Other")


def _one(claim_id: str, entry: Entry) -> list[str]:
    c = entry.claim
    s = c.source
    lines = [f"### `{claim_id}`", ""]
    expect = "holds (a theorem)" if c.expect == "holds" else "refuted (a false variant: must be refuted)"
    lines += [
        f"* **Statement.** {c.statement}",
        f"* **Setting.** {c.setting}",
        f"* **Algorithm.** {c.algorithm}",
        f"* **Source.** {s.cite()}",
        f"* **Expect.** {expect}",
    ]
    if s.provenance == "paper":
        lines.append(f"* **Still reconstructed / notes.** {s.note or 'nothing: the statement as the paper gives it.'}")
    else:
        why = s.note or (
            "a false variant we formulated next to the cited result; checked by refutation (a confirmed "
            "counterexample within the budget)."
            if c.expect == "refuted"
            else "our formulation of the cited result; checked by its property test."
        )
        lines.append(f"* **Reconstruction and check.** {why}")
    lines.append(f"* **Tightness.** {c.tightness or 'not known.'}")
    if entry.scaling is not None:
        lines.append("* **Scaling law.** yes (`theorycheck scale`).")
    return [*lines, ""]


def render(catalogue: Mapping[str, Entry]) -> str:
    """The whole document for ``catalogue`` (id -> Entry), grouped by paper, ids sorted."""
    out = [HEADER]
    total = len(catalogue)
    paper = sum(e.claim.source.provenance == "paper" for e in catalogue.values())
    refuted = sum(e.claim.expect == "refuted" for e in catalogue.values())
    out.append(f'{total} claims: {paper} with provenance "paper", {total - paper} reconstructed; {refuted} '
               "false variants.\n")
    out.append("| id | provenance | expect | source |")
    out.append("|---|---|---|---|")
    for cid, e in sorted(catalogue.items()):
        locator = e.claim.source.locator.replace("|", "\\|")  # a norm's bars would split the table's cells
        out.append(f"| `{cid}` | {e.claim.source.provenance} | {e.claim.expect} | {locator} |")
    out.append("")
    for prefix, title in (*PAPERS, ("", "Other")):
        ids = sorted(cid for cid in catalogue if _paper_of(cid) == title and cid.startswith(prefix))
        if not ids:
            continue
        out += [f"## {title}", ""]
        for cid in ids:
            out += _one(cid, catalogue[cid])
    return "\n".join(out).rstrip() + "\n"

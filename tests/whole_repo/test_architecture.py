"""Architecture rules that must stay true: cheap import, a pure core, a consistent facade."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import theorycheck

ROOT = Path(__file__).resolve().parents[2]


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_importing_theorycheck_does_not_load_numba_mpmath_flint_hypothesis_or_pytest():
    loaded = _imported_after("import theorycheck")
    assert not {"numba", "mpmath", "flint", "hypothesis", "pytest"} & loaded


def test_running_every_backend_never_loads_hypothesis_or_pytest():
    loaded = _imported_after(
        "import numpy as np, theorycheck as tc; o = tc.deep_mf((2, 2, 2)) + tc.Balancing(1.0);"
        "[tc.run_gd(o, np.eye(2), np.full(8, .3), step=.1, max_steps=3, precision=p) for p in ('float64', 'flint:113', 'mpmath:113')];"
        "tc.run_gf(o, np.eye(2), np.full(8, .3), t_max=.1); tc.hessian(o, np.eye(2), np.full(8, .3))"
    )
    assert "numba" in loaded
    assert not {"hypothesis", "pytest"} & loaded


def test_the_facade_exports_exactly_what_it_names():
    names = {name for name in dir(theorycheck) if not name.startswith("_")}
    submodules = {n for n in names if type(getattr(theorycheck, n)).__name__ == "module"} - {"invariants"}
    public = names - submodules
    assert set(theorycheck.__all__) - {"__version__"} == public
    for name in theorycheck.__all__:
        assert getattr(theorycheck, name) is not None


def test_the_import_layers_contract_holds():
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    out = subprocess.run([lint_imports], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_strategies_draw_no_global_numpy_randomness():
    # every random bit comes through Hypothesis; local generators are seeded with drawn seeds
    for path in (ROOT / "theorycheck" / "strategies").glob("*.py"):
        for line_no, line in enumerate(path.read_text().splitlines(), start=1):
            if "np.random." in line:
                assert "np.random.default_rng(seed)" in line, f"{path.name}:{line_no}: {line.strip()}"


def test_the_strategies_facade_exports_exactly_its_public_names():
    from theorycheck import strategies

    public = {n for n in dir(strategies) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(strategies, n)).__name__ == "module"}
    assert set(strategies.__all__) == public - modules

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


_PACKAGE = Path(theorycheck.__file__).parent
# a facade is a package with private modules (``search`` has public modules only and no facade)
_FACADES = sorted(
    ".".join(("theorycheck", *p.parent.relative_to(_PACKAGE).parts))
    for p in _PACKAGE.rglob("__init__.py")
    if any(q.name.startswith("_") and q.name != "__init__.py" for q in p.parent.glob("*.py"))
)


def _imported_names(tree_root: Path) -> dict[str, set[str]]:
    """Facade -> the names other modules import from it (``from theorycheck.x import a, b``)."""
    import ast

    found: dict[str, set[str]] = {facade: set() for facade in _FACADES}
    roots = [tree_root / "theorycheck", tree_root / "tests", tree_root / "properties", tree_root / "benchmarks"]
    for path in (p for root in roots if root.exists() for p in root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in found and node.level == 0:
                found[node.module] |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("facade", _FACADES)
def test_every_facade_names_each_export_once_and_every_name_exists(facade):
    import importlib

    module = importlib.import_module(facade)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), sorted(n for n in exported if exported.count(n) > 1)
    assert [n for n in exported if not hasattr(module, n)] == []


@pytest.mark.parametrize("facade", _FACADES)
def test_every_name_imported_from_a_facade_is_in_its_all(facade):
    import importlib

    module = importlib.import_module(facade)
    # submodules (``from theorycheck.models import invariants``) are reached as attributes, not exports
    folder = Path(module.__path__[0])
    imported = {
        n
        for n in _imported_names(_PACKAGE.parent)[facade]
        if not (folder / f"{n}.py").exists() and not (folder / n / "__init__.py").exists()
    }
    assert sorted(imported - set(module.__all__)) == []


def test_no_module_imports_another_packages_private_module():
    """lint-imports' private_modules contract, restated for the files outside the package (tests excepted)."""
    import re

    private = re.compile(r"^\s*(from|import) theorycheck(\.\w+)*\._\w+", re.MULTILINE)
    roots = [_PACKAGE.parent / "properties", _PACKAGE.parent / "benchmarks"]
    offenders = [str(p) for root in roots if root.exists() for p in root.rglob("*.py") if private.search(p.read_text())]
    assert offenders == []


# Status words of the verdict, rung, confirmation, certification, exponent and stop-reason enums. Outside the
# modules that define the enums (claims/_records.py, claims/_fit.py, confirm.py, tasks.py) code names a status by
# its member.
_STATUS_WORDS = {
    "holds", "violated", "not_applicable", "confirmed", "certified", "artifact", "undecided", "not_certified",
    "unavailable", "loose", "consistent (tight)", "no stated exponent",
    "exceeds (the bound cannot hold as the parameter grows)",
    "budget", "counterexample", "interrupted", "error", "complete",
}
_ENUM_MODULES = {"claims/_records.py", "claims/_fit.py", "confirm.py", "tasks.py"}
# the same words used as something else: table headings and a scale bound's verdict shown as text
_NOT_STATUSES = {
    ("report/_html.py", "'claims checked'"),  # the column headings of the runs table
    ("report/_html.py", "'BOUND VIOLATED'"),  # a scaling bound's verdict, not a claim's
}


def _status_literals(path: Path, relative: str) -> list[tuple[int, str]]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in _STATUS_WORDS):
            continue
        parent = parents[node]
        context = ast.unparse(parent)
        if (
            isinstance(parent, ast.Expr | ast.JoinedStr)  # docstrings and text
            or (isinstance(parent, ast.Dict) and any(k is node for k in parent.keys))  # a JSON field's name
            or (isinstance(parent, ast.Subscript) and parent.slice is node)  # reading that field
            or (isinstance(parent, ast.Call) and context.split("(")[0].endswith(".get"))  # reading it with a default
            or "expect" in context  # a claim's expectation ("holds" or "refuted"), not a status
            or any(relative == f and marker in context for f, marker in _NOT_STATUSES)
        ):
            continue
        found.append((node.lineno, context))
    return found


def test_no_status_literal_appears_outside_the_module_of_its_enum():
    offenders = {
        path.relative_to(_PACKAGE).as_posix(): lines
        for path in sorted(_PACKAGE.rglob("*.py"))
        if path.relative_to(_PACKAGE).as_posix() not in _ENUM_MODULES
        and (lines := _status_literals(path, path.relative_to(_PACKAGE).as_posix()))
    }
    assert offenders == {}


def test_the_status_literal_check_catches_a_comparison_with_a_status_string(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('def f(v):\n    """Is v violated?"""\n    return v.status == "violated"\n', encoding="utf-8")
    assert _status_literals(planted, "planted.py") == [(3, "v.status == 'violated'")]


def test_every_status_enum_has_a_message_for_each_member_and_serialises_as_its_value():
    import json

    from theorycheck.claims import CertificationStatus, ExponentVerdict, VerdictStatus
    from theorycheck.confirm import ConfirmationStatus, RungStatus
    from theorycheck.tasks import StopReason

    for kind in (VerdictStatus, CertificationStatus, ConfirmationStatus, RungStatus, ExponentVerdict, StopReason):
        for member in kind:
            assert member.message
            assert json.dumps(member) == json.dumps(member.value)
            assert member == member.value
            assert f"{member}" == member.value


def test_the_package_names_no_issue_numbers():
    """Docstrings and comments say what the code does, not which ticket brought it."""
    import re

    pattern = re.compile(r"\bissue\s*#?\d", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(_PACKAGE)}:{i}"
        for path in sorted(_PACKAGE.rglob("*.py"))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_a_status_member_declared_without_its_message_is_refused_and_a_bad_status_names_the_closest():
    from theorycheck._status import Status
    from theorycheck.claims import VerdictStatus
    from theorycheck.errors import InvalidArgument

    class Planted(Status):
        ONE = "one", "the first"
        TWO = "two", "the second"

    assert [member.message for member in Planted] == ["the first", "the second"]
    with pytest.raises(InvalidArgument, match=r"Unsaid\.two='two': has no message"):

        class Unsaid(Status):
            ONE = "one", "the first"
            TWO = "two"

    with pytest.raises(InvalidArgument, match="did you mean 'violated'"):
        VerdictStatus("violatd")


def _exception_classes_outside(sources: dict[str, str], home: str) -> list[str]:
    """``path:line Name`` of each class deriving from BaseException defined outside ``home`` (by ``ast``).

    A base counts as an exception when it is a builtin exception, a class of ``home``, an exception class defined
    in ``sources`` (followed to a fixed point, so subclasses of subclasses count), or a name ending in Error,
    Exception, Warning, Exit or Interrupt (an imported exception, ``hypothesis.errors.X`` say).
    """
    import ast
    import builtins

    known = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}
    suffixes = ("Error", "Exception", "Warning", "Exit", "Interrupt")
    classes = [
        (path, node)
        for path, text in sources.items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.ClassDef)
    ]

    def base_name(base: ast.expr) -> str:
        base = base.value if isinstance(base, ast.Subscript) else base
        return base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""

    def is_exception(node: ast.ClassDef) -> bool:
        return any((n := base_name(b)) in known or n.endswith(suffixes) for b in node.bases)

    while True:  # grow the known exception names until no class adds one
        more = {node.name for _, node in classes if is_exception(node)} - known
        if not more:
            break
        known |= more
    return [f"{path}:{node.lineno} {node.name}" for path, node in classes if path != home and is_exception(node)]


def test_every_exception_class_is_defined_in_errors_py():
    sources = {
        str(p.relative_to(_PACKAGE)): p.read_text(encoding="utf-8") for p in sorted(_PACKAGE.rglob("*.py"))
    }
    assert "errors.py" in sources
    assert _exception_classes_outside(sources, "errors.py") == []


def test_the_exception_class_check_finds_a_class_defined_elsewhere():
    sources = {
        "errors.py": "class TheorycheckError(Exception): ...\nclass TaskFailed(TheorycheckError): ...",
        "stress.py": (
            "import hypothesis\nclass ChunkFailed(TaskFailed): ...\nclass _Skip(Exception): ...\n"
            "class Chunk: ...\nclass Odd(hypothesis.errors.HypothesisWarning): ...\nclass Deeper(_Skip): ..."
        ),
    }
    assert _exception_classes_outside(sources, "errors.py") == [
        "stress.py:2 ChunkFailed", "stress.py:3 _Skip", "stress.py:5 Odd", "stress.py:6 Deeper",
    ]

"""errors.py holds every exception class; each pickles with its message and attributes intact."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from theorycheck import errors


class _Source:
    def cite(self) -> str:
        return "Ye & Du 2021, Thm 3.1"


class _Claim:
    id = "T_demo"
    source = _Source()


class _Verdict:
    quantity = "loss"
    margin = -0.25
    step = 1200
    detail = "loss rose"
    described = "2x2 target, step 0.1"

    def summary(self) -> str:
        return "loss margin -0.25"


# one instance of every exception class errors.py exports, built as the code that raises it builds it
EXAMPLES: dict[str, Any] = {
    "TheorycheckError": lambda: errors.TheorycheckError("boom"),
    "InvalidArgument": lambda: errors.InvalidArgument("step", -1.0, "is not positive", "pass step > 0"),
    "InvalidType": lambda: errors.InvalidType("target", [1, 2], "is a list", "pass an array"),
    "UnavailableBackend": lambda: errors.UnavailableBackend("backend", "flint", "is not installed", "pip install"),
    "NumericalBreakdown": lambda: errors.NumericalBreakdown("not finite"),
    "BudgetExceeded": lambda: errors.BudgetExceeded("the Taylor rung spent its 10000 steps"),
    "NeedsFound": lambda: errors.NeedsFound(("loss",)),
    "NeedsUnknown": lambda: errors.NeedsUnknown("the run was read first"),
    "NoEnclosure": lambda: errors.NoEnclosure("a double root"),
    "ClaimViolated": lambda: errors.ClaimViolated(_Claim(), _Verdict()),
    "NotRefuted": lambda: errors.NotRefuted("not refuted within 20 examples"),
    "ClaimFileError": lambda: errors.ClaimFileError("claims.py holds no claims"),
    "TaskFailed": lambda: errors.TaskFailed("task t1 raised ValueError"),
    "ChunkFailed": lambda: errors.ChunkFailed("chunk c3 raised ZeroDivisionError"),
    "TaskLost": lambda: errors.TaskLost("the worker died", frozenset({4242})),
    "UsageError": lambda: errors.UsageError("unrecognized arguments: --x"),
    "ControlFlow": lambda: errors.ControlFlow(),
    "CandidateFound": lambda: errors.CandidateFound(_Verdict(), (0.5, 3), "boundary"),
    "BudgetSpent": lambda: errors.BudgetSpent(),
    "KnobViolation": lambda: errors.KnobViolation(_Verdict()),
    "SkipInstance": lambda: errors.SkipInstance(),
    "OutOfTime": lambda: errors.OutOfTime(),
}


def test_every_exception_class_errors_exports_has_a_pickling_case():
    exported = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    assert all(issubclass(getattr(errors, n), BaseException) for n in exported)
    assert set(EXAMPLES) == exported


def _state(exc: BaseException) -> dict[str, Any]:
    """Attributes compared by their type and public fields (the stand-in claim and verdict have no ``==``)."""
    return {k: (type(v), getattr(v, "__dict__", v)) for k, v in vars(exc).items()}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_exception_pickles_with_its_message_and_attributes(name):
    exc = EXAMPLES[name]()
    back = pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes
    assert type(back) is type(exc)
    assert back.args == exc.args
    assert str(back) == str(exc)
    assert _state(back) == _state(exc)


def test_a_lost_task_keeps_its_culprits_and_a_found_candidate_its_choices_across_pickling():
    lost = pickle.loads(pickle.dumps(errors.TaskLost("died", frozenset({7, 9}))))  # noqa: S301
    assert lost.culprits == frozenset({7, 9})
    found = pickle.loads(pickle.dumps(errors.CandidateFound(_Verdict(), (0.5, 3), "refine")))  # noqa: S301
    assert (found.choices, found.stage, str(found)) == ((0.5, 3), "refine", "loss margin -0.25")


def test_a_pickled_claim_violation_keeps_its_message_verdict_and_stage():
    exc = errors.ClaimViolated(_Claim(), _Verdict())
    exc.stage = "boundary"
    back = pickle.loads(pickle.dumps(exc))  # noqa: S301
    assert str(back) == (
        "T_demo violated (Ye & Du 2021, Thm 3.1): loss margin -0.25 at step 1,200; loss rose; "
        "instance: 2x2 target, step 0.1"
    )
    assert (back.stage, back.verdict.margin, back.claim.id) == ("boundary", -0.25, "T_demo")


def test_needs_found_keeps_its_message_across_pickling():
    back = pickle.loads(pickle.dumps(errors.NeedsFound(("loss",))))  # noqa: S301
    assert (str(back), back.needs) == ("needs ('loss',)", ("loss",))


def test_the_hierarchy_is_kept_so_old_handlers_still_catch():
    assert issubclass(errors.ClaimViolated, AssertionError)
    assert issubclass(errors.NotRefuted, AssertionError)
    assert issubclass(errors.NoEnclosure, ArithmeticError)
    assert issubclass(errors.ChunkFailed, errors.TaskFailed)
    for name in ("UsageError", "TaskFailed", "TaskLost", "ClaimFileError", "NoEnclosure", "BudgetExceeded"):
        assert issubclass(getattr(errors, name), errors.TheorycheckError)
    # control flow is caught where it is raised: a handler of theorycheck's errors must not swallow it
    for name in ("CandidateFound", "BudgetSpent", "KnobViolation", "SkipInstance", "OutOfTime"):
        assert issubclass(getattr(errors, name), errors.ControlFlow)
        assert not issubclass(getattr(errors, name), errors.TheorycheckError)


def test_the_old_import_paths_still_name_the_same_classes():
    from theorycheck import campaign, cli, controller, parallel, stress
    from theorycheck.precision import numeric
    from theorycheck.search import descent, hypothesis

    assert cli.UsageError is errors.UsageError
    assert controller.TaskFailed is errors.TaskFailed
    assert parallel.TaskLost is errors.TaskLost
    assert stress.ChunkFailed is errors.ChunkFailed
    assert (hypothesis.ClaimViolated, hypothesis.NotRefuted) == (errors.ClaimViolated, errors.NotRefuted)
    assert campaign.ClaimFileError is errors.ClaimFileError
    assert numeric.NoEnclosure is errors.NoEnclosure
    assert "NoEnclosure" in numeric.__all__
    assert (descent.Found, descent.Spent) == (errors.CandidateFound, errors.BudgetSpent)


def test_errors_imports_only_the_standard_library():
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(errors.__file__).read_text(encoding="utf-8"))
    roots = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    roots |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert roots <= set(sys.stdlib_module_names) | {"__future__"}

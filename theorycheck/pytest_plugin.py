"""The pytest plugin (``pytest11`` entry point ``theorycheck``): options, header, counterexample reports.

* Options, one group, one prefix: ``--theorycheck-profile``, ``--theorycheck-seed``,
  ``--theorycheck-report-dir`` (``none`` disables reports).
* The header prints the exact flags that reproduce the run; when the profile has no fixed seed the
  controller draws one, prints it, and hands it to xdist workers through ``workerinput``.
* A failing property test whose error is a :class:`ClaimViolated` is confirmed on the precision ladder
  *in the process that ran it*; the worker attaches the built report as a string to the test report
  (``report.__dict__``, which survives xdist's transport), and the controller writes every report once, at
  ``pytest_terminal_summary``, then rebuilds the index. JUnit XML is untouched.

Heavy imports (numpy, the report builder) happen inside hooks.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest

from theorycheck.config import ENV_DATABASE, ENV_PROFILE, ENV_SEED, PROFILES, active_profile

KEY = "theorycheck_report"
_STASH_REPORTS = pytest.StashKey[list[str]]()
_STASH_SEED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--theorycheck-*`` options."""
    group = parser.getgroup("theorycheck", "theorycheck: executable theorems")
    group.addoption(
        "--theorycheck-profile", choices=sorted(PROFILES), default=None,
        help=f"search budget profile (default: ${ENV_PROFILE} or 'default')",
    )
    group.addoption(
        "--theorycheck-seed", type=int, default=None,
        help="Hypothesis seed for every claim (default: the profile's, else one drawn and printed)",
    )
    group.addoption(
        "--theorycheck-report-dir", default="reports",
        help="where counterexample reports go (default: reports; 'none' disables them)",
    )


class XdistHooks:
    """Registered only when pytest-xdist is present: hand the controller's seed to each worker."""

    @staticmethod
    def pytest_configure_node(node: Any) -> None:
        """Copy the seed into the worker's input."""
        node.workerinput["theorycheck_seed"] = node.config.stash[_STASH_SEED]


def pytest_configure(config: pytest.Config) -> None:
    """Fix the profile and the seed for this session (workers take the controller's)."""
    chosen = config.getoption("--theorycheck-profile")
    if chosen:
        os.environ[ENV_PROFILE] = chosen  # xdist workers are separate processes: they read the environment
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "theorycheck_seed" in workerinput:
        seed = int(workerinput["theorycheck_seed"])
    else:
        os.environ.pop(ENV_SEED, None)  # the controller decides; a value inherited from an outer run must not leak in
        option = config.getoption("--theorycheck-seed")
        fixed = active_profile().seed
        seed = option if option is not None else fixed if fixed is not None else random.randrange(2**31)  # noqa: S311
    config.stash[_STASH_SEED] = seed
    os.environ[ENV_SEED] = str(seed)
    report_dir = config.getoption("--theorycheck-report-dir")
    if workerinput is None and report_dir != "none":
        from theorycheck.errors import TheorycheckError
        from theorycheck.report import check_writable

        try:  # before the session: a folder found unwritable after the tests ran would lose their reports
            check_writable(report_dir, option="--theorycheck-report-dir")
        except TheorycheckError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[_STASH_REPORTS] = []
    _SESSION.append(config)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(), "theorycheck-xdist")


def pytest_report_header(config: pytest.Config) -> str:
    """One line: the profile, its budgets, and the flags that reproduce this run."""
    profile = active_profile()
    report_dir = config.getoption("--theorycheck-report-dir")
    kept = (
        f"counterexamples kept in {Path(profile.database).resolve()} (replayed first next run)"
        if profile.database
        else f"counterexamples not kept (${ENV_DATABASE} is empty)"
    )
    return (
        f"theorycheck profile {profile.name!r}: max_examples={profile.max_examples}, "
        f"refute_examples={profile.refute_examples}, in-search rung={profile.search_rung or 'none'}, "
        f"{kept}, reports={report_dir}; reproduce with: "
        f"--theorycheck-profile={profile.name} --theorycheck-seed={config.stash[_STASH_SEED]}"
    )


def _violation(exc: BaseException | None) -> Any:
    from theorycheck.errors import ClaimViolated

    if isinstance(exc, ClaimViolated):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _violation(inner)
            if found is not None:
                return found
    return None


def _claim_ref(item: pytest.Item, claim: Any) -> dict[str, Any]:
    from theorycheck.catalogue import CATALOGUE
    from theorycheck.tasks import ClaimRef

    entry = CATALOGUE.get(claim.id)
    if entry is not None and entry.claim is claim:
        return ClaimRef.catalogue(claim.id).to_data()
    name = getattr(item, "originalname", None) or item.name
    return ClaimRef.in_file(str(item.path), name).to_data()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a claim violation: confirm it here (worker) and attach the built report to the test report."""
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or call.excinfo is None:
        return
    violated = _violation(call.excinfo.value)
    if violated is None or item.config.getoption("--theorycheck-report-dir") == "none":
        return
    from theorycheck.confirm import confirm
    from theorycheck.report import build

    confirmation = confirm(violated.claim, violated.verdict)
    files = build(
        violated.claim,
        violated.verdict,
        confirmation,
        claim_ref=_claim_ref(item, violated.claim),
        how_found={
            "method": "pytest + hypothesis generate+target+shrink",
            "nodeid": item.nodeid,
            "profile": active_profile().name,
            "seed": item.config.stash[_STASH_SEED],
            "stage": getattr(violated, "stage", None),
        },
        report_root=item.config.getoption("--theorycheck-report-dir"),
    )
    report.__dict__[KEY] = files.dumps()
    report.sections.append(
        ("theorycheck", f"precision ladder: {confirmation.status.upper()}: {confirmation.reason}")
    )


@pytest.hookimpl
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Controller side: collect reports handed back by workers (or by this process)."""
    text = report.__dict__.get(KEY)
    if text and _SESSION:
        _SESSION[-1].stash[_STASH_REPORTS].append(text)


_SESSION: list[pytest.Config] = []  # the running session's config (logreport gets no config argument)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Forget the session (in-process pytester runs nest sessions)."""
    if _SESSION and _SESSION[-1] is config:
        _SESSION.pop()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Write every collected report once, rebuild the index, and list the pages."""
    collected = config.stash.get(_STASH_REPORTS, [])
    if getattr(config, "workerinput", None) is not None or not collected:
        return
    from theorycheck.report import ReportFiles, rebuild_index, write_report

    root = config.getoption("--theorycheck-report-dir")
    terminalreporter.section("theorycheck counterexample reports")
    for text in collected:
        files = ReportFiles.loads(text)
        path = write_report(root, files)
        status, claim_id = files.record["status"].upper(), files.record["claim"]["id"]
        terminalreporter.write_line(f"{status:>10}  {claim_id}: {path}/report.html")
    terminalreporter.write_line(f"index: {rebuild_index(root)}")
    collected.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> pytest.Item | None:
    """Collect a module-level ``Theorem`` (``@theorem`` or ``property_test``) under any name, as one test.

    Recognised by its class marker, so this hook imports nothing; other objects fall through to pytest.
    """
    if isinstance(collector, pytest.Module) and getattr(type(obj), "__theorycheck_theorem__", False):
        return pytest.Function.from_parent(collector, name=name, callobj=obj)
    return None

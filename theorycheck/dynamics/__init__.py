"""Dynamics: GD (batched, float64 kernel or high precision) and gradient flow, with their run records."""

from theorycheck.dynamics.flow import run_gf
from theorycheck.dynamics.gd import run_gd
from theorycheck.dynamics.observables import OBSERVABLES, Recording
from theorycheck.dynamics.result import RunResult, RunStatus
from theorycheck.dynamics.schedule import Schedule

__all__ = ["OBSERVABLES", "Recording", "RunResult", "RunStatus", "Schedule", "run_gd", "run_gf"]

"""Every bad input named in issue 2 raises theorycheck's own error naming the argument, value and fix."""

from __future__ import annotations

import numpy as np
import pytest

import theorycheck as tc
from theorycheck import errors
from theorycheck.claims import Case, Claim, Source, check

OBJ = tc.deep_mf((2, 3, 2))
Y = np.eye(2)
W = np.full(OBJ.n_params, 0.1)


def _gd(**overrides):
    kwargs = {"objective": OBJ, "target": Y, "init": W, "step": 0.1, "max_steps": 5} | overrides
    objective, target, init = kwargs.pop("objective"), kwargs.pop("target"), kwargs.pop("init")
    return lambda: tc.run_gd(objective, target, init, **kwargs)


def _nan_at(arr, idx):
    out = np.array(arr, dtype=float)
    out[idx] = np.nan
    return out


CASES = [
    ("nan_in_target", _gd(target=_nan_at(Y, (0, 1))), "target", errors.InvalidArgument, "non-finite"),
    (
        "inf_in_init",
        _gd(init=np.where(np.arange(OBJ.n_params) == 3, np.inf, W)),
        "init",
        errors.InvalidArgument,
        "non-finite",
    ),
    (
        "nan_in_layer_init",
        _gd(init=[np.full((3, 2), np.nan), np.zeros((2, 3))]),
        "init[0]",
        errors.InvalidArgument,
        "non-finite",
    ),
    ("target_wrong_shape", _gd(target=np.eye(3)), "target", errors.InvalidArgument, "expected"),
    ("init_wrong_length", _gd(init=np.zeros(OBJ.n_params + 1)), "init", errors.InvalidArgument, "expected"),
    (
        "layer_shapes_mismatched",
        _gd(init=[np.zeros((2, 3)), np.zeros((2, 3))]),
        "init[0]",
        errors.InvalidArgument,
        "expected",
    ),
    ("wrong_number_of_layers", _gd(init=[np.zeros((3, 2))]), "init", errors.InvalidArgument, "depth"),
    (
        "batch_sizes_disagree",
        _gd(target=np.zeros((3, 2, 2)), init=np.zeros((4, OBJ.n_params))),
        "init",
        errors.InvalidArgument,
        "batch sizes",
    ),
    ("zero_step", _gd(step=0.0), "step", errors.InvalidArgument, "> 0"),
    ("negative_step", _gd(step=-0.1), "step", errors.InvalidArgument, "> 0"),
    (
        "negative_step_in_batch",
        _gd(step=np.array([0.1, -0.1]), init=np.zeros((2, OBJ.n_params))),
        "step",
        errors.InvalidArgument,
        "> 0",
    ),
    ("nan_step", _gd(step=float("nan")), "step", errors.InvalidArgument, "non-finite"),
    ("step_as_string", _gd(step="0.1"), "step", errors.InvalidType, "float"),
    ("negative_max_steps", _gd(max_steps=-1), "max_steps", errors.InvalidArgument, ">= 0"),
    ("max_steps_beyond_64_bits", _gd(max_steps=10**30), "max_steps", errors.InvalidArgument, "<="),
    ("negative_tolerance", _gd(tol=-1e-3), "tol", errors.InvalidArgument, ">= 0"),
    ("complex_init_for_real_model", _gd(init=W + 1j), "init", errors.InvalidType, "complex"),
    ("data_given_to_model_without_data", _gd(data=np.eye(2)), "data", errors.InvalidArgument, "no data term"),
    (
        "data_missing",
        lambda: tc.run_gd(tc.deep_mf((2, 2), data_columns=3), np.zeros((2, 3)), np.zeros(4), step=0.1, max_steps=1),
        "data",
        errors.InvalidArgument,
        "missing",
    ),
    ("unknown_backend_in_run", _gd(precision="mpmat:113"), "backend", errors.InvalidArgument, "did you mean 'mpmath'"),
    ("unknown_backend", lambda: tc.Precision("quad"), "backend", errors.InvalidArgument, "not a known name"),
    ("precision_below_53_bits", lambda: tc.Precision("flint", 40), "bits", errors.InvalidArgument, "53"),
    ("precision_beyond_any_need", lambda: tc.Precision("flint", 2**63), "bits", errors.InvalidArgument, "<="),
    ("float64_with_other_bits", lambda: tc.Precision("float64", 113), "bits", errors.InvalidArgument, "53"),
    ("bits_not_an_integer", lambda: tc.Precision.parse("flint:high"), "precision", errors.InvalidArgument, "integer"),
    ("depth_zero", lambda: tc.deep_mf((3,)), "widths", errors.InvalidArgument, "depth must be >= 1"),
    ("width_zero", lambda: tc.deep_mf((3, 0, 2)), "widths", errors.InvalidArgument, ">= 1"),
    ("widths_not_a_sequence", lambda: tc.deep_mf(3), "widths", errors.InvalidType, "sequence"),
    ("negative_balancing_weight", lambda: OBJ + tc.Balancing(-1.0), "a", errors.InvalidArgument, ">= 0"),
    ("negative_weight_decay", lambda: OBJ + tc.WeightDecay((0.1, -0.2)), "decay", errors.InvalidArgument, ">= 0"),
    (
        "weight_decay_wrong_count",
        lambda: OBJ + tc.WeightDecay((0.1,)),
        "decay",
        errors.InvalidArgument,
        "one lambda per layer",
    ),
    (
        "unknown_field",
        lambda: tc.deep_mf((2, 2), field="quaternion"),
        "field",
        errors.InvalidArgument,
        "not a known name",
    ),
    (
        "unknown_observable",
        lambda: tc.Recording(observables=("los",)),
        "observables",
        errors.InvalidArgument,
        "did you mean 'loss'",
    ),
    ("record_every_zero", lambda: tc.Recording(every=0), "every", errors.InvalidArgument, ">= 1"),
    ("gf_nonpositive_horizon", lambda: tc.run_gf(OBJ, Y, W, t_max=0.0), "t_max", errors.InvalidArgument, "> 0"),
    (
        "gf_record_time_outside",
        lambda: tc.run_gf(OBJ, Y, W, t_max=1.0, record_times=[0.5, 2.0]),
        "record_times",
        errors.InvalidArgument,
        "t_max",
    ),
    (
        "gf_unknown_method",
        lambda: tc.run_gf(OBJ, Y, W, t_max=1.0, method="RK4"),
        "method",
        errors.InvalidArgument,
        "did you mean 'RK45'",
    ),
    ("no_widths_at_all", lambda: tc.deep_mf(()), "widths", errors.InvalidArgument, "is empty"),
    (
        "power_schedule_over_a_horizon_too_long_to_tabulate",
        _gd(max_steps=10**12, schedule=tc.Schedule.power(10.0, 0.5)),
        "max_steps",
        errors.InvalidArgument,
        "GiB",
    ),
    (
        "conclusion_returning_a_float",
        lambda: check(Claim(id="t.float", statement="s", source=Source("T", 2026, "1", "paper"),
                            conclusion=lambda _i, _r: 0.5), Case({"x": 1.0})),
        "conclusion",
        errors.InvalidType,
        "not an Outcome",
    ),
    (
        "objective_not_an_objective",
        lambda: tc.run_gd("deep", Y, W, step=0.1, max_steps=1),
        "objective",
        errors.InvalidType,
        "Objective",
    ),
]


@pytest.mark.parametrize(("call", "argument", "kind", "says"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_bad_input_raises_a_clear_error_naming_the_argument_value_and_fix(call, argument, kind, says):
    with pytest.raises(kind) as info:
        call()
    err = info.value
    assert isinstance(err, errors.TheorycheckError)
    assert isinstance(err, (ValueError, TypeError))
    assert err.argument == argument
    message = str(err)
    assert message.startswith(f"{argument}=")
    assert "Fix: " in message
    assert says in message


def test_large_arrays_are_summarised_not_dumped_in_messages():
    with pytest.raises(errors.InvalidArgument) as info:
        tc.run_gd(OBJ, Y, np.full((100, OBJ.n_params + 1), 0.1), step=0.1, max_steps=1)
    assert "<array shape=(100, 13)" in str(info.value)
    assert len(str(info.value)) < 300


def test_a_missing_backend_package_is_reported_not_substituted(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_flint(name, *args, **kwargs):
        if name == "flint":
            raise ImportError("no flint", name="flint")
        return real_import(name, *args, **kwargs)

    import sys

    monkeypatch.delitem(sys.modules, "theorycheck.precision._flint", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_flint)
    with pytest.raises(errors.UnavailableBackend, match="pip install python-flint"):
        tc.get_backend("flint:113")

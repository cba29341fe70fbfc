"""Bad input to every public entry point: a clear Python exception, never a crash.

Every function of `kernn.ops.__all__` has a row in CALLS (a valid call); a new public op
without a row fails `test_every_public_op_has_a_row`, so new ones get covered. Each array
argument of each row is then replaced by wrong dtypes (strings, objects, complex), wrong
ranks, empty arrays, scalars, None and NaN/inf values; each integer-like argument by 0,
negative, fractional, huge and non-numeric values. The rules:

- wrong dtypes raise TypeError or ValueError naming the argument;
- NaN and inf are valid values: no exception (and NaN propagates for matmul and the
  activations, checked separately);
- anything else either works or raises ValueError, TypeError or MemoryError with a message
  (never IndexError, AttributeError, SystemError, RuntimeError, a crash or a hang).

Absurdly large requests (outputs needing more than 2**62 bytes, Dense(units=2**40) ...)
run in a subprocess whose address space is capped, so that an allocation that slipped
through would fail there instead of taking the machine's memory, and a crash would show as
the subprocess's exit status instead of killing pytest.

The model entry points (Dense / Conv2D / LSTM layer calls, Sequential fit / predict /
evaluate) get the same treatment below.
"""
import inspect
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kernn

CLEAN = (ValueError, TypeError, MemoryError)


def f32(*shape, lo=-1.0, hi=1.0, seed=0):
    return np.random.default_rng(seed + len(shape)).uniform(lo, hi, shape).astype(np.float32)


def probs(*shape):
    p = f32(*shape, lo=0.05, hi=1.0)
    return p / p.sum(axis=-1, keepdims=True)


def _rnn_cache(cell):
    """A training-mode cache for the *_backward rows."""
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[cell]
    fwd = getattr(kernn.ops, f"{cell}_forward")
    _, _, cache = fwd(f32(2, 3, 4), f32(4, gates * 5), f32(5, gates * 5), training=True, return_sequences=True)
    return cache


def _rnn_row(cell):
    g = {"simple_rnn": 1, "lstm": 4, "gru": 3}[cell]
    bias = f32(2, g * 5) if cell == "gru" else f32(g * 5)
    states = [f32(2, 5), f32(2, 5)] if cell == "lstm" else [f32(2, 5)]
    return lambda: ((f32(2, 3, 4), f32(4, g * 5), f32(5, g * 5), bias),
                    dict(initial_state=states, mask=np.array([[1, 1, 0], [0, 1, 1]], bool), dropout_mask=f32(2, 4),
                         recurrent_dropout_mask=f32(2, 5)))


def _rnn_backward_row(cell):
    states = [f32(2, 5), f32(2, 5)] if cell == "lstm" else [f32(2, 5)]
    return lambda: ((_rnn_cache(cell), f32(2, 3, 5), states), {})


def _opt(n_slots, **hyper):
    def make():
        shapes = [(3, 4), (5,)]
        slots = [[np.zeros(s, np.float32) for s in shapes] for _ in range(n_slots)]
        return ([[f32(*s) for s in shapes], [f32(*s) for s in shapes]] + slots, dict(hyper))
    return make


_ADAM = dict(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=1)

# name -> () -> (args, kwargs) of a valid call
CALLS = {
    "matmul": lambda: ((f32(3, 4), f32(4, 5)), dict(bias=f32(5))),
    "activation": lambda: ((f32(2, 5), "relu"), {}),
    "activation_grad": lambda: ((f32(2, 5), None, f32(2, 5), "tanh"), {}),
    "bias_grad": lambda: ((f32(4, 3),), {}),
    "log_softmax": lambda: ((f32(2, 5),), {}),
    "log_softmax_grad": lambda: ((f32(2, 5, lo=-3, hi=-1), f32(2, 5)), {}),
    "softmax": lambda: ((f32(2, 5),), {}),
    "softmax_grad": lambda: ((probs(2, 5), f32(2, 5)), {}),
    "binary_crossentropy": lambda: ((f32(4, 3, lo=0, hi=1), f32(4, 3, lo=0.05, hi=0.95)), {}),
    "categorical_crossentropy": lambda: ((probs(4, 3), probs(4, 3)), {}),
    "sparse_categorical_crossentropy": lambda: ((np.array([0, 2, 1, 1]), probs(4, 3)), {}),
    "sgd_update": _opt(1, learning_rate=0.1, momentum=0.9, nesterov=False),
    "adam_update": lambda: (_opt(3)()[0], dict(_ADAM, amsgrad=True)),
    "rmsprop_update": _opt(3, learning_rate=0.01, rho=0.9, momentum=0.5, epsilon=1e-7, centered=True),
    "adagrad_update": _opt(1, learning_rate=0.01, epsilon=1e-7),
    "adamax_update": _opt(2, **_ADAM),
    "nadam_update": _opt(2, **_ADAM, u_t=0.5, u_t1=0.5, u_product_t=0.5, u_product_t1=0.25),
    "conv1d": lambda: ((f32(2, 7, 4), f32(3, 4, 6), f32(6)), {}),
    "conv1d_backward": lambda: ((f32(2, 7, 4), f32(3, 4, 6), f32(2, 5, 6)), {}),
    "conv1d_transpose": lambda: ((f32(2, 5, 3), f32(3, 4, 3), f32(4)), {}),
    "conv1d_transpose_backward": lambda: ((f32(2, 5, 3), f32(3, 4, 3), f32(2, 7, 4)), {}),
    "conv2d": lambda: ((f32(2, 6, 6, 3), f32(3, 3, 3, 4), f32(4)), {}),
    "conv2d_backward": lambda: ((f32(2, 6, 6, 3), f32(3, 3, 3, 4), f32(2, 4, 4, 4)), {}),
    "conv2d_transpose": lambda: ((f32(1, 4, 4, 2), f32(3, 3, 5, 2), f32(5)), {}),
    "conv2d_transpose_backward": lambda: ((f32(1, 4, 4, 2), f32(3, 3, 5, 2), f32(1, 6, 6, 5)), {}),
    "cropping2d": lambda: ((f32(1, 5, 5, 2), ((1, 1), (0, 2))), {}),
    "depthwise_conv2d": lambda: ((f32(1, 5, 5, 3), f32(3, 3, 3, 2), f32(6)), {}),
    "depthwise_conv2d_backward": lambda: ((f32(1, 5, 5, 3), f32(3, 3, 3, 2), f32(1, 3, 3, 6)), {}),
    "upsampling2d": lambda: ((f32(1, 2, 3, 2), 2, "bilinear"), {}),
    "upsampling2d_backward": lambda: ((f32(1, 4, 6, 2), 2, "bilinear"), {}),
    "zero_padding2d": lambda: ((f32(1, 2, 3, 2), ((1, 0), (2, 1))), {}),
    "batch_norm_train": lambda: ((f32(4, 3), f32(3), f32(3)), {}),
    "batch_norm_inference": lambda: ((f32(4, 3), f32(3), f32(3, lo=0.5, hi=1), f32(3), f32(3)), {}),
    "batch_norm_backward": lambda: ((f32(4, 3), f32(4, 3), f32(3), f32(3, lo=0.5, hi=1), f32(3)), {}),
    "layer_norm": lambda: ((f32(4, 3), f32(3), f32(3)), {}),
    "layer_norm_backward": lambda: ((f32(4, 3), f32(4, 3), f32(4), f32(4, lo=0.5, hi=2), f32(3)), {}),
    "average_pool2d": lambda: ((f32(1, 4, 4, 2),), dict(pool_size=2)),
    "max_pool2d": lambda: ((f32(1, 4, 4, 2),), dict(pool_size=2)),
    "pool2d": lambda: ((f32(1, 4, 4, 2), 2, None, "same", "max"), {}),
    "pool2d_backward": lambda: ((f32(1, 4, 4, 2), f32(1, 2, 2, 2), 2), dict(mode="average")),
    "pool1d": lambda: ((f32(2, 6, 3), 2), {}),
    "pool1d_backward": lambda: ((f32(2, 6, 3), f32(2, 3, 3), 2), {}),
    "global_pool": lambda: ((f32(2, 4, 4, 3),), {}),
    "global_pool_backward": lambda: ((f32(2, 4, 4, 3), f32(2, 3)), {}),
    "simple_rnn_forward": _rnn_row("simple_rnn"),
    "lstm_forward": _rnn_row("lstm"),
    "gru_forward": _rnn_row("gru"),
    "simple_rnn_backward": _rnn_backward_row("simple_rnn"),
    "lstm_backward": _rnn_backward_row("lstm"),
    "gru_backward": _rnn_backward_row("gru"),
    "embedding_lookup": lambda: ((np.array([[0, 4, 2], [1, 1, 3]]), f32(5, 4)), {}),
    "embedding_grad": lambda: ((np.array([[0, 4, 2], [1, 1, 3]]), f32(2, 3, 4), np.zeros((5, 4), np.float32)), {}),
}

# name -> the integer-like arguments (keyword, how many values it takes: 1 = an int, n = an int or n ints)
SIZES = {
    "conv1d": {"strides": 1, "dilation_rate": 1, "groups": 1},
    "conv1d_backward": {"strides": 1, "dilation_rate": 1, "groups": 1},
    "conv1d_transpose": {"strides": 1, "dilation_rate": 1, "output_padding": 1},
    "conv1d_transpose_backward": {"strides": 1, "dilation_rate": 1, "output_padding": 1},
    "conv2d": {"strides": 2, "dilation_rate": 2, "groups": 1},
    "conv2d_backward": {"strides": 2, "dilation_rate": 2, "groups": 1},
    "conv2d_transpose": {"strides": 2, "dilation_rate": 2, "output_padding": 2},
    "conv2d_transpose_backward": {"strides": 2, "dilation_rate": 2, "output_padding": 2},
    "depthwise_conv2d": {"strides": 2, "dilation_rate": 2},
    "depthwise_conv2d_backward": {"strides": 2, "dilation_rate": 2},
    "average_pool2d": {"pool_size": 2, "strides": 2},
    "max_pool2d": {"pool_size": 2, "strides": 2},
    "pool2d": {"pool_size": 2, "strides": 2},
    "pool2d_backward": {"pool_size": 2, "strides": 2},
    "pool1d": {"pool_size": 1, "strides": 1},
    "pool1d_backward": {"pool_size": 1, "strides": 1},
    "upsampling2d": {"size": 2},
    "upsampling2d_backward": {"size": 2},
    "zero_padding2d": {"padding": 4},
    "cropping2d": {"cropping": 4},
    "adam_update": {"step": 1},
    "adamax_update": {"step": 1},
    "nadam_update": {"step": 1},
}


def test_every_public_op_has_a_row():
    public = set(kernn.ops.__all__)
    assert public == {n for n in dir(kernn.ops) if not n.startswith("_") and callable(getattr(kernn.ops, n))
                      and getattr(getattr(kernn.ops, n), "__module__", "").startswith("kernn.ops")}
    missing = sorted(public - set(CALLS))
    assert not missing, f"add a row to CALLS for: {missing}"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_rows_are_valid_calls(name):
    args, kwargs = CALLS[name]()
    getattr(kernn.ops, name)(*args, **kwargs)


# ---- the mutations ---------------------------------------------------------------------

def _arrays(args, kwargs):
    """(where, parameter name, array) for every array argument, also inside lists."""
    for i, a in enumerate(args):
        yield from _walk(("arg", i), a)
    for k, a in kwargs.items():
        yield from _walk(("kw", k), a)


def _walk(where, a):
    if isinstance(a, np.ndarray):
        yield where, a
    elif isinstance(a, (list, tuple)):
        for j, b in enumerate(a):
            if isinstance(b, np.ndarray):
                yield where + (j,), b


def _replace(args, kwargs, where, value):
    args, kwargs = list(args), dict(kwargs)
    kind, key, *inner = where
    holder = args if kind == "arg" else kwargs
    if inner:
        seq = list(holder[key])
        seq[inner[0]] = value
        holder[key] = seq
    else:
        holder[key] = value
    return args, kwargs


def _param_name(name, where):
    if where[0] == "kw":
        return where[1]
    params = list(inspect.signature(getattr(kernn.ops, name)).parameters)
    return params[where[1]]


DTYPE_MUTATIONS = {
    "strings": lambda a: np.full(a.shape, "x", dtype="U1"),
    "objects": lambda a: np.full(a.shape, object(), dtype=object),
    "complex": lambda a: a.astype(np.complex64),
}
SHAPE_MUTATIONS = {
    "rank_plus_1": lambda a: a[None],
    "rank_minus_1": lambda a: a[0] if a.ndim else a,
    "scalar": lambda a: np.float32(1.5),
    "empty_first_axis": lambda a: np.zeros((0,) + a.shape[1:], a.dtype),
    "empty_last_axis": lambda a: np.zeros(a.shape[:-1] + (0,), a.dtype),
    "none": lambda a: None,
    "python_list": lambda a: a.tolist(),
    "float64": lambda a: a.astype(np.float64),
    "int8": lambda a: a.astype(np.int8),
    "read_only": lambda a: _read_only(a),
    "non_contiguous": lambda a: np.repeat(a, 2, axis=-1)[..., ::2] if a.ndim else a,
}
VALUE_MUTATIONS = {
    "nan": lambda a: np.full_like(a, np.nan),
    "inf": lambda a: np.full_like(a, np.inf),
    "minus_inf": lambda a: np.full_like(a, -np.inf),
}


def _read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def _cases():
    for name in sorted(CALLS):
        args, kwargs = CALLS[name]()
        for where, arr in _arrays(args, kwargs):
            yield name, where, arr


CASES = list(_cases())
CASE_IDS = [f"{n}-{'.'.join(str(w) for w in where[1:])}" for n, where, _ in CASES]


def _clean_or_works(call):
    """Runs call(); a raised exception must be a clean one with a message."""
    try:
        call()
    except CLEAN as e:
        assert str(e), f"{type(e).__name__} without a message"
        if not isinstance(e, MemoryError):
            assert re.match(r"[a-z_0-9]+: ", str(e)), f"not one of kernn's messages ('fn: ...'): {e!r}"
        return e
    return None


@pytest.mark.parametrize("mutation", list(DTYPE_MUTATIONS))
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_wrong_dtypes_raise_naming_the_argument(case, mutation):
    name, where, arr = case
    args, kwargs = CALLS[name]()
    args, kwargs = _replace(args, kwargs, where, DTYPE_MUTATIONS[mutation](arr))
    with pytest.raises((TypeError, ValueError)) as info:
        getattr(kernn.ops, name)(*args, **kwargs)
    param = _param_name(name, where)
    assert re.search(rf"\b{param}\b", str(info.value)), f"message does not name {param!r}: {info.value}"


@pytest.mark.parametrize("mutation", list(SHAPE_MUTATIONS))
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_wrong_shapes_raise_cleanly_or_work(case, mutation):
    name, where, arr = case
    args, kwargs = CALLS[name]()
    args, kwargs = _replace(args, kwargs, where, SHAPE_MUTATIONS[mutation](arr))
    _clean_or_works(lambda: getattr(kernn.ops, name)(*args, **kwargs))


@pytest.mark.parametrize("mutation", list(VALUE_MUTATIONS))
@pytest.mark.parametrize("case", [c for c in CASES if c[2].dtype.kind == "f"],
                         ids=[i for i, c in zip(CASE_IDS, CASES) if c[2].dtype.kind == "f"])
def test_nan_and_inf_are_valid_values(case, mutation):
    name, where, arr = case
    args, kwargs = CALLS[name]()
    args, kwargs = _replace(args, kwargs, where, VALUE_MUTATIONS[mutation](arr))
    with np.errstate(all="ignore"):
        getattr(kernn.ops, name)(*args, **kwargs)


BAD_SIZES = {  # value -> must it raise?
    0: True, -1: True, -3: True, 1.5: True, "2": True, None: False, True: False, 2**40: False, 2**63: False,
    -(2**63) - 1: True, float("nan"): True, float("inf"): True, (1, 2, 3): True, object(): True,
}


def _size_cases():
    for name, sizes in sorted(SIZES.items()):
        for arg in sizes:
            for i, value in enumerate(BAD_SIZES):
                yield pytest.param(name, arg, value, id=f"{name}-{arg}-{i}:{value!r}"[:80])


@pytest.mark.parametrize("name,arg,value", list(_size_cases()))
def test_bad_sizes_raise_naming_the_argument(name, arg, value):
    args, kwargs = CALLS[name]()
    params = list(inspect.signature(getattr(kernn.ops, name)).parameters)
    if arg in params[:len(args)]:
        args = list(args)
        args[params.index(arg)] = value
    else:
        kwargs[arg] = value
    if arg in ("padding", "cropping") and value is not None:
        value_nested = ((value, 0), (0, 0)) if not isinstance(value, tuple) else value
        if arg in kwargs:
            kwargs[arg] = value_nested
        else:
            args[params.index(arg)] = value_nested
    must_raise = BAD_SIZES[value]
    if value is None and arg in ("groups", "step", "size", "padding", "cropping"):
        must_raise = True
    if value == 0 and arg in ("output_padding", "padding", "cropping"):
        must_raise = False
    if value is True and arg in ("padding", "cropping", "output_padding"):
        must_raise = False
    e = _clean_or_works(lambda: getattr(kernn.ops, name)(*args, **kwargs))
    if must_raise:
        assert e is not None, f"{name}({arg}={value!r}) did not raise"
        assert not isinstance(e, MemoryError) or abs(value) > 2**30
        assert arg in str(e) or isinstance(e, MemoryError), f"message does not name {arg!r}: {e}"


ODD_VALUES = [object(), "nope", -1, 2**70, float("nan"), None, [1, 2], b"x", 1j]


def _other_args():
    """(name, parameter) for every parameter that is not an array in the row."""
    for name in sorted(CALLS):
        args, kwargs = CALLS[name]()
        for i, p in enumerate(inspect.signature(getattr(kernn.ops, name)).parameters.values()):
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            value = args[i] if i < len(args) else kwargs.get(p.name, p.default)
            if isinstance(value, np.ndarray) or (isinstance(value, list) and value
                                                 and isinstance(value[0], np.ndarray)):
                continue
            if p.name == "cache":
                continue
            yield pytest.param(name, p.name, id=f"{name}-{p.name}")


@pytest.mark.parametrize("name,param", list(_other_args()))
def test_odd_values_of_the_other_arguments_raise_cleanly_or_work(name, param):
    problems = []
    for value in ODD_VALUES:
        args, kwargs = CALLS[name]()
        params = list(inspect.signature(getattr(kernn.ops, name)).parameters)
        if params.index(param) < len(args):
            args = list(args)
            args[params.index(param)] = value
        else:
            kwargs[param] = value
        try:
            with np.errstate(all="ignore"):
                _clean_or_works(lambda: getattr(kernn.ops, name)(*args, **kwargs))
        except Exception as e:  # noqa: BLE001 - collected, reported together
            problems.append(f"{param}={value!r}: {type(e).__name__}: {str(e)[:150]}")
    assert not problems, "\n".join(problems)


# ---- NaN and inf propagate like NumPy ------------------------------------------------------

def test_nan_propagates_through_matmul_and_activations():
    a = f32(3, 4)
    a[1, 2] = np.nan
    a[2, 0] = np.inf
    y = kernn.ops.matmul(a, f32(4, 5))
    with np.errstate(invalid="ignore"):
        want = a.astype(np.float64) @ f32(4, 5).astype(np.float64)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
    assert np.isfinite(y[0]).all()
    for name in ("relu", "tanh", "sigmoid", "gelu", "softplus", "elu"):
        x = np.array([0.5, np.nan, -1.0, np.inf, -np.inf], np.float32)
        with np.errstate(all="ignore"):
            got = kernn.ops.activation(x, name)
        assert np.isnan(got[1]) and np.isfinite(got[[0, 2]]).all(), name
    sm = kernn.ops.softmax(np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]], np.float32))
    assert np.isnan(sm[0]).all() and np.isfinite(sm[1]).all()


# ---- the model entry points ----------------------------------------------------------------

from kernn import layers  # noqa: E402

# (layer class, keyword arguments that make it valid, the argument to spoil, bad values)
LAYER_ARGS = [
    (layers.Dense, {"units": 3}, "units", [0, -1, -3, 1.5, "3", None, object()]),
    (layers.Conv2D, {"filters": 2, "kernel_size": 3}, "filters", [0, -3, 1.5, "3", object()]),
    (layers.Conv2D, {"filters": 2, "kernel_size": 3}, "kernel_size", [0, -1, "2", (3, 3, 3), object()]),
    (layers.Conv2D, {"filters": 2, "kernel_size": 3}, "strides", [0, -1, "2", (1, 1, 1)]),
    (layers.Conv2D, {"filters": 2, "kernel_size": 3}, "dilation_rate", [0, -1, "2"]),
    (layers.Conv2D, {"filters": 2, "kernel_size": 3}, "padding", ["full", "causal", 3, None]),
    (layers.Conv1D, {"filters": 2, "kernel_size": 3}, "kernel_size", [0, -1]),
    (layers.LSTM, {"units": 3}, "units", [0, -1, 1.5, "3", None]),
    (layers.LSTM, {"units": 3}, "dropout", ["x", None]),  # out-of-range rates are clipped, as Keras does
    (layers.Dropout, {"rate": 0.5}, "rate", [-0.1, 1.5, "x"]),
    (layers.GRU, {"units": 3}, "units", [0, -1]),
    (layers.SimpleRNN, {"units": 3}, "units", [0, -1]),
    (layers.MaxPooling2D, {}, "pool_size", [0, -1, "2"]),
    (layers.MaxPooling2D, {}, "strides", [0, -1]),
    (layers.AveragePooling1D, {}, "pool_size", [0, -2]),
    (layers.Embedding, {"input_dim": 5, "output_dim": 3}, "input_dim", [0, -1]),
    (layers.Embedding, {"input_dim": 5, "output_dim": 3}, "output_dim", [0, -1]),
]


@pytest.mark.parametrize("cls,valid,arg,values", LAYER_ARGS,
                         ids=[f"{c.__name__}-{a}" for c, _, a, _ in LAYER_ARGS])
def test_layer_arguments_raise_naming_the_argument(cls, valid, arg, values):
    for value in values:
        with pytest.raises((ValueError, TypeError)) as info:
            cls(**{**valid, arg: value})
        assert arg in str(info.value), f"{cls.__name__}({arg}={value!r}): {info.value}"


def test_conv_strides_with_dilation_is_refused_as_keras_does():
    with pytest.raises(ValueError, match=r"`strides > 1` not supported in conjunction with `dilation_rate > 1`"):
        layers.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"`strides > 1` not supported in conjunction with `dilation_rate > 1`"):
        layers.Conv1D(2, 3, strides=(2,), dilation_rate=3)


LAYER_INPUTS = {  # layer factory, a valid input
    "Dense": (lambda: layers.Dense(3), f32(2, 4)),
    "Conv2D": (lambda: layers.Conv2D(2, 3, padding="same"), f32(2, 5, 5, 3)),
    "LSTM": (lambda: layers.LSTM(3, return_sequences=True), f32(2, 4, 3)),
}
BAD_LAYER_INPUTS = {
    "strings": lambda a: np.full(a.shape, "a"),
    "objects": lambda a: np.full(a.shape, object(), dtype=object),
    "complex": lambda a: a.astype(np.complex64),
    "rank_minus_1": lambda a: a[0],
    "rank_plus_1": lambda a: a[None],
    "scalar": lambda a: np.float32(2.0),
    "none": lambda a: None,
    "wrong_last_axis": lambda a: np.concatenate([a, a], axis=-1),
}


@pytest.mark.parametrize("bad", list(BAD_LAYER_INPUTS))
@pytest.mark.parametrize("layer", list(LAYER_INPUTS))
def test_layer_call_with_bad_input_raises(layer, bad):
    make, x = LAYER_INPUTS[layer]
    lay = make()
    lay(x)  # built for x's shape
    if layer == "Dense" and bad == "rank_plus_1":
        return  # Dense maps the last axis of any rank >= 2, as Keras's does
    with pytest.raises((ValueError, TypeError)) as info:
        lay(BAD_LAYER_INPUTS[bad](x))
    assert str(info.value)


@pytest.mark.parametrize("layer", list(LAYER_INPUTS))
def test_layer_call_with_empty_batch_nan_and_inf(layer):
    make, x = LAYER_INPUTS[layer]
    lay = make()
    assert lay(x[:0]).shape[0] == 0
    bad = x.copy()
    bad.flat[0] = np.nan
    bad.flat[-1] = np.inf
    with np.errstate(all="ignore"):
        y = np.asarray(lay(bad))
    assert np.isnan(y).any() and y.shape == np.asarray(lay(x)).shape


def _model():
    m = kernn.Sequential([kernn.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(2)])
    m.compile(optimizer="adam", loss="mse")
    return m


_X, _Y = f32(6, 4), f32(6, 2)
MODEL_DATA = {  # name -> (x, y, must fit/evaluate raise?)
    "x_strings": (np.full((6, 4), "a"), _Y, True),
    "x_objects": (np.full((6, 4), object(), dtype=object), _Y, True),
    "x_complex": (_X.astype(np.complex64), _Y, True),
    "x_rank1": (np.ones(4, np.float32), _Y, True),
    "x_rank3": (np.ones((6, 4, 1), np.float32), _Y, True),
    "x_wrong_features": (np.ones((6, 5), np.float32), _Y, True),
    "x_none": (None, _Y, True),
    "x_scalar": (np.float32(1), _Y, True),
    "x_dict": ({"a": _X}, _Y, True),
    "y_strings": (_X, np.full((6, 2), "b"), True),
    "y_wrong_width": (_X, np.ones((6, 3), np.float32), True),
    "y_wrong_length": (_X, np.ones((5, 2), np.float32), True),
    "x_empty": (np.ones((0, 4), np.float32), np.ones((0, 2), np.float32), False),
    "x_nan": (np.full((6, 4), np.nan, np.float32), _Y, False),  # kernn refuses it with a ValueError
    "y_inf": (_X, np.full((6, 2), np.inf, np.float32), False),
    "x_lists": (_X.tolist(), _Y.tolist(), False),
}


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
@pytest.mark.parametrize("case", list(MODEL_DATA))
def test_sequential_fit_evaluate_predict_with_bad_data(case, method):
    x, y, must_raise = MODEL_DATA[case]
    m = _model()
    call = {"fit": lambda: m.fit(x, y, epochs=1, batch_size=3, verbose=0),
            "evaluate": lambda: m.evaluate(x, y, verbose=0),
            "predict": lambda: m.predict(x, verbose=0)}[method]
    if method == "predict" and case.startswith("y_"):
        must_raise = False
    try:
        with np.errstate(all="ignore"):
            call()
    except (ValueError, TypeError) as e:
        assert str(e)
    else:
        assert not must_raise, f"{method} accepted {case}"


# ---- absurd sizes, in a capped subprocess --------------------------------------------------

HUGE = r'''
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))  # 8 GiB: whatever slips through fails here
import numpy as np, kernn
from kernn import layers

def expect(label, call, kinds=(MemoryError, ValueError)):
    print(label, flush=True)
    try:
        call()
    except kinds as e:
        assert str(e), label
        return
    raise AssertionError(f"{label}: no error")

big = np.broadcast_to(np.float32(1.0), (2**31, 1))  # no memory behind it
expect("matmul output > 2**62 bytes", lambda: kernn.ops.matmul(big, big.T))
expect("activation of 2**40 values", lambda: kernn.ops.activation(np.broadcast_to(np.float32(1), (2**40,)), "relu"))
expect("softmax of 2**40 values", lambda: kernn.ops.softmax(np.broadcast_to(np.float32(1), (2**20, 2**20))))
expect("conv2d of a 2**20 x 2**20 image", lambda: kernn.ops.conv2d(
    np.broadcast_to(np.float32(1), (1, 2**20, 2**20, 1)), np.ones((3, 3, 1, 1), np.float32), padding="same"))
expect("upsampling 2**40", lambda: kernn.ops.upsampling2d(np.ones((1, 2, 2, 1), np.float32), 2**40))
expect("zero padding 2**62", lambda: kernn.ops.zero_padding2d(np.ones((1, 2, 2, 1), np.float32), 2**62))
expect("conv2d_transpose strides 2**40", lambda: kernn.ops.conv2d_transpose(
    np.ones((1, 4, 4, 2), np.float32), np.ones((3, 3, 5, 2), np.float32), strides=2**40))
expect("embedding table 2**40", lambda: kernn.ops.embedding_lookup(np.zeros(3, np.int64),
                                                                   np.broadcast_to(np.float32(1), (2**40, 4))))
for label, make, x in [
        ("Dense(units=2**40)", lambda: layers.Dense(2**40), np.ones((2, 4), np.float32)),
        ("Conv2D(filters=2**40)", lambda: layers.Conv2D(2**40, 3), np.ones((1, 5, 5, 3), np.float32)),
        ("Conv2D(kernel_size=2**40)", lambda: layers.Conv2D(2, 2**40), np.ones((1, 5, 5, 3), np.float32)),
        ("LSTM(units=2**40)", lambda: layers.LSTM(2**40), np.ones((1, 2, 3), np.float32)),
        ("Embedding(input_dim=2**40)", lambda: layers.Embedding(2**40, 4), np.zeros((1, 2), np.int64)),
        ("UpSampling2D(size=2**40)", lambda: layers.UpSampling2D(2**40), np.ones((1, 2, 2, 1), np.float32))]:
    expect(label, lambda: make()(x))
expect("Input((2**40,)) + Dense", lambda: kernn.Sequential([kernn.Input((2**40,)), layers.Dense(2)]))
print("done", flush=True)
'''


def test_absurd_sizes_raise_memory_or_value_errors_in_a_capped_process():
    # few threads, so that the per-thread reservations of OpenMP and BLAS fit under the cap on big machines
    env = {**os.environ, "PYTHONWARNINGS": "error", "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(HUGE)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("done"), (
        f"exit status {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")


@pytest.mark.parametrize("value", [5, -1, 2**40, np.uint64(2**63 + 5), 1e30, -1e30, 7.0])
def test_out_of_range_indices_and_labels_name_the_value(value):
    idx = np.array([1, value]) if not isinstance(value, np.uint64) else np.array([1, value], np.uint64)
    table = f32(5, 4)
    for call in (lambda: kernn.ops.embedding_lookup(idx, table),
                 lambda: kernn.ops.embedding_grad(idx, f32(2, 4), np.zeros((5, 4), np.float32))):
        with pytest.raises(ValueError, match=r"index .* at position 1 is outside the vocabulary \[0, 5\)"):
            call()
    with pytest.raises(ValueError, match=r"label .* \(at position 1\) is out of range for 5 classes"):
        kernn.ops.sparse_categorical_crossentropy(idx, probs(2, 5))


@pytest.mark.parametrize("arg,value", [("batch_size", 0), ("batch_size", -1), ("batch_size", 1.5), ("batch_size", "3"),
                                       ("steps", -1)])
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_sequential_batch_size_and_steps_must_be_sizes(method, arg, value):
    m = _model()
    if method == "fit" and arg == "steps":
        arg = "steps_per_epoch"
    kwargs = {arg: value, "verbose": 0}
    call = {"fit": lambda: m.fit(_X, _Y, **kwargs), "evaluate": lambda: m.evaluate(_X, _Y, **kwargs),
            "predict": lambda: m.predict(_X, **kwargs)}[method]
    with pytest.raises(ValueError, match=rf"Expected `{arg}` to be a .* integer or None. Received: {arg}="):
        call()

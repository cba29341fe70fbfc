"""kernn.ops activations, softmax and bias_grad (the C++ kernels) against the float64
references, on every ISA."""
import numpy as np
import pytest

import kernn
from reference import activations as ref

SIZES = [0, 1, 7, 16, 17, 1000, 100003]

CASES = [(n, {}) for n in ref.ELEMENTWISE] + [
    ("relu", {"negative_slope": 0.1, "max_value": 1.5, "threshold": 0.3}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"negative_slope": 0.2, "threshold": -0.4}),
    ("leaky_relu", {"negative_slope": 0.3}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("squareplus", {"b": 1.0}),
    ("soft_shrink", {"threshold": 1.0}),
    ("hard_shrink", {"threshold": 0.2}),
]


def _case_id(case):
    name, params = case
    return name + "".join(f"-{k}={v}" for k, v in params.items())


def _ops_name(name, params):
    """(kernn name, kwargs) for a reference name."""
    if name == "gelu_tanh":
        return "gelu", {"approximate": True}
    if name == "gelu":
        return "gelu", {"approximate": False}
    return name, dict(params)


def _inputs(rng, n):
    """Mostly moderate values, some large, a few near 0."""
    x = rng.standard_normal(n).astype(np.float32) * 3
    if n > 10:
        x[: n // 10] *= 20
        x[n // 10: n // 5] *= 1e-3
    return x


def _check(got, want, rtol=1e-6, atol=1e-7):
    want32 = np.asarray(want, np.float64)
    assert got.dtype == np.float32 and got.shape == want32.shape
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(got, want32.astype(np.float32), rtol=rtol, atol=atol)


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n{n}")
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_forward_and_backward(isa, rng, case, n):
    name, params = case
    x = _inputs(rng, n)
    if name == "exponential":
        x = np.clip(x, -80, 80)
    g = rng.standard_normal(n).astype(np.float32)
    op, kw = _ops_name(name, params)
    _check(kernn.ops.activation(x, op, **kw), ref.forward(x, name, **params))
    _check(kernn.ops.activation_grad(x, None, g, op, **kw), ref.backward(x, g, name, **params), atol=2e-7)


FROM_OUTPUT = [c for c in CASES if c[0] in ("linear", "relu6", "selu", "softplus", "softsign", "hard_sigmoid",
                                            "exponential", "sigmoid", "tanh", "leaky_relu", "elu")
               or (c[0] == "relu" and not c[1].get("threshold"))]


@pytest.mark.parametrize("n", [1, 17, 1000, 100003], ids=lambda n: f"n{n}")
@pytest.mark.parametrize("case", FROM_OUTPUT, ids=_case_id)
def test_backward_from_output(isa, rng, case, n):
    """x=None: the gradient from the output y alone (what a fused GEMM epilogue leaves)."""
    name, params = case
    x = rng.uniform(-6, 6, n).astype(np.float32)
    g = rng.standard_normal(n).astype(np.float32)
    y = kernn.ops.activation(x, name, **params)
    _check(kernn.ops.activation_grad(None, y, g, name, **params), ref.backward(x, g, name, **params),
           rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name,params", [("gelu", {}), ("silu", {}), ("hard_silu", {}),
                                         ("relu", {"threshold": 0.5})], ids=str)
def test_backward_from_output_needs_x_for_the_others(name, params):
    with pytest.raises(ValueError, match="cannot be computed from its output alone; pass its input x"):
        kernn.ops.activation_grad(None, np.ones(3, np.float32), np.ones(3, np.float32), name, **params)


SMOOTH = ["elu", "selu", "gelu", "gelu_tanh", "silu", "softplus", "softsign", "exponential", "sigmoid", "tanh",
          "mish", "log_sigmoid", "celu", "squareplus", "tanh_shrink"]


@pytest.mark.parametrize("name", SMOOTH)
def test_accuracy_in_ulps(isa, name):
    """Relative error of a few float32 ulps wherever the value is a normal float."""
    x = np.linspace(-30, 30, 200001, dtype=np.float32)
    bound = np.full(x.shape, 8.0)
    if name == "tanh_shrink":  # x - tanh(x) just above the series' range cancels ~10-fold
        bound[:] = 12.0
    if name == "gelu_tanh":
        # for x << 0 the result is sigmoid(2u) with |2u| large: float32 rounding of u is
        # amplified |2u|-fold by the formula itself, whatever the kernel does
        bound = 8.0 + 4.0 * np.abs(1.5957691 * (x + 0.044715 * x.astype(np.float64) ** 3))
    if name == "exponential":
        x = np.linspace(-87, 88, 200001, dtype=np.float32)
    op, kw = _ops_name(name, {})
    want = ref.forward(x, name)
    got = kernn.ops.activation(x, op, **kw).astype(np.float64)
    normal = np.abs(want) > 1e-30
    ulps = np.abs(got - want)[normal] / np.abs(want)[normal] / 2.0**-23
    excess = ulps / bound[normal]
    assert excess.max() <= 1, f"{name}: {ulps[excess.argmax()]:.1f} ulps at x={x[normal][excess.argmax()]}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_large_magnitudes_are_stable(isa, case):
    name, params = case
    x = np.array([-1e30, -1e4, -100, -88.5, -50, -20, -10, 10, 20, 50, 88.5, 100, 1e4, 1e30], np.float32)
    if name == "exponential":
        x = x[np.abs(x) <= 100]
    op, kw = _ops_name(name, params)
    with np.errstate(over="ignore", invalid="ignore"):
        want_y = ref.forward(x, name, **params).astype(np.float32)
        want_d = ref.derivative(x, name, **params).astype(np.float32)
    y = kernn.ops.activation(x, op, **kw)
    d = kernn.ops.activation_grad(x, None, np.ones_like(x), op, **kw)
    assert not np.isnan(y).any() and not np.isnan(d).any()
    np.testing.assert_allclose(y, want_y, rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(d, want_d, rtol=1e-6, atol=1e-30)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_nan_propagates(isa, case):
    name, params = case
    x = np.array([0.5, np.nan, -2.0] * 7, np.float32)
    op, kw = _ops_name(name, params)
    y = kernn.ops.activation(x, op, **kw)
    assert np.isnan(y[1::3]).all() and not np.isnan(y[0::3]).any()
    if name != "linear":  # linear's gradient is grad itself
        d = kernn.ops.activation_grad(x, None, np.ones_like(x), op, **kw)
        assert np.isnan(d[1::3]).all() and not np.isnan(d[0::3]).any()


@pytest.mark.parametrize("layout", ["sliced", "transposed", "negative_stride", "float64_input"])
def test_strided_and_converted_input(isa, rng, layout):
    big = rng.standard_normal((40, 60)).astype(np.float32)
    x = {"sliced": big[::3, 1::2], "transposed": big.T, "negative_stride": big[::-1, ::-2],
         "float64_input": big.astype(np.float64)}[layout]
    _check(kernn.ops.activation(x, "gelu"), ref.forward(x, "gelu"))
    g = np.ones(x.shape, np.float32)
    _check(kernn.ops.activation_grad(x, None, g, "silu"), ref.backward(x, g, "silu"))
    _check(kernn.ops.softmax(x), ref.softmax(x))


def test_out_argument(isa, rng):
    x = rng.standard_normal((5, 8)).astype(np.float32)
    want = ref.forward(x, "tanh")
    out = np.empty_like(x)
    assert kernn.ops.activation(x, "tanh", out=out) is out
    _check(out, want)
    y = x.copy()
    kernn.ops.activation(y, "tanh", out=y)  # in place
    _check(y, want)
    big = np.zeros((5, 16), np.float32)
    res = kernn.ops.activation(x, "tanh", out=big[:, ::2])  # non-contiguous out
    _check(big[:, ::2], want)
    assert res.base is big
    z = np.arange(12, dtype=np.float32) - 6
    kernn.ops.activation(z[1:], "relu", out=z[:-1])  # overlapping, shifted
    np.testing.assert_array_equal(z[:-1], np.maximum(np.arange(1, 12) - 6, 0))


def test_results_do_not_depend_on_thread_count(rng):
    x = rng.standard_normal(300006).astype(np.float32)
    res = []
    for t in (1, 3):
        kernn.set_num_threads(t)
        res.append((kernn.ops.activation(x, "gelu"), kernn.ops.activation_grad(x, None, x, "softplus"),
                    kernn.ops.softmax(x.reshape(6, -1)), kernn.ops.bias_grad(x[:300000].reshape(-1, 100))))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


# ---- softmax / log_softmax --------------------------------------------------------------

SOFTMAX_SHAPES = [(0, 5), (3, 0), (1, 1), (7,), (16, 17), (17, 16), (5, 1000), (2, 100003), (2, 3, 7)]


@pytest.mark.parametrize("shape", SOFTMAX_SHAPES, ids=str)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax(isa, rng, shape, log):
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    if log:
        y = kernn.ops.log_softmax(x)
        _check(y, ref.log_softmax(x), rtol=2e-6, atol=2e-6)
        _check(kernn.ops.log_softmax_grad(y, g), ref.log_softmax_backward(ref.log_softmax(x), g), atol=2e-6)
        _check(kernn.ops.activation_grad(x, y, g, "log_softmax"), ref.log_softmax_backward(y, g), atol=2e-6)
    else:
        y = kernn.ops.softmax(x)
        _check(y, ref.softmax(x), rtol=2e-6, atol=1e-7)
        _check(kernn.ops.softmax_grad(y, g), ref.softmax_backward(ref.softmax(x), g), atol=1e-6)
        _check(kernn.ops.activation_grad(x, y, g, "softmax"), ref.softmax_backward(y, g), atol=1e-6)


def test_softmax_large_values_and_nan(isa):
    x = np.array([[1e4, 1e4 - 1, -1e4], [-1e30, 0.0, 1e30], [1.0, np.nan, 2.0], [-np.inf, 0.0, 0.0]], np.float32)
    y = kernn.ops.softmax(x)
    np.testing.assert_allclose(y[0], ref.softmax(x[0].astype(np.float64)), rtol=1e-6)
    np.testing.assert_array_equal(y[1], [0, 0, 1])
    assert np.isnan(y[2]).all()
    np.testing.assert_array_equal(y[3], [0, 0.5, 0.5])
    ly = kernn.ops.log_softmax(x[:2])
    np.testing.assert_allclose(ly[0], ref.log_softmax(x[0].astype(np.float64)), rtol=1e-6)
    assert np.isfinite(ly[0]).all()


# ---- bias_grad ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(0, 3), (1, 1), (7, 16), (17, 1000), (1000, 17), (100003, 1), (4, 5, 6),
                                   (3, 0)], ids=str)
def test_bias_grad(isa, rng, shape):
    g = rng.standard_normal(shape).astype(np.float32)
    got = kernn.ops.bias_grad(g)
    assert got.shape == (shape[-1],) and got.dtype == np.float32
    np.testing.assert_allclose(got, ref.bias_grad(g), rtol=1e-6, atol=1e-5)


# ---- bad input --------------------------------------------------------------------------

def test_bad_input():
    x = np.ones(3, np.float32)
    with pytest.raises(ValueError, match="unknown activation.*Received: name='nope'"):
        kernn.ops.activation(x, "nope")
    with pytest.raises(ValueError, match="takes negative_slope, max_value, threshold. Received: alpha=2"):
        kernn.ops.activation(x, "relu", alpha=2)
    with pytest.raises(ValueError, match="takes no parameters"):
        kernn.ops.activation(x, "tanh", alpha=2)
    with pytest.raises(ValueError, match="x and grad shapes differ"):
        kernn.ops.activation_grad(x, None, np.ones(4), "relu")
    with pytest.raises(ValueError, match="softmax needs its output y"):
        kernn.ops.activation_grad(x, None, x, "softmax")
    with pytest.raises(ValueError, match="out has shape"):
        kernn.ops.activation(x, "relu", out=np.ones(4, np.float32))
    with pytest.raises(TypeError, match="must be an array of real numbers"):
        kernn.ops.activation(np.array(["a"]), "relu")
    with pytest.raises(ValueError, match="at least 1 dimension"):
        kernn.ops.softmax(np.float32(1.0))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        kernn.ops.bias_grad(np.float32(1.0))

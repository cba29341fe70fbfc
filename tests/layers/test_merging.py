"""Merge layers: forward against NumPy, backward against finite differences, Keras's shape errors."""
import numpy as np
import pytest

from kernn import layers

RNG = np.random.default_rng(0)


def _fd_check(layer, xs, eps=1e-3):
    xs = [x.astype(np.float32) for x in xs]
    out = layer(xs)
    g = RNG.normal(size=out.shape).astype(np.float32)
    grads = layer.backward(g)
    for i, x in enumerate(xs):
        num = np.zeros(x.shape, dtype=np.float64)
        for idx in np.ndindex(x.shape):
            old = x[idx]
            x[idx] = old + eps
            fp = np.sum(np.asarray(layer(xs), np.float64) * g)
            x[idx] = old - eps
            fm = np.sum(np.asarray(layer(xs), np.float64) * g)
            x[idx] = old
            num[idx] = (fp - fm) / (2 * eps)
        np.testing.assert_allclose(grads[i], num, rtol=2e-2, atol=2e-3)


ELEMWISE = [
    ("add", layers.Add, lambda a, b: a + b),
    ("subtract", layers.Subtract, lambda a, b: a - b),
    ("multiply", layers.Multiply, lambda a, b: a * b),
    ("average", layers.Average, lambda a, b: (a + b) / 2),
    ("maximum", layers.Maximum, np.maximum),
    ("minimum", layers.Minimum, np.minimum),
]


@pytest.mark.parametrize("name,cls,fn", ELEMWISE, ids=[e[0] for e in ELEMWISE])
def test_elementwise_forward_backward(name, cls, fn):
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    np.testing.assert_allclose(cls()([a, b]), fn(a, b), rtol=1e-6)
    _fd_check(cls(), [a, b])


def test_three_inputs_and_broadcast():
    a, b, c = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3)), RNG.normal(size=(2, 1))
    np.testing.assert_allclose(layers.Add()([a, b, c]), a + b + c, rtol=1e-6)
    _fd_check(layers.Multiply(), [a, b, c])


@pytest.mark.parametrize("axis", [-1, 1])
def test_concatenate(axis):
    a, b = RNG.normal(size=(2, 3, 2)), RNG.normal(size=(2, 3, 4)) if axis == -1 else RNG.normal(size=(2, 5, 2))
    np.testing.assert_array_equal(layers.Concatenate(axis=axis)([a, b]),
                                  np.concatenate([a, b], axis=axis).astype(np.float32))
    _fd_check(layers.Concatenate(axis=axis), [a, b])


@pytest.mark.parametrize("shapes,axes", [(((3, 4), (3, 4)), 1), (((2, 3, 4), (2, 5, 4)), (2, 2)),
                                         (((2, 3, 4), (2, 4, 5)), (2, 1))], ids=["2d", "3d_22", "3d_21"])
@pytest.mark.parametrize("normalize", [False, True], ids=["plain", "normalize"])
def test_dot(shapes, axes, normalize):
    a, b = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    out = layers.Dot(axes=axes, normalize=normalize)([a, b])
    ax = (axes, axes) if isinstance(axes, int) else axes
    if normalize:
        a = a / np.linalg.norm(a, axis=ax[0], keepdims=True)
        b = b / np.linalg.norm(b, axis=ax[1], keepdims=True)
    if a.ndim == 2:
        ref = np.sum(a * b, axis=1, keepdims=True)
    else:
        ref = np.einsum("bik,bjk->bij" if ax == (2, 2) else "bik,bkj->bij", a, b)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    _fd_check(layers.Dot(axes=axes, normalize=normalize), [RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])])


def test_shape_errors_match_keras():
    with pytest.raises(ValueError, match="Inputs have incompatible shapes"):
        layers.Add().compute_output_shape([(None, 3), (None, 4)])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract().build([(None, 3)] * 3)
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate().compute_output_shape([(None, 3, 2), (None, 4, 2)])
    with pytest.raises(ValueError, match="Incompatible input shapes: axis values 3"):
        layers.Dot(axes=1).compute_output_shape([(None, 3), (None, 4)])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add().build((None, 3))
    assert layers.Concatenate(axis=1).get_config()["axis"] == 1
    assert layers.Dot(axes=(1, 2), normalize=True).get_config()["normalize"] is True

import numpy as np
import pytest

from kernn.utils.numerical_utils import normalize, to_categorical


def test_to_categorical_values_and_float64():
    out = to_categorical(np.array([0, 2, 1, 2]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.eye(3)[[0, 2, 1, 2]])


@pytest.mark.parametrize("shape", [(6,), (6, 1), (2, 3), (2, 3, 1)], ids=["1d", "col", "2d", "2d_trailing1"])
def test_to_categorical_shapes(shape):
    y = np.arange(6).reshape(shape) % 4
    out = to_categorical(y, num_classes=5)
    base = shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape
    assert out.shape == base + (5,)
    np.testing.assert_array_equal(out.argmax(-1), y.reshape(base))
    np.testing.assert_array_equal(out.sum(-1), 1.0)


def test_to_categorical_accepts_lists_floats_and_strided():
    np.testing.assert_array_equal(to_categorical([1.0, 0.0]), [[0, 1], [1, 0]])
    y = np.array([[0, 9], [1, 9], [2, 9]], order="F")[:, 0]
    np.testing.assert_array_equal(to_categorical(y), np.eye(3))


@pytest.mark.parametrize("labels, kwargs, match", [
    ([0, -1], {}, "must be >= 0"),
    ([0, 3], {"num_classes": 3}, "must be < num_classes"),
    ([0.5, 1], {}, "non-integer"),
    (["a"], {}, "integer class labels"),
    ([0, 1], {"num_classes": -2}, "positive integer"),
    ([], {}, "empty"),
], ids=["negative", "too_big", "fractional", "strings", "bad_num_classes", "empty"])
def test_to_categorical_bad_labels(labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        to_categorical(labels, **kwargs)


def test_normalize_l2_rows_and_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]])
    out = normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0], [2 ** -0.5, 2 ** -0.5]])
    assert out.dtype == np.float64


def test_normalize_axis_order_and_fortran():
    rng = np.random.default_rng(0)
    x = np.asfortranarray(rng.normal(size=(4, 5)))
    out = normalize(x, axis=0, order=1)
    np.testing.assert_allclose(np.abs(out).sum(axis=0), 1.0)
    np.testing.assert_allclose(normalize(x[:, ::2]), x[:, ::2] / np.linalg.norm(x[:, ::2], axis=1, keepdims=True))
    assert normalize(np.ones((2, 2), dtype=np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="axis"):
        normalize(x, axis=2)

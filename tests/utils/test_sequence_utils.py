import numpy as np
import pytest

from kernn.utils.sequence_utils import pad_sequences

A = [[1], [1, 2], [1, 2, 3]]


def test_defaults_int32_pre_padding():
    out = pad_sequences(A)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 1, 2], [1, 2, 3]])


@pytest.mark.parametrize("kwargs, expected", [
    ({"maxlen": 3, "padding": "pre"}, [[0, 0, 1], [0, 1, 2], [1, 2, 3]]),
    ({"maxlen": 3, "padding": "post"}, [[1, 0, 0], [1, 2, 0], [1, 2, 3]]),
    ({"maxlen": 2, "truncating": "pre"}, [[0, 1], [1, 2], [2, 3]]),
    ({"maxlen": 2, "truncating": "post"}, [[0, 1], [1, 2], [1, 2]]),
    ({"maxlen": 2, "padding": "post", "truncating": "post"}, [[1, 0], [1, 2], [1, 2]]),
    ({"maxlen": 3, "value": 1}, [[1, 1, 1], [1, 1, 2], [1, 2, 3]]),
    ({"maxlen": 4, "value": -1}, [[-1, -1, -1, 1], [-1, -1, 1, 2], [-1, 1, 2, 3]]),
], ids=["pre", "post", "trunc_pre", "trunc_post", "post_post", "value", "maxlen_gt_longest"])
def test_keras_documented_cases(kwargs, expected):
    np.testing.assert_array_equal(pad_sequences(A, **kwargs), expected)


def test_string_sequences():
    a = [["1"], ["1", "2"], ["1", "2", "3"]]
    out = pad_sequences(a, maxlen=3, padding="pre", value="pad", dtype=object)
    np.testing.assert_array_equal(out, [["pad", "pad", "1"], ["pad", "1", "2"], ["1", "2", "3"]])
    out = pad_sequences(a, maxlen=2, padding="post", value="x", dtype="<U3")
    np.testing.assert_array_equal(out, [["1", "x"], ["1", "2"], ["2", "3"]])
    with pytest.raises(ValueError, match="is not compatible with `value`'s type"):
        pad_sequences(a, maxlen=2, value="pad")


def test_float_dtype_vectors_and_empty_sequences():
    out = pad_sequences([[0.5], [], [1.5, 2.5]], dtype="float32", value=-1.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[-1, 0.5], [-1, -1], [1.5, 2.5]])
    seqs = [np.ones((1, 2)), np.full((3, 2), 2.0, order="F")]
    out = pad_sequences(seqs, dtype="float64", padding="post")
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out[0], [[1, 1], [0, 0], [0, 0]])
    np.testing.assert_array_equal(pad_sequences(np.array([[5, 6, 7]]), maxlen=2), [[6, 7]])


@pytest.mark.parametrize("args, kwargs, match", [
    ((A,), {"padding": "middle"}, 'Padding type "middle" not understood'),
    ((A,), {"truncating": "x"}, 'Truncating type "x" not understood'),
    (([[1], 2],), {}, "must be a list of iterables"),
    ((5,), {}, "must be iterable"),
    (([np.ones((1, 2)), np.ones((1, 3))],), {"dtype": "float32"}, "is different from expected shape"),
    ((A,), {"maxlen": -1}, "non-negative"),
], ids=["padding", "truncating", "non_iterable_item", "non_iterable", "item_shape", "maxlen"])
def test_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences(*args, **kwargs)

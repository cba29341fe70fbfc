"""kernn.ops cross-entropy losses (fused loss + gradient in C++) against the float64
references, on every ISA."""
import numpy as np
import pytest

import kernn
from reference import losses as ref

SHAPES = [(0, 5), (1, 1), (1, 7), (7, 16), (17, 17), (16, 1000), (3, 100003), (2, 3, 7), (1000, 7)]


def _probs(rng, shape):
    p = rng.uniform(0.0, 1.0, shape) ** 3  # some near 0
    if p.size:
        p.reshape(-1)[:: 7] = 0.0  # exact zeros hit the clip
    return p.astype(np.float32)


def _check(got, want, rtol=2e-6, atol=1e-6):
    loss, grad = got
    assert loss.dtype == np.float32 and grad.dtype == np.float32
    assert loss.shape == want[0].shape and grad.shape == want[1].shape
    np.testing.assert_allclose(loss, want[0], rtol=rtol, atol=atol)
    np.testing.assert_allclose(grad, want[1], rtol=rtol, atol=atol)


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_categorical(isa, rng, shape, from_logits):
    t = rng.uniform(0, 1, shape).astype(np.float32)
    p = (rng.standard_normal(shape) * 3).astype(np.float32) if from_logits else _probs(rng, shape)
    if not from_logits:
        p[..., 0] += 0.1  # no all-zero row
    _check(kernn.ops.categorical_crossentropy(t, p, from_logits=from_logits),
           ref.categorical_crossentropy(t, p, from_logits), atol=2e-6)


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sparse_categorical(isa, rng, shape, from_logits):
    labels = rng.integers(0, shape[-1], shape[:-1])
    p = (rng.standard_normal(shape) * 3).astype(np.float32) if from_logits else _probs(rng, shape) + 0.01
    _check(kernn.ops.sparse_categorical_crossentropy(labels, p, from_logits=from_logits),
           ref.sparse_categorical_crossentropy(labels, p, from_logits))
    # trailing axis of 1 and float labels, as Keras accepts
    got = kernn.ops.sparse_categorical_crossentropy(labels[..., None].astype(np.float32), p, from_logits=from_logits)
    _check(got, ref.sparse_categorical_crossentropy(labels, p, from_logits))


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("shape", SHAPES + [(9001, 1), (4, 28, 28, 1)], ids=str)  # rows of one: own path
def test_binary(isa, rng, shape, from_logits):
    t = (rng.uniform(0, 1, shape) > 0.5).astype(np.float32)
    p = (rng.standard_normal(shape) * 4).astype(np.float32) if from_logits else rng.uniform(0, 1, shape).astype(
        np.float32)
    if not from_logits and p.size:
        p.reshape(-1)[::5] = 0.0
        p.reshape(-1)[1::5] = 1.0
    _check(kernn.ops.binary_crossentropy(t, p, from_logits=from_logits), ref.binary_crossentropy(t, p, from_logits))


def test_matches_one_hot_categorical(isa, rng):
    p = rng.standard_normal((9, 6)).astype(np.float32)
    labels = rng.integers(0, 6, 9)
    onehot = np.eye(6, dtype=np.float32)[labels]
    for logits in (True, False):
        pp = p if logits else kernn.ops.softmax(p)
        a = kernn.ops.sparse_categorical_crossentropy(labels, pp, from_logits=logits)
        b = kernn.ops.categorical_crossentropy(onehot, pp, from_logits=logits)
        np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
        np.testing.assert_allclose(a[1], b[1], rtol=1e-6, atol=1e-7)


def test_large_logits_are_stable(isa):
    z = np.array([[1e4, -1e4, 0.0], [-1e30, 1e30, 5.0], [88.0, 90.0, -90.0]], np.float32)
    t = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], np.float32)
    for got, want in [(kernn.ops.categorical_crossentropy(t, z, from_logits=True),
                       ref.categorical_crossentropy(t, z, True)),
                      (kernn.ops.binary_crossentropy(t, z, from_logits=True), ref.binary_crossentropy(t, z, True)),
                      (kernn.ops.sparse_categorical_crossentropy([1, 0, 2], z, from_logits=True),
                       ref.sparse_categorical_crossentropy([1, 0, 2], z, True))]:
        assert np.isfinite(got[0]).all() and np.isfinite(got[1]).all()
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6, atol=1e-7)


def test_nan_propagates(isa):
    z = np.array([[1.0, np.nan, 0.5], [1.0, 2.0, 3.0]], np.float32)
    t = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
    for logits in (True, False):
        for loss, _ in (kernn.ops.categorical_crossentropy(t, np.abs(z), from_logits=logits),
                        kernn.ops.binary_crossentropy(t, np.abs(z) / 4, from_logits=logits),
                        kernn.ops.sparse_categorical_crossentropy([0, 2], np.abs(z), from_logits=logits)):
            assert np.isnan(loss[0]) and np.isfinite(loss[1])


def test_results_do_not_depend_on_thread_count(rng):
    p = rng.standard_normal((3000, 100)).astype(np.float32)
    t = rng.uniform(0, 1, p.shape).astype(np.float32)
    res = []
    for n in (1, 3):
        kernn.set_num_threads(n)
        res.append(kernn.ops.categorical_crossentropy(t, p, from_logits=True)
                   + kernn.ops.binary_crossentropy(t, p, from_logits=True))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


def test_bad_input():
    p = np.full((2, 3), 1 / 3, np.float32)
    with pytest.raises(ValueError, match=r"label 3 \(at position 1\) is out of range for 3 classes"):
        kernn.ops.sparse_categorical_crossentropy([0, 3], p)
    with pytest.raises(ValueError, match=r"label -1 \(at position 0\) is out of range for 3 classes"):
        kernn.ops.sparse_categorical_crossentropy([-1, 0], p, from_logits=True)
    with pytest.raises(ValueError, match=r"same shape up until the last dimension \(labels of shape \(2,\)\)"):
        kernn.ops.sparse_categorical_crossentropy([0, 1, 2], p)
    with pytest.raises(ValueError, match="labels must be whole numbers. Received: label=0.5"):
        kernn.ops.sparse_categorical_crossentropy([0.5, 1.0], p)
    with pytest.raises(TypeError, match="labels must be integers"):
        kernn.ops.sparse_categorical_crossentropy(np.array(["a", "b"]), p)
    with pytest.raises(ValueError, match=r"must have the same shape. Received: target.shape=\(2, 2\), "
                                         r"output.shape=\(2, 3\)"):
        kernn.ops.categorical_crossentropy(np.ones((2, 2)), p)
    with pytest.raises(ValueError, match="must have the same shape"):
        kernn.ops.binary_crossentropy(np.ones((3,)), p)
    with pytest.raises(ValueError, match="at least one class"):
        kernn.ops.categorical_crossentropy(np.ones((2, 0)), np.ones((2, 0)))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        kernn.ops.binary_crossentropy(1.0, 1.0)

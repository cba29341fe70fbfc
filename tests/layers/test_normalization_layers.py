"""BatchNormalization and LayerNormalization: Keras weights and training/inference behaviour."""
import numpy as np
import pytest

from kernn import layers
from helpers import run_layer_test
from reference import norm as ref


@pytest.mark.parametrize("kwargs,in_shape,trainable,non_trainable,shapes", [
    ({}, (4, 3, 3, 5), 2, 2, [(5,)] * 4),
    (dict(center=False), (6, 4), 1, 2, [(4,)] * 3),
    (dict(scale=False, axis=1), (4, 3, 5), 1, 2, [(3,)] * 3),
], ids=["default", "no_center", "axis1_no_scale"])
def test_batch_norm_basics(kwargs, in_shape, trainable, non_trainable, shapes):
    run_layer_test(layers.BatchNormalization, kwargs, in_shape, in_shape, expected_num_trainable_weights=trainable,
                   expected_num_non_trainable_weights=non_trainable, expected_weight_shapes=shapes)


def test_layer_norm_basics():
    run_layer_test(layers.LayerNormalization, {}, (3, 4, 6), (3, 4, 6), expected_num_trainable_weights=2,
                   expected_weight_shapes=[(6,), (6,)])


def test_batch_norm_training_updates_moving_stats_and_normalises(rng):
    x = (rng.standard_normal((32, 4, 4, 3)) * 2 + 5).astype(np.float32)
    bn = layers.BatchNormalization(momentum=0.9)
    bn(x)  # build; inference on the initial moving stats
    gamma, beta = rng.random(3).astype(np.float32) + 0.5, rng.standard_normal(3).astype(np.float32)
    bn.set_weights([gamma, beta, np.zeros(3, np.float32), np.ones(3, np.float32)])
    y = bn(x, training=True)
    ry, mean, var = ref.batch_norm_train(x, gamma, beta, 1e-3)
    np.testing.assert_allclose(y, ry, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    yi = bn(x, training=False)
    np.testing.assert_allclose(yi, ref.batch_norm_inference(x, gamma, beta, 0.1 * mean, 0.9 + 0.1 * var, 1e-3),
                               rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(x.shape).astype(np.float32)
    bn(x, training=True)
    for w in bn.weights:
        w.zero_grad()
    dx = bn.backward(g)
    rdx, rdg, rdb = ref.batch_norm_backward(x, g, gamma, 1e-3)
    np.testing.assert_allclose(dx, rdx, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(bn.gamma.grad, rdg, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(bn.beta.grad, rdb, rtol=1e-3, atol=1e-3)


def test_frozen_batch_norm_runs_in_inference_mode(rng):
    x = rng.standard_normal((8, 3)).astype(np.float32)
    bn = layers.BatchNormalization()
    bn(x)
    bn.trainable = False
    before = bn.moving_mean.numpy()
    y = bn(x, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-5)


def test_batch_norm_weight_order_and_keras_defaults():
    bn = layers.BatchNormalization()
    bn(np.ones((2, 3), np.float32))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert bn.momentum == 0.99 and bn.epsilon == 1e-3
    assert [w.trainable for w in bn.weights] == [True, True, False, False]


def test_layer_norm_forward_backward(rng):
    x = rng.standard_normal((5, 7)).astype(np.float32)
    ln = layers.LayerNormalization()
    ln(x)
    gamma, beta = rng.standard_normal(7).astype(np.float32), rng.standard_normal(7).astype(np.float32)
    ln.set_weights([gamma, beta])
    np.testing.assert_allclose(ln(x), ref.layer_norm(x, gamma, beta, 1e-3), rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(x.shape).astype(np.float32)
    for w in ln.weights:
        w.zero_grad()
    dx = ln.backward(g)
    rdx, rdg, rdb = ref.layer_norm_backward(x, g, gamma, 1e-3)
    np.testing.assert_allclose(dx, rdx, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(ln.gamma.grad, rdg, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ln.beta.grad, rdb, rtol=1e-4, atol=1e-4)


def test_normalization_errors():
    with pytest.raises(ValueError, match=r"Invalid axis: 3 for input of rank 2"):
        layers.BatchNormalization(axis=3)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"Invalid axis: 2 for input of rank 2"):
        layers.LayerNormalization(axis=2)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"Duplicate axis"):
        layers.LayerNormalization(axis=[1, -1])(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match=r"'axis'"):
        layers.LayerNormalization(axis="last")


def _layer_norm_axes(x, axes, gamma, beta, eps):
    """float64 reference: statistics over `axes`, gamma/beta broadcast along them (Keras)."""
    x = x.astype(np.float64)
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
    return (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


@pytest.mark.parametrize("axis", [[1, 2, 3], 1, [1, 2], (2, 3), [-1, 1]], ids=str)
def test_layer_norm_over_any_axes(rng, axis):
    x = rng.standard_normal((3, 4, 5, 6)).astype(np.float32)
    ln = layers.LayerNormalization(axis=axis)
    ln(x)
    given = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    axes = sorted(a % 4 for a in given)
    # Keras shapes gamma/beta by the axes in the order given, and reads them in sorted order
    assert ln.gamma.value.shape == tuple(x.shape[a] for a in given)
    gamma = rng.standard_normal(ln.gamma.value.shape).astype(np.float32)
    beta = rng.standard_normal(ln.beta.value.shape).astype(np.float32)
    ln.set_weights([gamma, beta])
    y = ln(x)
    np.testing.assert_allclose(y, _layer_norm_axes(x, axes, gamma, beta, 1e-3), rtol=1e-4, atol=1e-4)
    # gradients against central differences of sum(g * y) in float64
    g = rng.standard_normal(x.shape).astype(np.float32)
    for w in ln.weights:
        w.zero_grad()
    dx = ln.backward(g)
    f = lambda xx, gg, bb: float(np.sum(g * _layer_norm_axes(xx, axes, gg, bb, 1e-3)))  # noqa: E731
    x64, eps = x.astype(np.float64), 1e-4
    for idx in [(0, 0, 0, 0), (2, 3, 4, 5), (1, 2, 0, 3)]:
        e = np.zeros_like(x64)
        e[idx] = eps
        want = (f(x64 + e, gamma, beta) - f(x64 - e, gamma, beta)) / (2 * eps)
        np.testing.assert_allclose(dx[idx], want, rtol=2e-3, atol=2e-3)
    gi = (0,) * gamma.ndim
    e = np.zeros(gamma.shape)
    e[gi] = eps
    want_g = (f(x64, gamma + e, beta) - f(x64, gamma - e, beta)) / (2 * eps)
    np.testing.assert_allclose(ln.gamma.grad[gi], want_g, rtol=2e-3, atol=2e-3)
    want_b = (f(x64, gamma, beta + e) - f(x64, gamma, beta - e)) / (2 * eps)
    np.testing.assert_allclose(ln.beta.grad[gi], want_b, rtol=2e-3, atol=2e-3)
    assert layers.LayerNormalization.from_config(ln.get_config()).axis == ln.axis

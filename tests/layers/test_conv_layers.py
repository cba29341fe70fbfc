"""Convolution layers: Keras weight layouts against the NumPy reference, backward, configs, errors."""
import numpy as np
import pytest

import kernn
from kernn import layers
from helpers import run_layer_test
from reference import conv as ref


@pytest.mark.parametrize("cls,kwargs,in_shape,out_shape,weights", [
    (layers.Conv2D, dict(filters=4, kernel_size=3), (2, 7, 6, 3), (2, 5, 4, 4), [(3, 3, 3, 4), (4,)]),
    (layers.Conv2D, dict(filters=6, kernel_size=(3, 2), strides=2, padding="same", groups=3, use_bias=False),
     (2, 7, 6, 3), (2, 4, 3, 6), [(3, 2, 1, 6)]),
    (layers.Conv2D, dict(filters=2, kernel_size=3, dilation_rate=2, padding="same", activation="tanh"),
     (1, 6, 6, 2), (1, 6, 6, 2), [(3, 3, 2, 2), (2,)]),
    (layers.Conv2D, dict(filters=3, kernel_size=3, data_format="channels_first"), (2, 2, 6, 5), (2, 3, 4, 3),
     [(3, 3, 2, 3), (3,)]),
    (layers.Conv1D, dict(filters=5, kernel_size=3, padding="causal", dilation_rate=2), (2, 9, 4), (2, 9, 5),
     [(3, 4, 5), (5,)]),
    (layers.Conv1D, dict(filters=4, kernel_size=2, strides=2, activation="relu"), (3, 7, 2), (3, 3, 4),
     [(2, 2, 4), (4,)]),
    (layers.Conv2DTranspose, dict(filters=3, kernel_size=3, strides=2, padding="same"), (2, 4, 5, 2),
     (2, 8, 10, 3), [(3, 3, 3, 2), (3,)]),
    (layers.Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2, output_padding=1, activation="sigmoid"),
     (1, 3, 3, 4), (1, 8, 8, 2), [(3, 3, 2, 4), (2,)]),
    (layers.Conv1DTranspose, dict(filters=3, kernel_size=4, strides=3), (2, 5, 2), (2, 16, 3), [(4, 3, 2), (3,)]),
    (layers.DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=2, padding="same"), (2, 5, 5, 3),
     (2, 5, 5, 6), [(3, 3, 3, 2), (6,)]),
    (layers.SeparableConv2D, dict(filters=4, kernel_size=3, depth_multiplier=2), (2, 6, 6, 3), (2, 4, 4, 4),
     [(3, 3, 3, 2), (1, 1, 6, 4), (4,)]),
], ids=["conv2d", "conv2d_groups_strides", "conv2d_dilated_tanh", "conv2d_channels_first", "conv1d_causal",
        "conv1d_strided_relu", "conv2d_transpose_same", "conv2d_transpose_outpad", "conv1d_transpose", "depthwise",
        "separable"])
def test_basics(cls, kwargs, in_shape, out_shape, weights):
    run_layer_test(cls, kwargs, in_shape, out_shape, expected_num_trainable_weights=len(weights),
                   expected_weight_shapes=weights)


def _loss_grads(layer, x, g):
    y = layer(x, training=True)
    for w in layer.weights:
        w.zero_grad()
    dx = layer.backward(g)
    return y, dx, [w.grad.copy() for w in layer.weights]


def test_conv2d_keras_layout_forward_and_backward(rng):
    layer = layers.Conv2D(6, (3, 2), strides=(2, 1), padding="same", groups=2)
    x = rng.standard_normal((2, 7, 5, 4)).astype(np.float32)
    layer(x)
    k = rng.standard_normal((3, 2, 2, 6)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    layer.set_weights([k, b])
    g = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    y, dx, (dk, db) = _loss_grads(layer, x, g)
    np.testing.assert_allclose(y, ref.conv2d(x, k, b, (2, 1), "same", (1, 1), 2), rtol=1e-4, atol=1e-4)
    rdx, rdk, rdb = ref.conv2d_backward(x, k, g, (2, 1), "same", (1, 1), 2)
    for a, r in ((dx, rdx), (dk, rdk), (db, rdb)):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4)


def test_channels_first_matches_channels_last(rng):
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    a = layers.Conv2D(4, 3, padding="same")
    b = layers.Conv2D(4, 3, padding="same", data_format="channels_first")
    a(x)
    b(np.moveaxis(x, -1, 1))
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(np.moveaxis(b(np.moveaxis(x, -1, 1)), 1, -1), a(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "elu"])
def test_activation_gradient_through_conv(rng, activation):
    layer = layers.Conv2D(3, 3, activation=activation, padding="same")
    x = rng.standard_normal((2, 5, 5, 2)).astype(np.float32)
    layer(x)
    k, b = layer.get_weights()
    g = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    y, dx, (dk, _) = _loss_grads(layer, x, g)
    z = ref.conv2d(x, k, b, padding="same")
    fn = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
          "elu": lambda v: np.where(v > 0, v, np.expm1(v))}[activation]
    dz = {"relu": lambda v: (v > 0).astype(float), "sigmoid": lambda v: fn(v) * (1 - fn(v)),
          "tanh": lambda v: 1 - np.tanh(v) ** 2, "elu": lambda v: np.where(v > 0, 1.0, np.exp(v))}[activation]
    np.testing.assert_allclose(y, fn(z), rtol=1e-4, atol=1e-4)
    rdx, rdk, _ = ref.conv2d_backward(x, k, g * dz(z), padding="same")
    np.testing.assert_allclose(dx, rdx, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(dk, rdk, rtol=1e-3, atol=1e-3)


def test_conv2d_transpose_layout(rng):
    layer = layers.Conv2DTranspose(3, 3, strides=2, padding="same")
    x = rng.standard_normal((2, 4, 4, 5)).astype(np.float32)
    layer(x)
    k, b = (rng.standard_normal((3, 3, 3, 5)).astype(np.float32), rng.standard_normal(3).astype(np.float32))
    layer.set_weights([k, b])
    g = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    y, dx, (dk, db) = _loss_grads(layer, x, g)
    np.testing.assert_allclose(y, ref.conv2d_transpose(x, k, b, (2, 2), "same"), rtol=1e-4, atol=1e-4)
    rdx, rdk, rdb = ref.conv2d_transpose_backward(x, k, g, (2, 2), "same")
    for a, r in ((dx, rdx), (dk, rdk), (db, rdb)):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4)


def test_depthwise_and_separable_layout(rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    dw(x)
    k, b = rng.standard_normal((3, 3, 3, 2)).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    dw.set_weights([k, b])
    np.testing.assert_allclose(dw(x), ref.depthwise_conv2d(x, k, b, padding="same"), rtol=1e-4, atol=1e-4)
    sep = layers.SeparableConv2D(4, 3, depth_multiplier=2)
    sep(x)
    pk = rng.standard_normal((1, 1, 6, 4)).astype(np.float32)
    sep.set_weights([k, pk, b[:4]])
    want = ref.conv2d(ref.depthwise_conv2d(x, k), pk, b[:4])
    np.testing.assert_allclose(sep(x), want, rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(want.shape).astype(np.float32)
    _, dx, (ddk, dpk, db) = _loss_grads(sep, x, g)
    dmid, rdpk, rdb = ref.conv2d_backward(ref.depthwise_conv2d(x, k), pk, g)
    rdx, rddk, _ = ref.depthwise_conv2d_backward(x, k, dmid)
    for a, r in ((dx, rdx), (ddk, rddk), (dpk, rdpk), (db, rdb)):
        np.testing.assert_allclose(a, r, rtol=1e-3, atol=1e-3)


def test_param_counts_in_summary_order():
    model = kernn.Sequential([kernn.Input(shape=(28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                              layers.MaxPooling2D(), layers.Conv2D(64, 3, activation="relu"),
                              layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax")])
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18496, 0, 0, 16010]
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("make,match", [
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2),
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=\(2, 2\) and "
     r"dilation_rate=\(2, 2\)"),
    (lambda: layers.Conv2D(0, 3), r"Invalid value for argument `filters`. Expected a strictly positive value. "
                                  r"Received filters=0."),
    (lambda: layers.Conv2D(5, 3, groups=2), r"The number of filters must be evenly divisible by the number of "
                                            r"groups. Received: groups=2, filters=5."),
    (lambda: layers.Conv2D(4, 3, groups=0), r"The number of groups must be a positive integer. Received: groups=0."),
    (lambda: layers.Conv2D(4, 0), r"The argument `kernel_size` cannot contain 0"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), r"padding"),
    (lambda: layers.Conv2D(4, 3, data_format="nchw"), r"data_format"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), r"must be greater than output padding"),
], ids=["strides_and_dilation", "filters", "groups_divide", "groups_positive", "kernel_zero", "causal_2d",
        "data_format", "output_padding"])
def test_bad_init_args(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_input_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match=r"The number of input channels must be evenly divisible by the number of "
                                         r"groups. Received groups=2, but the input has 3 channels \(full input "
                                         r"shape is \(None, 8, 8, 3\)\)."):
        layers.Conv2D(4, 3, groups=2)(np.ones((2, 8, 8, 3), np.float32))


def test_wrong_channels_after_build():
    layer = layers.Conv2D(4, 3)
    layer(np.ones((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        layer(np.ones((1, 5, 5, 2), np.float32))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_sigmoid_fused_into_binary_crossentropy_gives_exact_gradients(rng, data_format):
    x = rng.random((8, 6, 6, 2)).astype(np.float32)
    y = (rng.random((8, 6, 6, 3)) > 0.5).astype(np.float32)
    xin, yin = (x, y) if data_format == "channels_last" else (np.moveaxis(x, -1, 1).copy(), np.moveaxis(y, -1, 1).copy())
    model = kernn.Sequential([kernn.Input(shape=xin.shape[1:]),
                              layers.Conv2D(3, 3, padding="same", activation="sigmoid", data_format=data_format)])
    model.compile(optimizer=kernn.optimizers.SGD(1.0), loss="binary_crossentropy")
    k, b = model.get_weights()
    model.train_on_batch(xin, yin)
    assert model._train_ready["fused"]
    z = ref.conv2d(x, k, b, padding="same")
    _, dk, db = ref.conv2d_backward(x, k, (1 / (1 + np.exp(-z)) - y) / y.size, padding="same")
    k2, b2 = model.get_weights()
    np.testing.assert_allclose(k - k2, dk, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b - b2, db, rtol=1e-4, atol=1e-6)

"""Pooling, resizing and spatial dropout layers."""
import numpy as np
import pytest

from kernn import layers
from helpers import run_layer_test
from reference import conv as ref_conv
from reference import pool as ref


@pytest.mark.parametrize("cls,kwargs,in_shape,out_shape", [
    (layers.MaxPooling2D, {}, (2, 5, 6, 3), (2, 2, 3, 3)),
    (layers.MaxPooling2D, dict(pool_size=3, strides=2, padding="same"), (2, 5, 6, 3), (2, 3, 3, 3)),
    (layers.AveragePooling2D, dict(pool_size=(2, 3), padding="same"), (1, 5, 7, 2), (1, 3, 3, 2)),
    (layers.AveragePooling2D, dict(data_format="channels_first"), (1, 2, 4, 6), (1, 2, 2, 3)),
    (layers.MaxPooling1D, dict(pool_size=3, strides=1), (2, 7, 3), (2, 5, 3)),
    (layers.AveragePooling1D, dict(padding="same"), (2, 7, 3), (2, 4, 3)),
    (layers.GlobalMaxPooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (layers.GlobalAveragePooling2D, dict(keepdims=True), (2, 4, 5, 3), (2, 1, 1, 3)),
    (layers.GlobalMaxPooling1D, {}, (2, 6, 3), (2, 3)),
    (layers.GlobalAveragePooling1D, dict(data_format="channels_first"), (2, 3, 6), (2, 3)),
    (layers.ZeroPadding2D, dict(padding=((1, 2), (0, 3))), (2, 3, 4, 2), (2, 6, 7, 2)),
    (layers.ZeroPadding1D, dict(padding=(2, 1)), (2, 3, 2), (2, 6, 2)),
    (layers.Cropping2D, dict(cropping=((1, 0), (2, 1))), (2, 5, 6, 2), (2, 4, 3, 2)),
    (layers.Cropping1D, dict(cropping=(1, 2)), (2, 6, 2), (2, 3, 2)),
    (layers.UpSampling2D, dict(size=(2, 3)), (2, 3, 2, 2), (2, 6, 6, 2)),
    (layers.UpSampling2D, dict(interpolation="bilinear"), (1, 3, 4, 2), (1, 6, 8, 2)),
    (layers.UpSampling1D, dict(size=3), (2, 3, 2), (2, 9, 2)),
    (layers.SpatialDropout2D, dict(rate=0.3), (2, 3, 3, 4), (2, 3, 3, 4)),
    (layers.SpatialDropout1D, dict(rate=0.3), (2, 5, 4), (2, 5, 4)),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_basics(cls, kwargs, in_shape, out_shape):
    run_layer_test(cls, kwargs, in_shape, out_shape)


def test_max_pooling_forward_backward(rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    layer = layers.MaxPooling2D(3, strides=2, padding="same")
    y = layer(x)
    np.testing.assert_allclose(y, ref.pool2d(x, (3, 3), (2, 2), "same", "max"), rtol=1e-6)
    g = rng.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_allclose(layer.backward(g), ref.pool2d_backward(x, g, (3, 3), (2, 2), "same", "max"),
                               rtol=1e-5, atol=1e-6)


def test_global_average_pooling_1d_mask():
    x = np.arange(12, dtype=np.float32).reshape(1, 4, 3)
    layer = layers.GlobalAveragePooling1D()
    y = layer(x, mask=np.array([[True, True, False, False]]))
    np.testing.assert_allclose(y, x[:, :2].mean(axis=1))
    dx = layer.backward(np.ones((1, 3), np.float32))
    np.testing.assert_allclose(dx[0, :, 0], [0.5, 0.5, 0.0, 0.0])


def test_upsampling_bilinear_matches_reference(rng):
    x = rng.standard_normal((2, 3, 4, 2)).astype(np.float32)
    layer = layers.UpSampling2D((2, 2), interpolation="bilinear")
    np.testing.assert_allclose(layer(x), ref_conv.resize_bilinear(x, 6, 8), rtol=1e-5, atol=1e-6)


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((4, 5, 5, 8), np.float32)
    layer = layers.SpatialDropout2D(0.5, seed=3)
    y = layer(x, training=True)
    per_map = y.reshape(4, 25, 8)
    assert np.all((per_map == 0).all(axis=1) | (per_map == 2).all(axis=1))
    assert np.array_equal(layer(x, training=False), x)


def test_pooling_errors():
    with pytest.raises(ValueError, match=r"pool_size"):
        layers.MaxPooling2D(pool_size=0)
    with pytest.raises(ValueError, match=r"`interpolation` argument should be one of"):
        layers.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match=r"`cropping` parameter of `Cropping2D` layer must be smaller"):
        layers.Cropping2D(((2, 2), (0, 0)))(np.ones((1, 4, 4, 1), np.float32))


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.MaxPooling2D(), (0, 4, 4, 2)), (lambda: layers.AveragePooling1D(padding="same"), (0, 5, 3)),
    (lambda: layers.GlobalMaxPooling2D(), (0, 3, 3, 2)), (lambda: layers.LayerNormalization(), (0, 4)),
    (lambda: layers.UpSampling2D(interpolation="bilinear"), (0, 2, 2, 1)),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same"), (0, 3, 3, 2)),
    (lambda: layers.DepthwiseConv2D(3), (0, 4, 4, 2)), (lambda: layers.Conv1D(2, 3), (0, 5, 2)),
], ids=["maxpool2d", "avgpool1d", "globalmax", "layernorm", "bilinear", "conv2d_transpose", "depthwise", "conv1d"])
def test_zero_size_batch(make, shape):
    layer = make()
    y = layer(np.zeros(shape, np.float32), training=True)
    assert y.shape[0] == 0 and y.shape[1:] == layer.compute_output_shape((None,) + shape[1:])[1:]
    dx = layer.backward(np.zeros_like(y))
    assert dx.shape == shape

"""Reference layers in float64, written for clarity: forward and backward of each layer.

Each `<layer>_backward` returns dL/dx (and the weight gradients) for an upstream gradient
`g` = dL/dy. The activations come from reference/activations.py.
"""
import numpy as np

from reference import activations as ref_act


def dense(x, kernel, bias=None, activation="linear"):
    """activation(x @ kernel + bias) over the last axis of x (any rank >= 2)."""
    z = np.einsum("...i,ij->...j", np.asarray(x, np.float64), np.asarray(kernel, np.float64))
    if bias is not None:
        z = z + bias
    if activation == "softmax":
        return ref_act.softmax(z)
    return ref_act.forward(z, activation)


def dense_backward(x, kernel, bias, g, activation="linear"):
    """(dx, dkernel, dbias) of sum(g * dense(x, kernel, bias, activation))."""
    x = np.asarray(x, np.float64)
    z = np.einsum("...i,ij->...j", x, kernel) + (0.0 if bias is None else bias)
    if activation == "softmax":
        gz = ref_act.softmax_backward(ref_act.softmax(z), g)
    else:
        gz = ref_act.backward(z, g, activation)
    dx = np.einsum("...j,ij->...i", gz, kernel)
    dk = np.einsum("ni,nj->ij", x.reshape(-1, x.shape[-1]), gz.reshape(-1, gz.shape[-1]))
    db = gz.reshape(-1, gz.shape[-1]).sum(axis=0)
    return dx, dk, db


def relu_layer(x, negative_slope=0.0, max_value=None, threshold=0.0):
    return ref_act.relu(np.asarray(x, np.float64), negative_slope, max_value, threshold)


def relu_layer_backward(x, g, negative_slope=0.0, max_value=None, threshold=0.0):
    x = np.asarray(x, np.float64)
    d = np.where(x > threshold, 1.0, negative_slope)
    if max_value is not None:
        d = np.where(x >= max_value, 0.0, d)
    return g * d


def leaky_relu(x, negative_slope):
    x = np.asarray(x, np.float64)
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(x, g, negative_slope):
    return g * np.where(np.asarray(x) > 0, 1.0, negative_slope)


def elu(x, alpha):
    x = np.asarray(x, np.float64)
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0.0)) - 1.0))


def elu_backward(x, g, alpha):
    x = np.asarray(x, np.float64)
    return g * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def softmax(x, axis=-1):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_backward(x, g, axis=-1):
    y = softmax(x, axis)
    return y * (g - np.sum(g * y, axis=axis, keepdims=True))


def dropout(x, keep_mask, rate):
    """Inverted dropout with a given 0/1 keep mask (broadcast like noise_shape)."""
    return np.asarray(x, np.float64) * keep_mask / (1.0 - rate)


def dropout_backward(g, keep_mask, rate):
    return g * keep_mask / (1.0 - rate)


def permute(x, dims):
    return np.transpose(x, (0,) + tuple(dims))


def permute_backward(g, dims):
    return np.transpose(g, np.argsort((0,) + tuple(dims)))


def repeat_vector(x, n):
    return np.stack([x] * n, axis=1)


def repeat_vector_backward(g):
    return g.sum(axis=1)


def flatten(x):
    return np.reshape(x, (x.shape[0], -1))


def flatten_backward(x_shape, g):
    return np.reshape(g, x_shape)

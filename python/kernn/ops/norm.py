"""Normalization kernels over the last (channel) axis: batch and layer normalization."""
import math

import numpy as np

from kernn import _core
from kernn.ops._common import as_float32, as_real
from kernn.ops.conv import _c


def _rows(x, fn):
    if x.ndim < 1:
        raise ValueError(f"{fn}: x must have at least 1 dimension. Received: x.shape={x.shape}")
    c = x.shape[-1]
    return _c(x).reshape(math.prod(x.shape[:-1]), c), c


def _vec(v, c, name, fn, required=False):
    if v is None:
        if required:
            raise ValueError(f"{fn}: {name} is required")
        return None
    v = _c(as_float32(v, name, fn))
    if v.shape != (c,):
        raise ValueError(f"{fn}: {name} must have shape ({c},) to match the last axis of x. "
                         f"Received: {name}.shape={v.shape}")
    return v


def batch_norm_train(x, gamma=None, beta=None, epsilon=1e-3):
    """Training forward of BatchNormalization over the last axis.

    Returns:
        (y, mean, variance): the normalised output and the batch statistics per channel
        (biased variance, as Keras uses for the moving average).
    """
    fn = "batch_norm"
    x = as_float32(x, "x", fn)
    x2, c = _rows(x, fn)
    y = np.empty(x2.shape, np.float32)
    mean, var = np.empty(c, np.float32), np.empty(c, np.float32)
    _core.batch_norm_forward_train(x2, _vec(gamma, c, "gamma", fn), _vec(beta, c, "beta", fn), as_real(epsilon, "epsilon", fn), y,
                                   mean, var)
    return y.reshape(x.shape), mean, var


def batch_norm_inference(x, moving_mean, moving_variance, gamma=None, beta=None, epsilon=1e-3):
    """Inference forward of BatchNormalization with the moving statistics."""
    fn = "batch_norm"
    x = as_float32(x, "x", fn)
    x2, c = _rows(x, fn)
    y = np.empty(x2.shape, np.float32)
    _core.batch_norm_forward_inference(x2, _vec(gamma, c, "gamma", fn), _vec(beta, c, "beta", fn),
                                       _vec(moving_mean, c, "moving_mean", fn, True),
                                       _vec(moving_variance, c, "moving_variance", fn, True), as_real(epsilon, "epsilon", fn), y)
    return y.reshape(x.shape)


def batch_norm_backward(x, grad, mean, variance, gamma=None, epsilon=1e-3):
    """Gradients of the training forward: (dx, dgamma, dbeta)."""
    fn = "batch_norm_backward"
    x = as_float32(x, "x", fn)
    grad = as_float32(grad, "grad", fn)
    if grad.shape != x.shape:
        raise ValueError(f"{fn}: grad has shape {grad.shape} but x has shape {x.shape}")
    x2, c = _rows(x, fn)
    dx = np.empty(x2.shape, np.float32)
    dgamma, dbeta = np.empty(c, np.float32), np.empty(c, np.float32)
    _core.batch_norm_backward(x2, _c(grad).reshape(x2.shape), _vec(gamma, c, "gamma", fn),
                              _vec(mean, c, "mean", fn, True), _vec(variance, c, "variance", fn, True),
                              as_real(epsilon, "epsilon", fn), dx, dgamma, dbeta)
    return dx.reshape(x.shape), dgamma, dbeta


def layer_norm(x, gamma=None, beta=None, epsilon=1e-3):
    """LayerNormalization over the last axis. Returns (y, mean, rstd), the last two per row."""
    fn = "layer_norm"
    x = as_float32(x, "x", fn)
    x2, c = _rows(x, fn)
    y = np.empty(x2.shape, np.float32)
    mean, rstd = np.empty(x2.shape[0], np.float32), np.empty(x2.shape[0], np.float32)
    _core.layer_norm_forward(x2, _vec(gamma, c, "gamma", fn), _vec(beta, c, "beta", fn), as_real(epsilon, "epsilon", fn), y, mean,
                             rstd)
    return y.reshape(x.shape), mean, rstd


def layer_norm_backward(x, grad, mean, rstd, gamma=None):
    """Gradients of `layer_norm`: (dx, dgamma, dbeta)."""
    fn = "layer_norm_backward"
    x = as_float32(x, "x", fn)
    grad = as_float32(grad, "grad", fn)
    if grad.shape != x.shape:
        raise ValueError(f"{fn}: grad has shape {grad.shape} but x has shape {x.shape}")
    x2, c = _rows(x, fn)
    dx = np.empty(x2.shape, np.float32)
    dgamma, dbeta = np.empty(c, np.float32), np.empty(c, np.float32)
    _core.layer_norm_backward(x2, _c(grad).reshape(x2.shape), _vec(gamma, c, "gamma", fn),
                              _c(as_float32(mean, "mean", fn)), _c(as_float32(rstd, "rstd", fn)), dx, dgamma, dbeta)
    return dx.reshape(x.shape), dgamma, dbeta

"""Reference batch and layer normalization over the last axis, float64."""
import numpy as np


def batch_norm_train(x, gamma, beta, eps):
    x = np.asarray(x, np.float64)
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    var = ((x - mean) ** 2).mean(axis=axes)
    y = (x - mean) / np.sqrt(var + eps) * gamma + beta
    return y, mean, var


def batch_norm_inference(x, gamma, beta, moving_mean, moving_var, eps):
    return (np.asarray(x, np.float64) - moving_mean) / np.sqrt(np.asarray(moving_var, np.float64) + eps) * gamma + beta


def batch_norm_backward(x, grad, gamma, eps):
    """(dx, dgamma, dbeta) of sum(grad * batch_norm_train(x)), statistics included."""
    x = np.asarray(x, np.float64)
    g = np.asarray(grad, np.float64)
    axes = tuple(range(x.ndim - 1))
    n = x.size // x.shape[-1]
    mean = x.mean(axis=axes)
    var = ((x - mean) ** 2).mean(axis=axes)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * rstd
    dbeta = g.sum(axis=axes)
    dgamma = (g * xhat).sum(axis=axes)
    dx = gamma * rstd / n * (n * g - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def layer_norm(x, gamma, beta, eps):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def layer_norm_backward(x, grad, gamma, eps):
    x = np.asarray(x, np.float64)
    g = np.asarray(grad, np.float64)
    c = x.shape[-1]
    mean = x.mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(((x - mean) ** 2).mean(axis=-1, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    gh = g * gamma
    dx = rstd / c * (c * gh - gh.sum(axis=-1, keepdims=True) - xhat * (gh * xhat).sum(axis=-1, keepdims=True))
    axes = tuple(range(x.ndim - 1))
    return dx, (g * xhat).sum(axis=axes), g.sum(axis=axes)

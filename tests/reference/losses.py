"""Reference cross-entropy losses of Keras 3 (torch backend) and their gradients, in float64.

Each returns (per-sample loss, d loss / d y_pred), the loss reduced over the last axis
(summed for categorical, averaged for binary), exactly as keras.losses computes it before
sample weighting and the batch mean.
"""
import numpy as np

EPS = 1e-7
ONE_MINUS_EPS = float(np.float32(1.0 - 1e-7))  # the clip bound as the float32 kernels see it


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    t = np.asarray(y_true, np.float64)
    p = np.asarray(y_pred, np.float64)
    if from_logits:
        z = p - p.max(axis=-1, keepdims=True)
        logsm = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        loss = -(t * logsm).sum(axis=-1)
        grad = np.exp(logsm) * t.sum(axis=-1, keepdims=True) - t
        return loss, grad
    s = p.sum(axis=-1, keepdims=True)
    q = p / s                                   # Keras renormalises the rows ...
    c = np.clip(q, EPS, ONE_MINUS_EPS)          # ... then clips
    loss = -(t * np.log(c)).sum(axis=-1)
    gate = (q >= EPS) & (q <= ONE_MINUS_EPS)    # clip passes the gradient inside its range
    a = np.where(gate, -t / c, 0.0)             # d loss / d q
    grad = (a - (a * q).sum(axis=-1, keepdims=True)) / s   # through q = p / sum(p)
    return loss, grad


def sparse_categorical_crossentropy(labels, y_pred, from_logits=False):
    p = np.asarray(y_pred, np.float64)
    labels = np.asarray(labels).astype(np.int64)
    onehot = np.zeros_like(p)
    np.put_along_axis(onehot, labels[..., None], 1.0, axis=-1)
    return categorical_crossentropy(onehot, p, from_logits)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    t = np.asarray(y_true, np.float64)
    p = np.asarray(y_pred, np.float64)
    n = p.shape[-1]
    if from_logits:
        loss = np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
        sig = np.where(p >= 0, 1 / (1 + np.exp(-np.abs(p))), np.exp(-np.abs(p)) / (1 + np.exp(-np.abs(p))))
        return loss.mean(axis=-1), (sig - t) / n
    o = np.clip(p, EPS, ONE_MINUS_EPS)
    loss = -(t * np.log(o) + (1 - t) * np.log(1 - o))
    gate = (p >= EPS) & (p <= ONE_MINUS_EPS)
    grad = np.where(gate, (o - t) / (o * (1 - o)), 0.0) / n
    return loss.mean(axis=-1), grad

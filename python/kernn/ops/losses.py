"""Fused cross-entropy losses with their gradients: per-sample loss and dL/dy_pred in one pass."""
import math

import numpy as np

from kernn import _core
from kernn.ops._common import as_float32


def _pred_rows(y_pred, fn):
    y_pred = as_float32(y_pred, "y_pred", fn)
    if y_pred.ndim < 1:
        raise ValueError(f"{fn}: y_pred must have at least 1 dimension. Received: y_pred.shape={y_pred.shape}")
    return y_pred


def _run(kind, target, y_pred, from_logits, fn):
    cols = y_pred.shape[-1]
    rows = math.prod(y_pred.shape[:-1])
    loss = np.empty(y_pred.shape[:-1], dtype=np.float32)
    grad = np.empty(y_pred.shape, dtype=np.float32)
    if rows == 0:
        return loss, grad
    if cols == 0:
        raise ValueError(f"{fn}: y_pred needs at least one class on its last axis. Received: y_pred.shape={y_pred.shape}")
    if kind != "sparse":
        target = np.ascontiguousarray(target).reshape(rows, cols)
    _core.crossentropy(kind, target, np.ascontiguousarray(y_pred).reshape(rows, cols), bool(from_logits),
                       loss.reshape(rows), grad.reshape(rows, cols))
    return loss, grad


def _same_shape(y_true, y_pred, fn):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn}: Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={y_true.shape}, output.shape={y_pred.shape}"
        )


def categorical_crossentropy(y_true, y_pred, *, from_logits=False):
    """Per-sample categorical cross-entropy over the last axis, and its gradient.

    As Keras: from probabilities, y_pred rows are renormalised to sum 1 and clipped to
    [1e-7, 1 - 1e-7]; from logits, a stable log_softmax (gradient softmax * sum(y_true) - y_true).

    Args:
        y_true: targets, y_pred's shape.
        y_pred: probabilities or logits, (..., classes).
        from_logits: whether y_pred holds logits. Defaults to `False`.

    Returns:
        (loss of shape y_pred.shape[:-1], gradient of each sample's loss w.r.t. y_pred).
        The caller applies sample weights and the batch mean.

    Raises:
        ValueError: shapes that differ.
    """
    fn = "categorical_crossentropy"
    y_pred = _pred_rows(y_pred, fn)
    y_true = as_float32(y_true, "y_true", fn)
    _same_shape(y_true, y_pred, fn)
    return _run("categorical", y_true, y_pred, from_logits, fn)


def sparse_categorical_crossentropy(labels, y_pred, *, from_logits=False):
    """Per-sample sparse categorical cross-entropy (integer labels) and its gradient.

    Args:
        labels: integer class indices of shape y_pred.shape[:-1] (or with a trailing axis
            of size 1). Floats holding whole numbers are accepted, as Keras casts them.
        y_pred: probabilities or logits, (..., classes).
        from_logits: whether y_pred holds logits. Defaults to `False`.

    Returns:
        (loss of shape y_pred.shape[:-1], gradient w.r.t. y_pred).

    Raises:
        ValueError: a label outside [0, classes) (naming it and the class count), or labels
            whose shape does not match y_pred.
    """
    fn = "sparse_categorical_crossentropy"
    y_pred = _pred_rows(y_pred, fn)
    labels = np.asarray(labels)
    lead = y_pred.shape[:-1]
    if labels.shape != lead and labels.shape == lead + (1,):
        labels = labels.reshape(lead)
    if labels.shape != lead:
        raise ValueError(
            f"{fn}: Arguments `target` and `output` must have the same shape up until the last dimension "
            f"(labels of shape {lead}). Received: target.shape={labels.shape}, output.shape={y_pred.shape}"
        )
    if labels.dtype.kind == "f":
        bad = ~np.isfinite(labels) | (labels != np.round(labels))
        if bad.any():
            raise ValueError(f"{fn}: labels must be whole numbers. Received: label={labels[bad].flat[0].item()!r}")
    elif labels.dtype.kind not in "biu":
        raise TypeError(f"{fn}: labels must be integers. Received: labels.dtype={labels.dtype}")
    if labels.dtype.kind in "uf" and labels.size:  # values that int64 cannot hold would wrap around
        n = y_pred.shape[-1]
        out = (labels < 0) | (labels >= n)
        if out.any():
            i = int(np.flatnonzero(out.reshape(-1))[0])
            raise ValueError(f"{fn}: label {labels.reshape(-1)[i].item()!r} (at position {i}) is out of range for {n} "
                             f"classes; labels must be in [0, {n})")
    return _run("sparse", np.ascontiguousarray(labels, dtype=np.int64).reshape(-1), y_pred, from_logits, fn)


def binary_crossentropy(y_true, y_pred, *, from_logits=False):
    """Per-sample binary cross-entropy, averaged over the last axis as Keras does, and its gradient.

    From probabilities y_pred is clipped to [1e-7, 1 - 1e-7]; from logits the stable
    max(x, 0) - x * y + log1p(exp(-|x|)) is used (gradient (sigmoid(x) - y) / n).

    Returns:
        (loss of shape y_pred.shape[:-1], gradient w.r.t. y_pred).
    """
    fn = "binary_crossentropy"
    y_pred = _pred_rows(y_pred, fn)
    y_true = as_float32(y_true, "y_true", fn)
    _same_shape(y_true, y_pred, fn)
    return _run("binary", y_true, y_pred, from_logits, fn)

"""Accuracy metrics (Keras 3): per-sample match values averaged by Mean."""
import numpy as np

from kernn.metrics.metric import MeanMetricWrapper, _to_array, align_ranks


def accuracy(y_true, y_pred):
    """Element-wise `y_true == y_pred` as floats."""
    y_true, y_pred = align_ranks(_to_array(y_true), _to_array(y_pred))
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """`y_true == (y_pred > threshold)` element-wise."""
    y_true, y_pred = align_ranks(_to_array(y_true), _to_array(y_pred))
    return (y_true == (y_pred > threshold)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """Per sample: `argmax(y_true) == argmax(y_pred)` (one-hot labels)."""
    y_true, y_pred = _to_array(y_true), _to_array(y_pred)
    labels = np.argmax(y_true, axis=-1)
    return (labels == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _sparse_labels(y_true, y_pred):
    y_true = _to_array(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """Per sample: `y_true == argmax(y_pred)` (integer labels)."""
    y_pred = _to_array(y_pred)
    y_true = _sparse_labels(y_true, y_pred)
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _in_top_k(labels, y_pred, k):
    labels = labels.astype(np.int64)
    c = y_pred.shape[-1]
    if k >= c:
        return np.ones(labels.shape, np.float32)
    kth = -np.partition(-y_pred, k - 1, axis=-1)[..., k - 1]
    target = np.take_along_axis(y_pred, np.clip(labels, 0, c - 1)[..., None], axis=-1)[..., 0]
    return (target >= kth).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per sample: whether the true class (argmax of y_true) is among the k highest scores."""
    y_pred = _to_array(y_pred)
    return _in_top_k(np.argmax(_to_array(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Per sample: whether the integer label is among the k highest scores (or, with
    `from_sorted_ids`, among the first k ids of y_pred)."""
    y_pred = _to_array(y_pred)
    if from_sorted_ids:
        y_true = _to_array(y_true)
        if y_true.ndim == y_pred.ndim:
            y_true = y_true.reshape(y_true.shape[:-1])
        return np.any(y_pred[..., :k] == y_true[..., None], axis=-1).astype(np.float32)
    return _in_top_k(_sparse_labels(y_true, y_pred), y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels. Name defaults to `"accuracy"`."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `(y_pred > threshold)` equals the binary label.

    Args:
        name: Defaults to `"binary_accuracy"`.
        dtype: Defaults to `None`.
        threshold: Defaults to `0.5`.
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) equals argmax of the one-hot label. Name `"categorical_accuracy"`."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) equals the integer label. Name `"sparse_categorical_accuracy"`."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is in the top `k` predictions.

    Args:
        k: Defaults to `5`.
        name: Defaults to `"top_k_categorical_accuracy"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is in the top `k` predictions.

    Args:
        k: Defaults to `5`.
        name: Defaults to `"sparse_top_k_categorical_accuracy"`.
        dtype: Defaults to `None`.
        from_sorted_ids: y_pred holds class ids sorted by score. Defaults to `False`.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

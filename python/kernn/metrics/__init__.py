"""Metrics with Keras 3's names, arguments and numbers: stateful objects with
`update_state`, `result` and `reset_state`.

`get(identifier)` returns a Metric instance; `resolve(identifier, loss, y_true_shape,
y_pred_shape)` is what `compile(metrics=...)` uses: it turns "accuracy"/"acc" (and
"crossentropy"/"ce") into the binary, categorical or sparse variant as Keras does, and
names every metric given as a string by that string.
"""
from kernn.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from kernn.metrics.confusion import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from kernn.metrics.fscore import F1Score, FBetaScore
from kernn.metrics.metric import Mean, MeanMetricWrapper, Metric, Sum, to_snake_case
from kernn.metrics.regression import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    R2Score,
    RootMeanSquaredError,
    RootMeanSquaredLogarithmicError,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)

_CLASSES = [AUC, Accuracy, BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy, CategoricalCrossentropy,
            CosineSimilarity, LogCoshError, Mean, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredError, MeanSquaredLogarithmicError, Precision, R2Score, Recall, RootMeanSquaredError,
            RootMeanSquaredLogarithmicError, SparseCategoricalAccuracy, SparseCategoricalCrossentropy,
            SparseTopKCategoricalAccuracy, Sum, TopKCategoricalAccuracy, Hinge, SquaredHinge, CategoricalHinge,
            KLDivergence, Poisson, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
            F1Score, FBetaScore]

ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "rmse": RootMeanSquaredError, "rmsle": RootMeanSquaredLogarithmicError, "logcosh": LogCoshError,
    "acc": Accuracy,
})
_FUNCTIONS = {f.__name__: f for f in (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                                      top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)}


def serialize(metric):
    return {"module": "keras.metrics", "class_name": metric.__class__.__name__, "config": metric.get_config(),
            "registered_name": None}


def deserialize(config):
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or config.get("class_name") not in ALL_OBJECTS_DICT:
        raise ValueError(f"Could not interpret metric identifier: {config}")
    return ALL_OBJECTS_DICT[config["class_name"]].from_config(dict(config.get("config") or {}))


def get(identifier):
    """A Metric instance from a name, config dict, class, instance or function f(y_true, y_pred)
    (wrapped in MeanMetricWrapper). None -> None.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier)
        if cls is None:
            known = sorted(k for k in ALL_OBJECTS_DICT if k[0].islower())
            raise ValueError(f"Could not interpret metric identifier: {identifier}. Expected one of: "
                             + ", ".join(known))
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def _kind(loss, y_true_shape, y_pred_shape):
    """"binary", "sparse" or "categorical", from the shapes as Keras 3 does, else the loss."""
    if y_true_shape is not None and y_pred_shape is not None and len(y_pred_shape) > 0:
        y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
        t_last = y_true_shape[-1] if y_true_shape else None
        p_last = y_pred_shape[-1]
        if p_last == 1:
            return "binary"
        if len(y_true_shape) < len(y_pred_shape) or (t_last == 1 and p_last is not None and p_last > 1):
            return "sparse"
        return "categorical"
    name = type(loss).__name__ if loss is not None else ""
    if "Binary" in name:
        return "binary"
    if "Sparse" in name:
        return "sparse"
    return "categorical"


def resolve(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """The Metric `compile(metrics=[identifier])` uses for one output.

    "accuracy"/"acc" (any case) become BinaryAccuracy when the prediction's last axis is 1,
    SparseCategoricalAccuracy when labels have a lower rank (or a last axis of 1 against
    several classes), else CategoricalAccuracy, as keras/src/trainers/compile_utils.py
    decides; "crossentropy"/"ce" likewise pick the cross-entropy metric (with the loss's
    `from_logits`). Without shapes the loss decides. A metric given as a string is named
    by that string (e.g. "acc", "mae"); other identifiers go through `get`.
    """
    if identifier is None:
        return None
    key = str(identifier).lower() if isinstance(identifier, str) else None
    if key in ("accuracy", "acc"):
        kind = _kind(loss, y_true_shape, y_pred_shape)
        cls = {"binary": BinaryAccuracy, "sparse": SparseCategoricalAccuracy, "categorical": CategoricalAccuracy}
        metric = cls[kind](name=identifier)
    elif key in ("crossentropy", "ce"):
        kind = _kind(loss, y_true_shape, y_pred_shape)
        from_logits = bool(getattr(loss, "from_logits", False))
        cls = {"binary": BinaryCrossentropy, "sparse": SparseCategoricalCrossentropy,
               "categorical": CategoricalCrossentropy}
        metric = cls[kind](name=identifier, from_logits=from_logits)
    else:
        metric = get(identifier)
        if isinstance(identifier, str):
            metric.name = identifier
    return metric


__all__ = [c.__name__ for c in _CLASSES] + list(_FUNCTIONS) + [
    "MeanMetricWrapper", "Metric", "deserialize", "get", "resolve", "serialize"]

"""Losses with Keras 3's names, arguments, defaults and numbers.

`get(identifier)` returns a `Loss` instance from a name ("mse", "categorical_crossentropy",
...), a config dict, a class, an instance or a plain function. Besides Keras's
`loss(y_true, y_pred, sample_weight=None)`, every kernn loss has `value_and_grad`, which
the trainer uses, and the cross-entropies can fuse with the model's output activation
(`fused_activation`, `value_and_grad_from_logits`).
"""
import numpy as np

from kernn.losses.loss import Loss, LossFunctionWrapper, reduction_weights, squeeze_or_expand
from kernn.losses.losses import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)


def _function(cls, doc, **fixed):
    """Keras's functional form: `fn(y_true, y_pred, **kwargs)` -> per-sample losses."""

    def fn(y_true, y_pred, **kwargs):
        return cls(reduction="none", **{**fixed, **kwargs})(y_true, y_pred)

    fn._loss_class = cls
    fn.__doc__ = doc
    return fn


mean_squared_error = _function(MeanSquaredError, "Per-sample mean squared error.")
mean_absolute_error = _function(MeanAbsoluteError, "Per-sample mean absolute error.")
mean_absolute_percentage_error = _function(MeanAbsolutePercentageError, "Per-sample MAPE.")
mean_squared_logarithmic_error = _function(MeanSquaredLogarithmicError, "Per-sample MSLE.")
huber = _function(Huber, "Per-sample Huber loss (`delta=1.0`).")
log_cosh = _function(LogCosh, "Per-sample log-cosh.")
hinge = _function(Hinge, "Per-sample hinge loss.")
squared_hinge = _function(SquaredHinge, "Per-sample squared hinge loss.")
categorical_hinge = _function(CategoricalHinge, "Per-sample categorical hinge loss.")
kl_divergence = _function(KLDivergence, "Per-sample KL divergence.")
poisson = _function(Poisson, "Per-sample Poisson loss.")
cosine_similarity = _function(CosineSimilarity, "Per-sample negative cosine similarity (`axis=-1`).")
binary_crossentropy = _function(BinaryCrossentropy, "Per-sample binary cross-entropy "
                                "(`from_logits=False, label_smoothing=0.0, axis=-1`).")
categorical_crossentropy = _function(CategoricalCrossentropy, "Per-sample categorical cross-entropy "
                                     "(`from_logits=False, label_smoothing=0.0, axis=-1`).")
binary_focal_crossentropy = _function(BinaryFocalCrossentropy, "Per-sample binary focal cross-entropy.")
categorical_focal_crossentropy = _function(CategoricalFocalCrossentropy, "Per-sample categorical focal "
                                           "cross-entropy.")
sparse_categorical_crossentropy = _function(SparseCategoricalCrossentropy, "Per-sample sparse categorical "
                                            "cross-entropy (`from_logits=False, ignore_class=None`).")
for _name, _fn in list(globals().items()):
    if callable(_fn) and hasattr(_fn, "_loss_class"):
        _fn.__name__ = _fn.__qualname__ = _name

# Keras's short aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

_CLASSES = [BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalFocalCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
            Huber, KLDivergence, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredError, MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy,
            SquaredHinge]
_FUNCTION_NAMES = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                   "mean_squared_logarithmic_error", "huber", "log_cosh", "hinge", "squared_hinge",
                   "categorical_hinge", "kl_divergence", "poisson", "cosine_similarity",
                   "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                   "binary_focal_crossentropy", "categorical_focal_crossentropy",
                   "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD",
                   "kullback_leibler_divergence", "logcosh"]

ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({n: globals()[n] for n in _FUNCTION_NAMES})
ALL_OBJECTS_DICT.update({"huber_loss": huber, "bce": binary_crossentropy, "BCE": binary_crossentropy,
                         "Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper})


def _from_function(fn):
    cls = getattr(fn, "_loss_class", None)
    if cls is not None:
        return cls(name=fn.__name__) if cls not in (Huber,) else cls()
    return LossFunctionWrapper(fn, name=getattr(fn, "__name__", None))


def serialize(loss):
    """`{"module", "class_name", "config", "registered_name"}` as Keras 3 writes it; a
    function serializes to its name."""
    if loss is None:
        return None
    if isinstance(loss, Loss) and not isinstance(loss, LossFunctionWrapper):
        return {"module": "keras.losses", "class_name": loss.__class__.__name__,
                "config": loss.get_config(), "registered_name": None}
    fn = loss.fn if isinstance(loss, LossFunctionWrapper) else loss
    return getattr(fn, "__name__", str(fn))


def deserialize(config):
    """The loss a `serialize` result describes (never runs code from the config)."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret loss identifier: {config}")
    obj = ALL_OBJECTS_DICT.get(config["class_name"])
    if obj is None or obj in (Loss, LossFunctionWrapper):
        raise ValueError(f"Could not interpret loss identifier: {config['class_name']}")
    if isinstance(obj, type):
        return obj.from_config(dict(config.get("config") or {}))
    return _from_function(obj)


def get(identifier):
    """A `Loss` instance from a name, config dict, class, instance or function (None -> None).

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None or obj in (Loss, LossFunctionWrapper):
            known = sorted(k for k in ALL_OBJECTS_DICT if k[0].islower())
            raise ValueError(f"Could not interpret loss identifier: {identifier}. Expected one of: "
                             + ", ".join(known))
        return obj() if isinstance(obj, type) else _from_function(obj)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return _from_function(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


__all__ = [c.__name__ for c in _CLASSES] + _FUNCTION_NAMES + [
    "Loss", "LossFunctionWrapper", "deserialize", "get", "serialize", "huber_loss"
]
huber_loss = huber
del np

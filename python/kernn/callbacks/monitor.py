"""Shared helpers of the monitoring callbacks (EarlyStopping, ModelCheckpoint, ReduceLROnPlateau)."""
import warnings

import numpy as np

_MAX_WORDS = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "fmeasure", "r2", "true_positives",
              "true_negatives", "accuracy")


def infer_direction(model, monitor):
    """"min" or "max" for a metric name, as Keras's auto mode decides; None when unknown."""
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss" or name.endswith("_loss"):
        return "min"
    for m in getattr(model, "metrics", None) or []:
        if m.name == name and getattr(m, "_direction", None) in ("up", "down"):
            return "max" if m._direction == "up" else "min"
    low = name.lower()
    if any(w in low for w in _MAX_WORDS):
        return "max"
    if any(w in low for w in ("error", "mse", "mae", "mape", "msle", "hinge", "crossentropy", "divergence",
                              "poisson", "cosh", "false_")):
        return "min"
    return None


def check_mode(mode, who):
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{who} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
        return "auto"
    return mode


def as_float(x):
    return float(np.asarray(x))

"""ReduceLROnPlateau and LearningRateScheduler."""
import warnings

import numpy as np

from kernn.callbacks.callback import Callback
from kernn.callbacks.monitor import as_float, check_mode


def _lr(model):
    return float(np.asarray(float(model.optimizer.learning_rate)))


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` stops improving.

    Args:
        monitor: quantity to watch. Defaults to "val_loss".
        factor: new_lr = lr * factor (must be < 1). Defaults to `0.1`.
        patience: epochs without improvement before reducing. Defaults to `10`.
        verbose: 1 prints a message on each reduction. Defaults to `0`.
        mode: "auto", "min" or "max". Defaults to "auto".
        min_delta: threshold for measuring a new optimum. Defaults to `1e-4`.
        cooldown: epochs to wait after a reduction before resuming. Defaults to `0`.
        min_lr: lower bound of the learning rate. Defaults to `0.0`.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = check_mode(mode, "Learning rate reduction")
        self._reset()

    def _reset(self):
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self._min = True
            self.best = np.inf
        else:
            self._min = False
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def monitor_op(self, a, b):
        return a < b - self.min_delta if self._min else a > b + self.min_delta

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}.", stacklevel=2)
            return
        current = as_float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = _lr(self.model)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from `schedule(epoch, lr)` (or `schedule(epoch)`).

    Args:
        schedule: function of the epoch index (0-based) and the current learning rate
            returning the new learning rate (a float).
        verbose: 1 prints the new rate each epoch. Defaults to `0`.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, _lr(self.model))
        except TypeError:  # a schedule of the epoch only
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _lr(self.model)

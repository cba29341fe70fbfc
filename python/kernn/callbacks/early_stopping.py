"""EarlyStopping: stop training when a monitored metric has stopped improving."""
import warnings

from kernn.callbacks.callback import Callback
from kernn.callbacks.monitor import as_float, check_mode, infer_direction


class EarlyStopping(Callback):
    """Stop training when `monitor` has not improved for `patience` epochs.

    Training stops at the end of epoch `best + patience` (counting from 0), i.e. after
    best epoch + patience + 1 epochs, as in Keras.

    Args:
        monitor: quantity to watch. Defaults to "val_loss".
        min_delta: smallest change that counts as an improvement. Defaults to `0`.
        patience: epochs without improvement before stopping. Defaults to `0`.
        verbose: 1 prints a message when stopping/restoring. Defaults to `0`.
        mode: "auto", "min" or "max". Defaults to "auto".
        baseline: a value the metric must beat for the wait counter to reset. Defaults to `None`.
        restore_best_weights: at the end of training, set the weights of the best epoch
            (also when training did not stop early). Defaults to `False`.
        start_from_epoch: epochs to wait before watching. Defaults to `0`.

    Example:
    >>> import numpy as np, kernn
    >>> model = kernn.Sequential([kernn.Input((2,)), kernn.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> stop = kernn.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    >>> len(model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=10, verbose=0, callbacks=[stop]).history["loss"])
    2
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch
        self.mode = check_mode(mode, "EarlyStopping")
        self._sign = None

    def _set_monitor_op(self):
        mode = self.mode
        if mode == "auto":
            mode = infer_direction(self.model, self.monitor)
            if mode is None:
                raise ValueError(
                    f"EarlyStopping callback received monitor={self.monitor} but kernn isn't able to automatically "
                    "determine whether that metric should be maximized or minimized. Pass `mode='max'` in order to "
                    "do early stopping based on the highest metric value, or pass `mode='min'` in order to use the "
                    "lowest value.")
        self._sign = -1.0 if mode == "min" else 1.0

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        # max: value - delta > ref; min: value + delta < ref
        return self._sign * (value - self._sign * self.min_delta) > self._sign * reference

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self._sign is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. Available "
                          f"metrics are: {','.join(list(logs.keys()))}", stacklevel=2)
            return None
        return as_float(value)

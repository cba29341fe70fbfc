"""ModelCheckpoint: save the model or its weights during training."""
import os
import warnings

import numpy as np

from kernn.callbacks.callback import Callback
from kernn.callbacks.monitor import as_float, check_mode


class ModelCheckpoint(Callback):
    """Save the model (`.keras`) or its weights (`.weights.h5`) at some frequency.

    Args:
        filepath: path, may contain `{epoch}` (1-based), `{batch}` and named entries of the
            logs, e.g. "model-{epoch:02d}-{val_loss:.2f}.keras".
        monitor: metric for `save_best_only`. Defaults to "val_loss".
        verbose: 1 prints a message on each save. Defaults to `0`.
        save_best_only: save only when `monitor` improves (the last best file stays).
            Defaults to `False`.
        save_weights_only: save only the weights; `filepath` must end in `.weights.h5`.
            Otherwise it must end in `.keras`. Defaults to `False`.
        mode: "auto", "min" or "max". Defaults to "auto".
        save_freq: "epoch" or an integer number of batches. Defaults to "epoch".
        initial_value_threshold: the best value to beat initially. Defaults to `None`.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._current_epoch = 0
        self.best = initial_value_threshold
        mode = check_mode(mode, "ModelCheckpoint")
        if mode == "auto":
            mode = "max" if ("acc" in self.monitor or self.monitor.startswith("fmeasure")) else "min"
        self._mode = mode
        if self.best is None:
            self.best = np.inf if mode == "min" else -np.inf
        if self.save_freq != "epoch" and (isinstance(self.save_freq, bool) or not isinstance(self.save_freq, int)):
            raise ValueError(f"Unrecognized save_freq: {self.save_freq}. Expected save_freq are 'epoch' or integer "
                             "values")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
                                 "must end in `.weights.h5` (Keras weights format). Received: "
                                 f"filepath={self.filepath}")
        elif not self.filepath.endswith(".keras"):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). Received: "
                             f"filepath={self.filepath}")

    def monitor_op(self, a, b):
        return a < b if self._mode == "min" else a > b

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen_since_last_saving += 1
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _save(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _save_model(self, epoch, batch, logs):
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        dirname = os.path.dirname(filepath)
        if dirname and not os.path.exists(dirname):
            os.makedirs(dirname, exist_ok=True)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=2)
                return
            current = as_float(current)
            if self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                          f"saving model to {filepath}")
                self.best = current
                self._save(filepath)
            elif self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
            return
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        self._save(filepath)

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from None

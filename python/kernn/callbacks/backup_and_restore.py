"""BackupAndRestore: resume an interrupted `fit` where it stopped."""
import json
import os
import shutil

from kernn.callbacks.callback import Callback


class BackupAndRestore(Callback):
    """Back up the model (weights and optimizer state) and the epoch reached into
    `backup_dir`; a later `fit` with the same callback resumes from there. The backup is
    deleted when training ends normally (`delete_checkpoint=True`).

    Args:
        backup_dir: folder for the backup files.
        save_freq: "epoch", an integer number of batches, or `False` (only on interruption is
            not supported: use "epoch"). Defaults to "epoch".
        double_checkpoint: keep the previous backup too (as a fallback if the newest one is
            corrupt). Defaults to `False`.
        delete_checkpoint: delete the backup when training completes. Defaults to `True`.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and save_freq is not False and (isinstance(save_freq, bool) or
                                                                  not isinstance(save_freq, int)):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. Expected "
                             "either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_training_metadata_path = self._training_metadata_path + ".bkp"

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built before you call `fit()`. "
                             f"Model {self.model} is unbuilt. You can build it beforehand by calling it on a batch "
                             "of data.")
        if self._try_load(self._weights_path, self._training_metadata_path):
            return
        if self.double_checkpoint:
            self._try_load(self._prev_weights_path, self._prev_training_metadata_path)

    def _try_load(self, weights, meta):
        if not os.path.exists(weights) or not os.path.exists(meta):
            return False
        with open(meta) as f:
            try:
                metadata = json.load(f)
            except json.JSONDecodeError:
                return False
        self.model.load_weights(weights)
        epoch = metadata.get("epoch", 0)
        if not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"Invalid training metadata in {meta}: {metadata}")
        self._current_epoch = epoch
        self.model._initial_epoch = epoch
        return True

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch_seen = batch
        if self.save_freq not in ("epoch", False):
            self._batches_seen_since_last_saving += 1
            if self._batches_seen_since_last_saving >= self.save_freq:
                self._batches_seen_since_last_saving = 0
                self._save_model()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            shutil.copy(self._weights_path, self._prev_weights_path)
            if os.path.exists(self._training_metadata_path):
                shutil.copy(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        tmp = self._training_metadata_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen}, f)
        os.replace(tmp, self._training_metadata_path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)

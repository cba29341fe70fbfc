"""TensorBoard: write TensorBoard event files (scalars, weight histograms and images) without
TensorFlow, through the optional `tensorboardX` writer (`pip install kernn[tensorboard]`)."""
import os

import numpy as np

from kernn.callbacks.callback import Callback


def _writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError("The TensorBoard callback needs the optional writer package: "
                          "`pip install kernn[tensorboard]` (installs tensorboardX).") from None
    return SummaryWriter


class TensorBoard(Callback):
    """Log metrics (and optionally weight histograms/images) for TensorBoard, as Keras does:
    `log_dir/train` gets `epoch_<metric>` (and `batch_<metric>` with `update_freq`), and
    `log_dir/validation` gets the `val_` metrics under the same `epoch_<metric>` names.

    Args:
        log_dir: folder of the event files. Defaults to "logs".
        histogram_freq: every this many epochs write each weight's histogram (0: never).
            Defaults to `0`.
        write_graph: write the model's config (JSON) as a text summary "keras". Defaults to `True`.
        write_images: write each 2-D (or reshaped) weight as an image with the histograms.
            Defaults to `False`.
        update_freq: "epoch", "batch" or an integer number of batches between batch-level
            scalar writes. Defaults to "epoch".
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._writer_cls = _writer_class()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        if self.histogram_freq < 0:
            raise ValueError(f"`histogram_freq` must be >= 0. Received: histogram_freq={histogram_freq}")
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError(f"Unrecognized update_freq: {update_freq}. Expected 'epoch', 'batch' or a positive "
                             "integer.")
        self.update_freq = update_freq
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._global_train_batch = 0

    def _writer(self, which):
        w = self._writers.get(which)
        if w is None:
            w = self._writer_cls(self._train_dir if which == "train" else self._val_dir)
            self._writers[which] = w
        return w

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        if self.write_graph:
            try:
                text = self.model.to_json()
            except Exception:  # noqa: BLE001 - a model without config still trains
                text = None
            if text:
                self._writer("train").add_text("keras", text, 0)

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        w = self._writer("train")
        for k, v in (logs or {}).items():
            w.add_scalar("batch_" + k, float(np.asarray(v)), self._global_train_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        w = self._writer("train")
        for k, v in train.items():
            w.add_scalar("epoch_" + k, float(np.asarray(v)), epoch)
        if val:
            vw = self._writer("validation")
            for k, v in val.items():
                vw.add_scalar("epoch_" + k, float(np.asarray(v)), epoch)
            vw.flush()
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        w.flush()

    def _log_weights(self, epoch):
        w = self._writer("train")
        for layer in self.model.layers:
            for var in layer.weights:
                name = var.path.replace(":", "_")
                value = var.numpy()
                w.add_histogram(name + "/histogram", value, epoch)
                if self.write_images:
                    img = value
                    if img.ndim == 1:
                        img = img[None, :]
                    elif img.ndim > 2:
                        img = img.reshape(-1, img.shape[-1])
                    lo, hi = float(img.min()), float(img.max())
                    img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
                    w.add_image(name + "/image", img[:, :, None], epoch, dataformats="HWC")

    def on_train_end(self, logs=None):
        for w in self._writers.values():
            w.close()
        self._writers = {}

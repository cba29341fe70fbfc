"""History: records the epoch logs of fit; `fit` returns it."""
from kernn.callbacks.callback import Callback


class History(Callback):
    """Records events into a `History` object; `fit` adds one and returns it.

    `history.history` maps each metric name (`loss`, `accuracy`, `val_loss`, ...) to the
    list of its values per epoch; `history.epoch` lists the epoch indices.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self

"""CallbackList: dispatches each hook to a list of callbacks."""
from kernn.callbacks.callback import Callback
from kernn.callbacks.history import History
from kernn.callbacks.progbar_logger import ProgbarLogger


class CallbackList(Callback):
    """A container of callbacks that forwards every hook to each of them, in order.

    Args:
        callbacks: list of Callback instances. Defaults to `None`.
        add_history: append a History callback if none is there. Defaults to `False`.
        add_progbar: append a ProgbarLogger if none is there. Defaults to `False`.
        model: the model to attach the callbacks to. Defaults to `None`.
        **params: passed to each callback's `set_params` when not empty.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks) if callbacks else []
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"Expected a list of `kernn.callbacks.Callback` instances. Received: {cb!r} of "
                                f"type {type(cb).__name__}")
        self._history = None
        self._progbar = None
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if add_history:
            found = [cb for cb in self.callbacks if isinstance(cb, History)]
            if found:
                self._history = found[0]
            else:
                self._history = History()
                self.callbacks.append(self._history)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def _each(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_batch_begin(self, batch, logs=None):
        self._each("on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._each("on_train_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._each("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._each("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._each("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._each("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._each("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._each("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._each("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        self._each("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._each("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._each("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._each("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._each("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._each("on_predict_end", logs)

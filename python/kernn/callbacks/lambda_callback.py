"""LambdaCallback: a callback built from plain functions."""
from kernn.callbacks.callback import Callback

_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


class LambdaCallback(Callback):
    """Callback for creating simple, custom callbacks on-the-fly.

    Args:
        on_epoch_begin, on_epoch_end: called as `f(epoch, logs)`.
        on_train_begin, on_train_end: called as `f(logs)`.
        on_batch_begin, on_batch_end: called as `f(batch, logs)` for training batches.
        on_train_batch_begin ... on_predict_end: any other hook, with that hook's arguments.

    Example:
    >>> import kernn
    >>> cb = kernn.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_batch_begin=None, on_batch_end=None, **kwargs):
        super().__init__()
        fns = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                   on_train_end=on_train_end, on_train_batch_begin=on_batch_begin,
                   on_train_batch_end=on_batch_end)
        for k, v in kwargs.items():
            if k not in _HOOKS:
                raise ValueError(f"Unrecognized keyword arguments passed to LambdaCallback: {{'{k}': {v!r}}}")
            fns[k] = v
        for k, fn in fns.items():
            if fn is not None:
                setattr(self, k, fn)

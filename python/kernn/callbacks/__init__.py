"""kernn.callbacks: hooks into fit/evaluate/predict, as keras.callbacks."""
from kernn.callbacks.callback import Callback
from kernn.callbacks.callback_list import CallbackList
from kernn.callbacks.history import History
from kernn.callbacks.lambda_callback import LambdaCallback
from kernn.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "ProgbarLogger"]

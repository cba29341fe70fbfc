"""kernn.callbacks: hooks into fit/evaluate/predict, as keras.callbacks."""
from kernn.callbacks.callback import Callback
from kernn.callbacks.callback_list import CallbackList
from kernn.callbacks.history import History
from kernn.callbacks.lambda_callback import LambdaCallback
from kernn.callbacks.progbar_logger import ProgbarLogger
from kernn.callbacks.backup_and_restore import BackupAndRestore
from kernn.callbacks.early_stopping import EarlyStopping
from kernn.callbacks.lr_callbacks import LearningRateScheduler, ReduceLROnPlateau
from kernn.callbacks.model_checkpoint import ModelCheckpoint
from kernn.callbacks.simple import CSVLogger, TerminateOnNaN
from kernn.callbacks.tensorboard import TensorBoard

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "ProgbarLogger"]
__all__ += ["BackupAndRestore", "CSVLogger", "EarlyStopping", "LearningRateScheduler", "ModelCheckpoint",
            "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN"]

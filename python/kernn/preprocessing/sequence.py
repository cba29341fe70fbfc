"""`keras.preprocessing.sequence.pad_sequences`, from kernn.utils.sequence_utils."""
from kernn.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]

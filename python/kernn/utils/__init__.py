"""Utilities, as in `keras.utils`."""
from kernn.utils import random
from kernn.utils.file_utils import get_file
from kernn.utils.image import ImageDataGenerator
from kernn.utils.numerical_utils import normalize, to_categorical
from kernn.utils.progbar import Progbar
from kernn.utils.py_dataset import PyDataset, Sequence
from kernn.utils.random import set_random_seed
from kernn.utils.sequence_utils import pad_sequences
from kernn.utils.timeseries import split_sequences, timeseries_dataset_from_array

__all__ = ["ImageDataGenerator", "Progbar", "PyDataset", "Sequence", "get_file", "normalize", "pad_sequences", "random",
           "set_random_seed", "split_sequences", "timeseries_dataset_from_array", "to_categorical"]

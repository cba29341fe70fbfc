"""Utilities, as in `keras.utils`."""
from kernn.utils import random
from kernn.utils.random import set_random_seed

__all__ = ["random", "set_random_seed"]

"""`keras.preprocessing.image` names (ImageDataGenerator and its transform helpers), from kernn.utils.image."""
from kernn.utils.image import (ImageDataGenerator, NumpyArrayIterator, apply_affine_transform,
                               apply_brightness_shift, apply_channel_shift, flip_axis)

__all__ = ["ImageDataGenerator", "NumpyArrayIterator", "apply_affine_transform", "apply_brightness_shift",
           "apply_channel_shift", "flip_axis"]

"""`keras.preprocessing` names: `image.ImageDataGenerator`, `sequence.pad_sequences`,
`timeseries_dataset_from_array` (implemented in kernn.utils)."""
from kernn.preprocessing import image, sequence
from kernn.utils.timeseries import timeseries_dataset_from_array

__all__ = ["image", "sequence", "timeseries_dataset_from_array"]

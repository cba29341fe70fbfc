import numpy as np

from kernn.preprocessing import image, sequence, timeseries_dataset_from_array
from kernn.utils.image import ImageDataGenerator
from kernn.utils.sequence_utils import pad_sequences
from kernn.utils.timeseries import timeseries_dataset_from_array as tdfa


def test_keras_preprocessing_names():
    assert image.ImageDataGenerator is ImageDataGenerator
    assert sequence.pad_sequences is pad_sequences
    assert timeseries_dataset_from_array is tdfa


def test_flow_is_a_batch_source_a_fit_loop_can_index():
    it = ImageDataGenerator(horizontal_flip=True).flow(np.zeros((10, 4, 4, 1)), np.arange(10), batch_size=4)
    seen = []
    for epoch in range(2):
        for i in range(len(it)):
            xb, yb = it[i]
            seen.extend(yb.tolist())
        it.on_epoch_end()
    assert sorted(seen) == sorted(list(range(10)) * 2)

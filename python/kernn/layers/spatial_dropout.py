"""SpatialDropout1D/2D: dropout of whole feature maps."""
from kernn.layers.convolutional import _utils as U
from kernn.layers.dropout import Dropout
from kernn.layers.layer import InputSpec


class SpatialDropout1D(Dropout):
    """Spatial 1D version of Dropout: drops entire 1D feature maps (one mask value per
    sample and channel, shared over steps).

    Args:
        rate: float between 0 and 1, the fraction of the channels to drop.
        seed: integer seed. Defaults to `None`.

    Example:
    >>> import numpy as np, kernn
    >>> y = kernn.layers.SpatialDropout1D(0.5, seed=1)(np.ones((2, 4, 3)), training=True)
    >>> bool(((y == 0).all(axis=1) | (y == 2).all(axis=1)).all())
    True
    """

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs, training=False, mask=None):
        self.noise_shape = (inputs.shape[0], 1, inputs.shape[2])
        return super().call(inputs, training=training, mask=mask)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        return config


class SpatialDropout2D(Dropout):
    """Spatial 2D version of Dropout: drops entire 2D feature maps.

    Args:
        rate: float between 0 and 1, the fraction of the channels to drop.
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".
        seed: integer seed. Defaults to `None`.
    """

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = U.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=False, mask=None):
        n = inputs.shape
        self.noise_shape = (n[0], 1, 1, n[3]) if self.data_format == "channels_last" else (n[0], n[1], 1, 1)
        return super().call(inputs, training=training, mask=mask)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        return {**config, "data_format": self.data_format}

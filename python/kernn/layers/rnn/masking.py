"""Masking: skip the timesteps whose features all equal `mask_value`."""
import numpy as np

from kernn.layers.layer import Layer


class Masking(Layer):
    """Masks a sequence with a mask value to skip timesteps (Keras's Masking).

    A timestep whose features all equal `mask_value` is masked for the layers after it
    that support masking (the RNN layers), and its output is zeroed.

    Args:
        mask_value: the padding value. Defaults to `0.0`.

    Example:
    >>> import numpy as np, kernn
    >>> x = np.ones((1, 3, 2)); x[0, 1] = 0
    >>> kernn.layers.Masking().compute_mask(x).tolist()
    [[True, False, True]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self._keep = None

    def compute_mask(self, inputs, mask=None):
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1)

    def call(self, inputs, training=False, mask=None):
        keep = np.any(inputs != self.mask_value, axis=-1, keepdims=True)
        self._keep = keep.astype(inputs.dtype)
        return inputs * self._keep

    def backward(self, grad):
        return grad * self._keep

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}

"""Dropout: inverted dropout, active only in training."""
import numpy as np

from kernn.layers.layer import Layer


class Dropout(Layer):
    """Applies dropout to the input.

    In training, each input unit is set to 0 with probability `rate` and the kept ones are
    scaled by `1 / (1 - rate)` so the expected sum is unchanged. Outside training (and in
    `evaluate`/`predict`) the layer passes its input through.

    Args:
        rate: float between 0 and 1, the fraction of the input units to drop.
        noise_shape: 1-D shape of the binary mask multiplied with the input (`None` entries
            take the input's size), e.g. `(batch_size, 1, features)` to share the mask over
            time steps. Defaults to `None` (the input's shape).
        seed: integer seed of the mask generator. Defaults to `None` (derived from the global
            seed of `kernn.utils.set_random_seed`).

    Call arguments:
        inputs: input array of any rank.
        training: whether to apply dropout. Defaults to `False`.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True
        self._rng = None
        self._mask = None

    def _generator(self):
        if self._rng is None:
            from kernn.utils.random import new_rng
            self._rng = new_rng(self.seed)
        return self._rng

    def call(self, inputs, training=False, mask=None):
        self._mask = None
        if not training or self.rate == 0.0:
            return inputs
        if self.rate >= 1.0:
            self._mask = np.zeros((1,) * inputs.ndim, dtype=np.float32)
            return np.zeros_like(inputs)
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, inputs.shape))
        keep = 1.0 - self.rate
        m = self._generator().random(shape, dtype=np.float32) < keep
        self._mask = m.astype(np.float32) * np.float32(1.0 / keep)
        return inputs * self._mask

    def backward(self, grad):
        return grad if self._mask is None else grad * self._mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}

"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector."""
import math

import numpy as np

from kernn.layers.layer import InputSpec, Layer


class Flatten(Layer):
    """Flattens the input; the batch size is kept.

    Args:
        data_format: "channels_last" or "channels_first"; with "channels_first" the input is
            first moved to channels-last order, as Keras does. Defaults to "channels_last".

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                             f"Received: data_format={data_format}")
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)
        self._shape = None

    def call(self, inputs, training=False, mask=None):
        self._shape = inputs.shape
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = np.moveaxis(x, 1, -1)
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        shape = self._shape
        if self.data_format == "channels_first" and len(shape) > 2:
            moved = (shape[0],) + shape[2:] + (shape[1],)
            return np.ascontiguousarray(np.moveaxis(grad.reshape(moved), -1, 1))
        return grad.reshape(shape)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return (input_shape[0], None)
        return (input_shape[0], int(math.prod(rest)))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one entry may be -1).

    Args:
        target_shape: tuple of ints, the shape of one output sample (no batch axis).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if sum(1 for d in target_shape if d == -1) > 1:
            raise ValueError("There must be at most one unknown dimension (-1) in target_shape. "
                             f"Received: target_shape={target_shape}")
        for d in target_shape:
            if not isinstance(d, (int, np.integer)) or (d < 1 and d != -1):
                raise ValueError("Every dimension of target_shape must be a positive integer or -1. "
                                 f"Received: target_shape={target_shape}")
        self.target_shape = target_shape
        self._shape = None

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = int(math.prod(rest))
        known = int(math.prod(d for d in self.target_shape if d != -1))
        if -1 in self.target_shape:
            if known == 0 or size % known:
                raise ValueError(f"The total size of the input ({size}) cannot be reshaped to "
                                 f"target_shape={self.target_shape}. Received: input_shape={tuple(input_shape)}")
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise ValueError(f"The total size of the input ({size}) must equal the total size of the target shape "
                             f"({known}). Received: input_shape={tuple(input_shape)}, "
                             f"target_shape={self.target_shape}")
        return self.target_shape

    def build(self, input_shape):
        self._resolve(input_shape)
        self.built = True

    def call(self, inputs, training=False, mask=None):
        self._shape = inputs.shape
        return inputs.reshape((inputs.shape[0],) + self._resolve(inputs.shape))

    def backward(self, grad):
        return grad.reshape(self._shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Permutes the non-batch axes of the input.

    Args:
        dims: tuple of ints, the permutation of axes 1..N (1-based, the batch axis excluded),
            e.g. `(2, 1)` swaps the first and second non-batch axes.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self._perm = (0,) + dims
        self._inverse = tuple(int(i) for i in np.argsort(self._perm))

    def call(self, inputs, training=False, mask=None):
        return np.ascontiguousarray(np.transpose(inputs, self._perm))

    def backward(self, grad):
        return np.ascontiguousarray(np.transpose(grad, self._inverse))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[i] for i in self._perm)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats the input `n` times: (batch, features) -> (batch, n, features).

    Args:
        n: integer, the repetition factor.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs, training=False, mask=None):
        return np.ascontiguousarray(np.broadcast_to(inputs[:, None, :], (inputs.shape[0], self.n, inputs.shape[1])))

    def backward(self, grad):
        return grad.sum(axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}

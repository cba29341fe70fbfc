"""Embedding: integer indices to dense vectors, with the scatter-add gradient in C++."""
import numpy as np

from kernn import constraints, initializers, ops, regularizers
from kernn.layers._serial import serialize
from kernn.layers.layer import Layer


class Embedding(Layer):
    """Turns non-negative integers (indices) into dense vectors of fixed size (Keras's Embedding).

    Args:
        input_dim: size of the vocabulary (largest index + 1).
        output_dim: dimension of the dense embedding.
        embeddings_initializer: Defaults to "uniform".
        embeddings_regularizer: Defaults to `None`.
        embeddings_constraint: Defaults to `None`.
        mask_zero: whether index 0 is padding to be masked out (the output mask is
            `inputs != 0`; index 0 stays usable, so `input_dim` should count it). Defaults to `False`.

    Input shape:
        integer array (batch_size, input_length).

    Output shape:
        (batch_size, input_length, output_dim).

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Embedding(1000, 64)(np.zeros((32, 10), int)).shape
    (32, 10, 64)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, input_length=None,
                 **kwargs):
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"Received an invalid value for argument `{arg}`. Expected a positive integer. "
                                 f"Received: {arg}={v}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self._args = dict(embeddings_initializer=embeddings_initializer,
                          embeddings_regularizer=embeddings_regularizer, embeddings_constraint=embeddings_constraint)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = None if embeddings_regularizer is None else regularizers.get(
            embeddings_regularizer)
        self.embeddings_constraint = None if embeddings_constraint is None else constraints.get(
            embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.lora_rank = lora_rank
        self.input_length = input_length
        if weights is not None:
            self._initial_weights = weights
        self._indices = None

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), name="embeddings",
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs, training=False, mask=None):
        self._indices = np.asarray(inputs).astype(np.int64)
        return ops.embedding_lookup(self._indices, self.embeddings.value)

    def backward(self, grad):
        if self.trainable and self.embeddings.trainable:
            ops.embedding_grad(self._indices, grad, self.embeddings.grad)
        return None  # integer inputs have no gradient

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": serialize(initializers, self._args["embeddings_initializer"]),
            "embeddings_regularizer": serialize(regularizers, self._args["embeddings_regularizer"]),
            "embeddings_constraint": serialize(constraints, self._args["embeddings_constraint"]),
            "mask_zero": self.mask_zero,
        }
        return {**super().get_config(), **config}

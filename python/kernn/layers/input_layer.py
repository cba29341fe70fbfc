"""Input and InputLayer: declare the shape a model takes."""
from kernn.layers.layer import Layer, standardize_shape


class KerasTensor:
    """A symbolic tensor: only a shape (batch first, `None` for free sizes) and its origin."""

    def __init__(self, shape, dtype="float32", name=None, layer=None):
        self.shape = standardize_shape(shape)
        self.dtype = dtype
        self.name = name
        self._layer = layer
        self._node = None
        self._index = 0

    @property
    def ndim(self):
        return len(self.shape)

    def _merge(self, other, cls, reverse=False):
        from kernn.layers import merging
        pair = [other, self] if reverse else [self, other]
        if not all(isinstance(t, KerasTensor) for t in pair):
            raise TypeError(f"kernn symbolic tensors combine only with other symbolic tensors. Received: {other!r}")
        return getattr(merging, cls)()(pair)

    def __add__(self, other):
        return self._merge(other, "Add")

    def __radd__(self, other):
        return self._merge(other, "Add", True)

    def __sub__(self, other):
        return self._merge(other, "Subtract")

    def __rsub__(self, other):
        return self._merge(other, "Subtract", True)

    def __mul__(self, other):
        return self._merge(other, "Multiply")

    def __rmul__(self, other):
        return self._merge(other, "Multiply", True)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class InputLayer(Layer):
    """The entry point of a model: holds the input shape.

    Args:
        shape: shape of one sample (no batch axis). Defaults to `None`.
        batch_size: fixed batch size, or `None`. Defaults to `None`.
        dtype: input dtype. Defaults to "float32".
        batch_shape: full shape including the batch axis (instead of `shape`). Defaults to `None`.
        name: layer name. Defaults to an automatic "input_layer" name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, input_tensor=None,
                 optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        if shape is not None:
            batch_shape = (batch_size,) + standardize_shape(shape)
        self._batch_shape = standardize_shape(batch_shape)
        self.built = True
        self._build_input_shape = self._batch_shape
        self._build_output_shape = self._batch_shape
        from kernn.models.functional import Node
        t = KerasTensor(self._batch_shape, name=self.name, layer=self)
        self._inbound_nodes.append(Node(self, [], [t], "single"))

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self, inputs, training=False, mask=None):
        return inputs

    def backward(self, grad):
        return grad

    def get_config(self):
        return {"batch_shape": self._batch_shape, "dtype": "float32", "sparse": False, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """A symbolic input of the given shape (one sample's shape, without the batch axis).

    Args:
        shape: tuple of ints or `None`s, the shape of one sample.
        batch_size: optional fixed batch size. Defaults to `None`.
        dtype: input dtype. Defaults to "float32".
        batch_shape: full shape including the batch axis (instead of `shape`). Defaults to `None`.
        name: optional name. Defaults to `None`.

    Returns:
        A KerasTensor that a Sequential model accepts as its first element.

    Example:
    >>> import kernn
    >>> kernn.Input(shape=(4,)).shape
    (None, 4)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name)
    return layer.output

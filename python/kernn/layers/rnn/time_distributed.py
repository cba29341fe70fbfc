"""TimeDistributed: apply a layer to every temporal slice of an input."""
from kernn.layers.layer import Layer


class TimeDistributed(Layer):
    """Applies `layer` to every timestep of a (batch, time, ...) input (Keras's TimeDistributed).

    The batch and time axes are folded into one, so the wrapped layer runs once on
    (batch * time, ...) and shares its weights across timesteps.

    Args:
        layer: a kernn Layer.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.TimeDistributed(kernn.layers.Dense(8))(np.ones((32, 10, 16))).shape
    (32, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        self.layer = layer
        self.supports_masking = True
        self._shape = None

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                             f"received: {tuple(input_shape)}")
        self.layer._maybe_build((None,) + tuple(input_shape[2:]))
        self.built = True

    @property
    def weights(self):
        return self.layer.weights

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights if self.trainable else []

    @property
    def non_trainable_weights(self):
        return self.layer.non_trainable_weights if self.trainable else self.layer.weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def call(self, inputs, training=False, mask=None):
        b, t = inputs.shape[:2]
        self._shape = inputs.shape
        y = self.layer.forward(inputs.reshape((b * t,) + inputs.shape[2:]), training=training)
        return y.reshape((b, t) + y.shape[1:])

    def backward(self, grad):
        b, t = grad.shape[:2]
        dx = self.layer.backward(grad.reshape((b * t,) + grad.shape[2:]))
        return None if dx is None else dx.reshape(self._shape)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        from kernn.saving.serialization_lib import serialize_keras_object  # (import cycle)
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _deserialize_layer(config["layer"])
        return cls(**config)


def _deserialize_layer(config):
    if not isinstance(config, dict):
        return config
    import kernn.layers
    klass = getattr(kernn.layers, config["class_name"], None)
    if klass is None:
        raise ValueError(f"Unknown layer class: {config['class_name']}")
    return klass.from_config(config["config"])

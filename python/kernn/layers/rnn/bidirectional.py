"""Bidirectional: run a recurrent layer forwards and a copy backwards, and merge."""
import numpy as np

from kernn.layers.layer import Layer
from kernn.layers.rnn.rnn import RNNBase, symbolic_call
from kernn.layers.rnn.time_distributed import _deserialize_layer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs (Keras's Bidirectional).

    The wrapped layer is copied twice: a forward layer, and a backward layer that reads
    the sequence from the end (`go_backwards` flipped) unless `backward_layer` is given.
    With `return_sequences`, the backward outputs are reversed back into time order, and
    masked timesteps give zero outputs (as Keras).

    Args:
        layer: a SimpleRNN, LSTM or GRU instance.
        merge_mode: how the two outputs combine: "sum", "mul", "concat", "ave" or `None`
            (a list of both). Defaults to "concat".
        weights: initial weights (forward layer's, then backward layer's). Defaults to `None`.
        backward_layer: the layer for the backward direction. Defaults to `None` (a copy of
            `layer` with `go_backwards` flipped).

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Bidirectional(kernn.layers.LSTM(10))(np.ones((4, 5, 3))).shape
    (4, 20)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, RNNBase):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.RNN` instance (SimpleRNN, "
                             f"LSTM or GRU). Received: layer={layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        config = layer.get_config()
        config["name"] = "forward_" + layer.name
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["name"] = "backward_" + layer.name
            config["go_backwards"] = not layer.go_backwards
            self.backward_layer = type(layer).from_config(config)
        else:
            if not isinstance(backward_layer, RNNBase):
                raise ValueError(f"`backward_layer` must be a recurrent layer. Received: {backward_layer}")
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(f"Forward layer and backward layer should have the same `{attr}`. Received: "
                                     f"forward {attr}={getattr(layer, attr)}, backward {attr}="
                                     f"{getattr(backward_layer, attr)}")
            self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self.forward_layer.zero_output_for_mask = self.return_sequences
        self.backward_layer.zero_output_for_mask = self.return_sequences
        self.supports_masking = True
        if weights is not None:
            self._initial_weights = weights
        self._yf = self._yb = None

    def build(self, input_shape):
        self.forward_layer._maybe_build(tuple(input_shape))
        self.backward_layer._maybe_build(tuple(input_shape))
        self.built = True

    @property
    def weights(self):
        return self.forward_layer.weights + self.backward_layer.weights

    @property
    def trainable_weights(self):
        return self.forward_layer.trainable_weights + self.backward_layer.trainable_weights if self.trainable else []

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return self.forward_layer.non_trainable_weights + self.backward_layer.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def __call__(self, inputs, training=None, mask=None, initial_state=None, **kwargs):
        from kernn.layers.input_layer import KerasTensor
        if isinstance(inputs, KerasTensor):
            return symbolic_call(self, inputs)
        self._pending_state = initial_state
        try:
            return super().__call__(inputs, training=training, mask=mask)
        finally:
            self._pending_state = None

    def call(self, inputs, training=False, mask=None, initial_state=None):
        initial_state = initial_state if initial_state is not None else getattr(self, "_pending_state", None)
        fs = bs = None
        if initial_state is not None:
            n = len(initial_state) // 2
            fs, bs = list(initial_state[:n]), list(initial_state[n:])
        yf = self.forward_layer.forward(inputs, training=training, mask=mask) if fs is None else \
            self.forward_layer.call(inputs, training=training, mask=mask, initial_state=fs)
        yb = self.backward_layer.forward(inputs, training=training, mask=mask) if bs is None else \
            self.backward_layer.call(inputs, training=training, mask=mask, initial_state=bs)
        states = []
        if self.return_state:
            yf, states_f = yf[0], yf[1:]
            yb, states_b = yb[0], yb[1:]
            states = list(states_f) + list(states_b)
        if self.return_sequences:
            yb = yb[:, ::-1]
        self._yf, self._yb = yf, yb
        if self.merge_mode == "concat":
            out = np.concatenate([yf, yb], axis=-1)
        elif self.merge_mode == "sum":
            out = yf + yb
        elif self.merge_mode == "ave":
            out = (yf + yb) * np.float32(0.5)
        elif self.merge_mode == "mul":
            out = yf * yb
        else:
            out = [yf, yb]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def backward(self, grad):
        d_states = []
        if self.return_state:
            n_out = 2 if self.merge_mode is None else 1
            grad, d_states = (grad[:2] if n_out == 2 else grad[0]), list(grad[n_out:])
        u = self._yf.shape[-1]
        if self.merge_mode == "concat":
            gf, gb = grad[..., :u], grad[..., u:]
        elif self.merge_mode == "sum":
            gf = gb = grad
        elif self.merge_mode == "ave":
            gf = gb = grad * np.float32(0.5)
        elif self.merge_mode == "mul":
            gf, gb = grad * self._yb, grad * self._yf
        else:
            gf, gb = grad
        if self.return_sequences and gb is not None:
            gb = gb[:, ::-1]
        if self.return_state:
            k = len(d_states) // 2
            gf, gb = [gf] + d_states[:k], [gb] + d_states[k:]
        dxf = self.forward_layer.backward(gf)
        dxb = self.backward_layer.backward(gb)
        return dxf + dxb

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        state_shapes = []
        if self.return_state:
            shape, state_shapes = shape[0], list(shape[1:]) * 2
        if self.merge_mode == "concat":
            out = tuple(shape[:-1]) + (shape[-1] * 2,)
        elif self.merge_mode is None:
            out = [tuple(shape), tuple(shape)]
        else:
            out = tuple(shape)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + state_shapes
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.merge_mode is None:
            out = [out, out]
        if self.return_state:
            n = len(self.forward_layer.state_size) * 2
            return (out if isinstance(out, list) else [out]) + [None] * n
        return out

    def reset_states(self, states=None):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self):
        from kernn.saving.serialization_lib import serialize_keras_object  # (import cycle)
        layer = serialize_keras_object(self.forward_layer)
        layer["config"]["name"] = self.forward_layer.name[len("forward_"):]
        config = {"merge_mode": self.merge_mode, "layer": layer,
                  "backward_layer": serialize_keras_object(self.backward_layer)}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _deserialize_layer(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _deserialize_layer(config["backward_layer"])
        return cls(**config)

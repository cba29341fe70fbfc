"""The shared base of SimpleRNN, LSTM and GRU: Keras's arguments, weights, masks, dropout
masks, initial and stateful states, and the explicit backward, on the whole-sequence C++
kernels of kernn.ops (one call per layer per batch)."""
import numpy as np

from kernn import activations, constraints, initializers, ops, regularizers
from kernn.layers._serial import serialize
from kernn.layers.dense import activation_name
from kernn.layers.layer import InputSpec, Layer

_KERNEL_ACTIVATIONS = ("linear", "tanh", "sigmoid", "relu", "hard_sigmoid", "softsign", "elu", "selu",
                       "exponential", "relu6")


def _check_activation(layer, arg, fn):
    name = activation_name(fn)
    if name not in _KERNEL_ACTIVATIONS:
        raise ValueError(
            f"{layer}: `{arg}` must be one of {', '.join(_KERNEL_ACTIVATIONS)} (the activations of kernn's fused "
            f"recurrent kernels). Received: {arg}={name or repr(fn)}"
        )
    return name


def symbolic_call(layer, inputs):
    """Record a graph node of `layer` on symbolic input(s) and return its symbolic output(s)
    (several with return_state or merge_mode=None)."""
    from kernn.models import functional
    return functional.symbolic_call(layer, inputs)


def _positive_int(cls, units):
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(
            f"Received an invalid value for argument `units`, expected a positive integer, got {units}."
        )
    return int(units)


def _first_shape(shape):
    """The sequence's shape when `shape` lists [sequence, *initial states] shapes."""
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return tuple(shape[0])
    return shape


class _CellVariables:
    """Stands for Keras's `layer.cell` in saved files: Keras 3 keeps a recurrent layer's
    weights on its cell, so they live at `<layer>/cell/vars` (kernel, recurrent_kernel, bias)."""

    def __init__(self, layer):
        self._layer = layer
        self.name = f"{layer.name}/cell"

    def _saved_variables(self):
        return self._layer._trainable_variables + self._layer._non_trainable_variables

    def save_own_variables(self, store):
        Layer.save_own_variables(self._layer, store)

    def load_own_variables(self, store):
        Layer.load_own_variables(self._layer, store)


class RNNBase(Layer):
    """Base class of kernn's recurrent layers (SimpleRNN, LSTM, GRU).

    Subclasses set `_cell` ("simple_rnn", "lstm" or "gru"), `_gates` and `_n_states`, and
    may override `_bias_shape` / `_bias_initializer`. See the subclasses for the arguments.
    """

    _cell = "simple_rnn"
    _gates = 1
    _n_states = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        implementation = kwargs.pop("implementation", 2)  # Keras's cell variants: one fused kernel here
        if implementation not in (1, 2):
            raise ValueError(f"Argument `implementation` must be 1 or 2. Received: implementation={implementation}")
        zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int(type(self).__name__, units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self._act = _check_activation(self.name, "activation", self.activation)
        self._ract = _check_activation(self.name, "recurrent_activation", self.recurrent_activation)
        self.use_bias = bool(use_bias)
        self._args = dict(kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                          bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                          recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                          kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                          bias_constraint=bias_constraint)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        get = lambda mod, x: None if x is None else mod.get(x)  # noqa: E731
        self.kernel_regularizer = get(regularizers, kernel_regularizer)
        self.recurrent_regularizer = get(regularizers, recurrent_regularizer)
        self.bias_regularizer = get(regularizers, bias_regularizer)
        self.kernel_constraint = get(constraints, kernel_constraint)
        self.recurrent_constraint = get(constraints, recurrent_constraint)
        self.bias_constraint = get(constraints, bias_constraint)
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)):
                raise ValueError(f"Argument `{arg}` must be a float between 0 and 1. Received: {arg}={rate!r}")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = zero_output_for_mask  # Bidirectional sets it (Keras)
        self.implementation = implementation
        self.input_spec = InputSpec(ndim=3)
        self.supports_masking = True
        self.states = None
        self._rng = None
        self._pending_state = None
        self._cache = None
        self._state_grads = None
        self._needs_input_grad = True
        self._state_given = False

    # ------------------------------------------------------------------ weights
    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    # saved files follow Keras 3: the layer's own group is empty, the weights are on its cell
    def _saving_children(self):
        return [("cell", _CellVariables(self))]

    def _saved_variables(self):
        return []

    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        if len(store.keys()):
            raise ValueError(f"Layer '{self.name}' keeps its weights under 'cell', but {len(store.keys())} "
                             "variables were found on the layer itself during loading.")

    def build(self, input_shape):
        input_shape = _first_shape(input_shape)
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"The last dimension of the input to {type(self).__name__} layer '{self.name}' must "
                             f"be defined. Received: input_shape={tuple(input_shape)}")
        gu = self._gates * self.units
        self.kernel = self.add_weight(shape=(features, gu), name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, gu), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=self._bias_shape(), name="bias", initializer=self._bias_initializer(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=3, axes={-1: features})
        if self.stateful and input_shape[0] is not None:
            self.reset_states()
        self.built = True

    # ------------------------------------------------------------------ states
    @property
    def state_size(self):
        return [self.units] * self._n_states

    def reset_states(self, states=None):
        """Zero the states of a stateful layer (or set them to `states`)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        batch = (self._build_input_shape or self._input_shape_arg or (None,))[0]
        if states is None:
            self.states = None if batch is None else [np.zeros((batch, self.units), np.float32)
                                                      for _ in range(self._n_states)]
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        self.states = [np.array(s, dtype=np.float32) for s in states]

    reset_state = reset_states

    def _dropout_mask(self, shape, rate):
        if self._rng is None:
            from kernn.utils.random import new_rng
            self._rng = new_rng(self.seed)
        keep = 1.0 - rate
        return (self._rng.random(shape, dtype=np.float32) < keep).astype(np.float32) * np.float32(1.0 / keep)

    # ------------------------------------------------------------------ call
    def __call__(self, inputs, training=None, mask=None, initial_state=None, **kwargs):
        from kernn.layers.input_layer import KerasTensor
        if isinstance(inputs, (list, tuple)) and initial_state is None and len(inputs) > 1:
            inputs, initial_state = inputs[0], list(inputs[1:])
        ndim = len(inputs.shape) if isinstance(inputs, KerasTensor) else np.ndim(inputs)
        if ndim == 2:
            shape = tuple(inputs.shape)
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=3, found ndim=2. '
                f"Full shape received: {shape}. A recurrent layer takes (batch, timesteps, features); when the "
                f"input comes from another recurrent layer, that layer needs return_sequences=True."
            )
        if isinstance(inputs, KerasTensor):
            if initial_state is not None:  # states are graph inputs too (encoder-decoder models)
                states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
                return symbolic_call(self, [inputs] + states)
            return symbolic_call(self, inputs)
        self._pending_state = initial_state
        try:
            return super().__call__(inputs, training=training, mask=mask)
        finally:
            self._pending_state = None

    def _kernel_kwargs(self):
        kw = {"activation": self._act}
        if self._cell != "simple_rnn":
            kw["recurrent_activation"] = self._ract
        return kw

    def call(self, inputs, training=False, mask=None, initial_state=None):
        self._list_call = isinstance(inputs, (list, tuple))
        if self._list_call:  # a graph node [x, *initial_states]
            inputs, initial_state = inputs[0], list(inputs[1:])
            if isinstance(mask, (list, tuple)):
                mask = mask[0]
        x = np.ascontiguousarray(inputs, dtype=np.float32)
        batch, steps = x.shape[0], x.shape[1]
        initial_state = initial_state if initial_state is not None else self._pending_state
        if initial_state is None and self.stateful:
            if self.states is None or self.states[0].shape[0] != batch:
                if self.states is not None:
                    raise ValueError(f"Layer '{self.name}' is stateful with batch size {self.states[0].shape[0]} "
                                     f"but received a batch of {batch}. Use a fixed batch size (for example "
                                     f"Input(batch_shape=...)) or call reset_states().")
                self.states = [np.zeros((batch, self.units), np.float32) for _ in range(self._n_states)]
            initial_state = self.states
        if initial_state is not None:
            initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(initial_state) != self._n_states:
                raise ValueError(f"Layer '{self.name}' expects {self._n_states} initial state(s) of shape "
                                 f"(batch, {self.units}); received {len(initial_state)}.")
        if mask is not None:
            mask = np.asarray(mask)
            if mask.ndim == 3:  # a mask with a trailing axis of 1
                mask = mask[..., 0]
            mask = mask.astype(bool)
        dmask = rmask = None
        if training and 0.0 < self.dropout < 1.0:
            dmask = self._dropout_mask((batch, x.shape[2]), self.dropout)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            rmask = self._dropout_mask((batch, self.units), self.recurrent_dropout)
        self._state_given = initial_state is not None  # backward computes their gradients then
        forward = getattr(ops, f"{self._cell}_forward")
        out, states, cache = forward(
            x, self.kernel.value, self.recurrent_kernel.value, None if self.bias is None else self.bias.value,
            initial_state=initial_state, mask=mask, dropout_mask=dmask, recurrent_dropout_mask=rmask,
            go_backwards=self.go_backwards, return_sequences=self.return_sequences, training=bool(training),
            workspace=self._cache.workspace if self._cache is not None else None,
            **self._kernel_kwargs(), **self._extra_kernel_kwargs())
        self._out_mask = None
        if self.zero_output_for_mask and self.return_sequences and mask is not None:
            m = mask[:, ::-1] if self.go_backwards else mask
            self._out_mask = m[:, :, None].astype(np.float32)
            out = out * self._out_mask
        self._cache = cache
        self._state_grads = None
        if self.stateful:
            self.states = [np.array(s) for s in states]
        if self.return_state:
            return [out] + list(states)
        return out

    def _extra_kernel_kwargs(self):
        return {}

    def backward(self, grad):
        """Backward through time. `grad` is dL/d(output), or with `return_state` the list
        [dL/d(output), dL/d(state)...] (entries may be `None`). Accumulates the weight
        gradients and returns dL/d(inputs); the initial states' gradients are kept in
        `self.initial_state_grads`."""
        if self._cache is None:
            raise ValueError(f"Layer '{self.name}': backward() needs a forward call with training=True first.")
        d_states = None
        if isinstance(grad, (list, tuple)):
            grad, d_states = grad[0], list(grad[1:]) or None
        if grad is not None and self._out_mask is not None:
            grad = grad * self._out_mask
        backward = getattr(ops, f"{self._cell}_backward")
        g = backward(self._cache, grad, d_states, input_grad=self._needs_input_grad, state_grad=self._state_given)
        if self.trainable:
            self.kernel.grad += g["kernel"]
            self.recurrent_kernel.grad += g["recurrent_kernel"]
            if self.bias is not None:
                self.bias.grad += g["bias"]
        self._state_grads = g["initial_state"]
        if getattr(self, "_list_call", False):
            return [g["x"]] + list(self._state_grads or [None] * self._n_states)
        return g["x"]

    @property
    def initial_state_grads(self):
        """Gradients of the initial states of the last backward call (a list; its entries
        are `None` when that call's forward had no initial state)."""
        return self._state_grads

    # ------------------------------------------------------------------ shapes, masks, config
    def compute_output_shape(self, input_shape):
        input_shape = _first_shape(input_shape)
        b, t = input_shape[0], input_shape[1]
        out = (b, t, self.units) if self.return_sequences else (b, self.units)
        if self.return_state:
            return [out] + [(b, self.units)] * self._n_states
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * self._n_states
        return out

    def get_config(self):
        a = self._args
        config = {
            "units": self.units,
            "activation": self._act,
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(initializers, a["kernel_initializer"]),
            "recurrent_initializer": serialize(initializers, a["recurrent_initializer"]),
            "bias_initializer": serialize(initializers, a["bias_initializer"]),
            "kernel_regularizer": serialize(regularizers, a["kernel_regularizer"]),
            "recurrent_regularizer": serialize(regularizers, a["recurrent_regularizer"]),
            "bias_regularizer": serialize(regularizers, a["bias_regularizer"]),
            "kernel_constraint": serialize(constraints, a["kernel_constraint"]),
            "recurrent_constraint": serialize(constraints, a["recurrent_constraint"]),
            "bias_constraint": serialize(constraints, a["bias_constraint"]),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
        }
        if self._cell != "simple_rnn":
            config["recurrent_activation"] = self._ract
        return {**super().get_config(), **config}

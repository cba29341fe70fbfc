"""Dense: `activation(inputs @ kernel + bias)` on the fused GEMM kernel."""
import numpy as np

from kernn import activations, constraints, initializers, ops, regularizers
from kernn.layers._serial import serialize
from kernn.layers.layer import InputSpec, Layer

_GEMM_FUSED = ("relu", "sigmoid", "tanh")


def activation_name(fn):
    """The registry name of an activation callable ("linear" for None), or None if it has none."""
    if fn is None:
        return "linear"
    try:
        return activations.serialize(fn)
    except Exception:  # noqa: BLE001 - a user function without a registry name
        return getattr(fn, "__name__", None)


class Dense(Layer):
    """Just your regular densely-connected NN layer.

    `output = activation(dot(input, kernel) + bias)`, computed by one call of kernn's GEMM
    with the bias and (for relu, sigmoid and tanh) the activation fused into its epilogue.
    Backward is two GEMMs and a bias reduction.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation function or name. Defaults to `None` (linear).
        use_bias: whether the layer uses a bias vector. Defaults to `True`.
        kernel_initializer: initializer for the kernel. Defaults to "glorot_uniform".
        bias_initializer: initializer for the bias. Defaults to "zeros".
        kernel_regularizer: regularizer for the kernel. Defaults to `None`.
        bias_regularizer: regularizer for the bias. Defaults to `None`.
        activity_regularizer: regularizer for the output. Defaults to `None`.
        kernel_constraint: constraint for the kernel. Defaults to `None`.
        bias_constraint: constraint for the bias. Defaults to `None`.

    Input shape:
        N-D array `(batch_size, ..., input_dim)`.

    Output shape:
        N-D array `(batch_size, ..., units)`.

    Example:
    >>> import numpy as np, kernn
    >>> layer = kernn.layers.Dense(3, kernel_initializer="ones")
    >>> layer(np.ones((2, 4))).tolist()
    [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        self.units = int(units)
        self.activation = activations.get(activation)
        self._act_name = activation_name(self.activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer) if kernel_regularizer is not None else None
        self.bias_regularizer = regularizers.get(bias_regularizer) if bias_regularizer is not None else None
        self.kernel_constraint = constraints.get(kernel_constraint) if kernel_constraint is not None else None
        self.bias_constraint = constraints.get(bias_constraint) if bias_constraint is not None else None
        self._args = dict(kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                          kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                          kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.lora_rank = lora_rank
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self._keep_logits = False  # set by the trainer when the loss fuses this layer's activation
        self._needs_input_grad = True  # cleared by models for their first layer
        self._x = self._z = self._y = None

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the input to Dense layer '{self.name}' must be defined. "
                             f"Received: input_shape={tuple(input_shape)}")
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs, training=False, mask=None):
        x = inputs.reshape(-1, inputs.shape[-1]) if inputs.ndim != 2 else inputs
        n = x.shape[0]
        bias = self.bias.value if self.bias is not None else None
        name = self._act_name
        self._x = x
        if name == "linear":
            z = ops.matmul(x, self.kernel.value, bias=bias, out=self._buffer("z", (n, self.units)))
            y = z
        elif name in _GEMM_FUSED and not self._keep_logits:
            # One GEMM with the activation in its epilogue; backward takes the activation's
            # gradient from the output alone (relu, sigmoid and tanh are invertible there).
            z = None
            y = ops.matmul(x, self.kernel.value, bias=bias, activation=name, out=self._buffer("y", (n, self.units)))
        else:
            z = ops.matmul(x, self.kernel.value, bias=bias, out=self._buffer("z", (n, self.units)))
            y = self.activation(z)
        self._z, self._y = z, y
        return y.reshape(inputs.shape[:-1] + (self.units,)) if inputs.ndim != 2 else y

    def backward(self, grad):
        g = grad.reshape(-1, self.units)
        name = self._act_name
        if self._z is None and name != "linear":
            g = activations.backward(self.activation, None, self._y, g)
        elif name != "linear":
            g = activations.backward(self.activation, self._z, self._y, g)
        return self.backward_logits(g, grad.shape)

    def _output_activation(self):
        return self._act_name

    def _logits(self):
        return self._z

    def backward_logits(self, g, out_shape=None):
        """Backward from dL/d(pre-activation) (the trainer's fused loss path)."""
        g = np.ascontiguousarray(g, dtype=np.float32).reshape(-1, self.units)
        x = self._x
        if self.kernel.trainable and self.trainable:
            ops.matmul(x, g, transpose_a=True, out=self.kernel.grad, beta=1.0)
            if self.bias is not None:
                self.bias.grad += ops.bias_grad(g)
        if not self._needs_input_grad:
            return None
        dx = ops.matmul(g, self.kernel.value, transpose_b=True, out=self._buffer("dx", x.shape))
        if out_shape is not None and len(out_shape) != 2:
            dx = dx.reshape(tuple(out_shape[:-1]) + (x.shape[1],))
        return dx

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activation_name(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(initializers, self._args["kernel_initializer"]),
            "bias_initializer": serialize(initializers, self._args["bias_initializer"]),
            "kernel_regularizer": serialize(regularizers, self._args["kernel_regularizer"]),
            "bias_regularizer": serialize(regularizers, self._args["bias_regularizer"]),
            "kernel_constraint": serialize(constraints, self._args["kernel_constraint"]),
            "bias_constraint": serialize(constraints, self._args["bias_constraint"]),
        }
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
        return {**super().get_config(), **config}

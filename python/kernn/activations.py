"""Built-in activation functions, Keras 3 style (`keras.activations`).

Each function takes an array and returns a float32 array; the work is done by kernn's
C++ kernels (`kernn.ops.activation`). `get`, `serialize` and `deserialize` resolve
identifiers as Keras does, and `backward(fn, x, y, grad)` gives dL/dx for any built-in.

>>> import numpy as np
>>> from kernn import activations
>>> activations.get("relu")(np.array([-1.0, 2.0]))
array([0., 2.], dtype=float32)
"""
from kernn import ops

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign",
    "hard_sigmoid", "hard_silu", "hard_swish", "exponential", "sigmoid", "tanh", "softmax", "log_softmax",
    "linear", "mish", "log_sigmoid", "celu", "squareplus", "soft_shrink", "hard_shrink", "hard_tanh",
    "tanh_shrink", "sparse_plus", "sparse_sigmoid", "get", "serialize", "deserialize", "backward",
]


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `max(x, 0)`, with Keras's optional slope, cap and threshold.

    Args:
        x: input array.
        negative_slope: slope below the threshold. Defaults to `0.0`.
        max_value: upper cap, or `None` for none. Defaults to `None`.
        threshold: values at or below it become 0 (or follow the slope). Defaults to `0.0`.
    """
    return ops.activation(x, "relu", negative_slope=negative_slope, max_value=max_value, threshold=threshold)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return ops.activation(x, "relu6")


def leaky_relu(x, negative_slope=0.2):
    """`x` if `x > 0` else `negative_slope * x`. `negative_slope` defaults to `0.2`."""
    return ops.activation(x, "leaky_relu", negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0` else `alpha * (exp(x) - 1)`. `alpha` defaults to `1.0`."""
    return ops.activation(x, "elu", alpha=alpha)


def selu(x):
    """Scaled ELU with Keras's constants (alpha 1.67326324, scale 1.05070098)."""
    return ops.activation(x, "selu")


def gelu(x, approximate=False):
    """Gaussian error linear unit `x * Phi(x)`; `approximate=True` uses the tanh form. Defaults to `False`."""
    return ops.activation(x, "gelu", approximate=approximate)


def silu(x):
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return ops.activation(x, "silu")


swish = silu


def softplus(x):
    """`log(1 + exp(x))`, computed stably."""
    return ops.activation(x, "softplus")


def softsign(x):
    """`x / (1 + |x|)`."""
    return ops.activation(x, "softsign")


def hard_sigmoid(x):
    """Keras 3's hard sigmoid: `relu6(x + 3) / 6`."""
    return ops.activation(x, "hard_sigmoid")


def hard_silu(x):
    """Hard SiLU (hard swish): `x * relu6(x + 3) / 6`."""
    return ops.activation(x, "hard_silu")


hard_swish = hard_silu


def exponential(x):
    """`exp(x)`."""
    return ops.activation(x, "exponential")


def sigmoid(x):
    """`1 / (1 + exp(-x))`, stable for large |x|."""
    return ops.activation(x, "sigmoid")


def tanh(x):
    """Hyperbolic tangent."""
    return ops.activation(x, "tanh")


def linear(x):
    """The identity (as float32)."""
    return ops.activation(x, "linear")


def mish(x):
    """`x * tanh(softplus(x))`."""
    return ops.activation(x, "mish")


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably as `-softplus(-x)`."""
    return ops.activation(x, "log_sigmoid")


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: `max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)`. `alpha` defaults to `1.0`."""
    return ops.activation(x, "celu", alpha=alpha)


def squareplus(x, b=4):
    """`(x + sqrt(x^2 + b)) / 2`. `b` defaults to `4`."""
    return ops.activation(x, "squareplus", b=b)


def soft_shrink(x, threshold=0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0. Defaults to `0.5`."""
    return ops.activation(x, "soft_shrink", threshold=threshold)


def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0. `threshold` defaults to `0.5`."""
    return ops.activation(x, "hard_shrink", threshold=threshold)


def hard_tanh(x):
    """`clip(x, -1, 1)`."""
    return ops.activation(x, "hard_tanh")


def tanh_shrink(x):
    """`x - tanh(x)`."""
    return ops.activation(x, "tanh_shrink")


def sparse_plus(x):
    """0 for `x <= -1`, `(x + 1)^2 / 4` in between, `x` for `x >= 1`."""
    return ops.activation(x, "sparse_plus")


def sparse_sigmoid(x):
    """`clip((x + 1) / 2, 0, 1)`."""
    return ops.activation(x, "sparse_sigmoid")


def _over_axis(fn, x, axis):
    import numpy as np

    x = np.asarray(x)
    if axis in (-1, x.ndim - 1):
        return fn(x)
    if not isinstance(axis, int) or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must be an integer in [-{x.ndim}, {x.ndim}). Received: axis={axis!r}")
    return np.moveaxis(fn(np.moveaxis(x, axis, -1)), -1, axis)


def softmax(x, axis=-1):
    """Softmax over `axis` (stable: the maximum is subtracted first). `axis` defaults to `-1`."""
    return _over_axis(ops.softmax, x, axis)


def log_softmax(x, axis=-1):
    """`log(softmax(x))` over `axis`, computed stably. `axis` defaults to `-1`."""
    return _over_axis(ops.log_softmax, x, axis)


_ALL = {
    "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu, "elu": elu, "selu": selu, "gelu": gelu,
    "silu": silu, "swish": swish, "softplus": softplus, "softsign": softsign, "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu, "hard_swish": hard_swish, "exponential": exponential, "sigmoid": sigmoid,
    "tanh": tanh, "softmax": softmax, "log_softmax": log_softmax, "linear": linear, "mish": mish,
    "log_sigmoid": log_sigmoid, "celu": celu, "squareplus": squareplus, "soft_shrink": soft_shrink,
    "hard_shrink": hard_shrink, "hard_tanh": hard_tanh, "tanh_shrink": tanh_shrink, "sparse_plus": sparse_plus,
    "sparse_sigmoid": sparse_sigmoid,
}
# the function objects -> their canonical name (aliases share one object)
_NAME_OF = {}
for _name, _fn in _ALL.items():
    _NAME_OF.setdefault(id(_fn), _fn.__name__)


def get(identifier):
    """The activation function for `identifier`.

    Args:
        identifier: `None` (linear), a name such as `"relu"`, a config dict
            (`{"class_name": "function", "config": "relu"}`) or a callable (returned as is).

    Raises:
        ValueError: an identifier that is none of these.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        fn = deserialize(identifier)
        if fn is not None:
            return fn
    elif callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")


def serialize(activation):
    """The name of a built-in activation (or of a named custom function), as Keras stores it."""
    if id(activation) in _NAME_OF and _ALL.get(_NAME_OF[id(activation)]) is activation:
        return _NAME_OF[id(activation)]
    name = getattr(activation, "__name__", None)
    if callable(activation) and name and name != "<lambda>":
        return name
    raise ValueError(f"Could not serialize activation function {activation!r}: it needs a name")


def deserialize(config, custom_objects=None):
    """The activation named by `config` (a name or Keras's `{"class_name": ..., "config": name}`)."""
    name = config
    if isinstance(config, dict):
        name = config.get("config")
        if isinstance(name, dict):
            name = name.get("name")
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if isinstance(name, str) and name in _ALL:
        return _ALL[name]
    raise ValueError(f"Could not interpret activation function identifier: {config}")


def backward(fn, x, y, grad):
    """dL/dx of the built-in activation `fn` at input `x` with output `y`, given dL/dy = `grad`.

    `fn` is a function as returned by `get` (softmax/log_softmax over the last axis). The
    default parameters of `fn` are used (layers with their own parameters call
    `kernn.ops.activation_grad` with them).

    Raises:
        ValueError: `fn` is not one of kernn's built-in activations (a custom callable has
            no known derivative).
    """
    name = _NAME_OF.get(id(fn))
    if name is None or _ALL.get(name) is not fn:
        label = getattr(fn, "__name__", repr(fn))
        raise ValueError(
            f"Cannot compute the gradient of activation {label!r}: it is not one of kernn's built-in "
            f"activations ({', '.join(sorted(_ALL))}), and kernn has no automatic differentiation. "
            "Use a built-in activation, or a layer whose backward() computes the gradient."
        )
    return ops.activation_grad(x, y, grad, name)

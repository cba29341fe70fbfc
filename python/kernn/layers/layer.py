"""Layer: the base class of every kernn layer, and InputSpec.

A layer owns its weights (kernn.variables.Variable), runs forward in `call` keeping what
its backward needs, and runs backward explicitly in `backward(grad)`: it returns the
gradient with respect to its input and accumulates the weight gradients into
`variable.grad`. Models run the layers' backward in reverse order; there is no tape.
"""
import difflib
import inspect
import re

import math

import numpy as np

from kernn.variables import Variable

_UIDS = {}
_STRUCTURE = [0]  # bumped whenever weights are created or frozen/unfrozen (trainers cache on it)


def structure_version():
    return _STRUCTURE[0]


def bump_structure():
    _STRUCTURE[0] += 1


def get_uid(prefix):
    """`prefix`, then `prefix_1`, `prefix_2`, ... on later calls (Keras's automatic names)."""
    n = _UIDS.get(prefix, 0)
    _UIDS[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


def note_name(name):
    """Make later automatic names skip `name` (used when layers are loaded with saved names)."""
    m = re.fullmatch(r"(.*?)(?:_(\d+))?", name or "")
    prefix, n = m.group(1), int(m.group(2) or 0)
    if prefix:
        _UIDS[prefix] = max(_UIDS.get(prefix, 0), n + 1)


def clear_session():
    """Reset the automatic layer and model names (`dense`, `dense_1`, ... start over)."""
    _UIDS.clear()


def to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def standardize_shape(shape):
    """A shape as a tuple of ints and Nones."""
    if shape is None:
        raise ValueError("Undefined shapes are not supported.")
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    out = []
    for d in shape:
        if d is None:
            out.append(None)
        elif isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0:
            out.append(int(d))
        else:
            raise ValueError(f"Cannot convert '{shape}' to a shape. Found invalid entry '{d}'.")
    return tuple(out)


class InputSpec:
    """What a layer accepts: `ndim`, `min_ndim`, `max_ndim` and fixed `axes` sizes.

    Args:
        ndim: exact rank, or `None`. Defaults to `None`.
        max_ndim: largest rank, or `None`. Defaults to `None`.
        min_ndim: smallest rank, or `None`. Defaults to `None`.
        axes: dict mapping an axis (may be negative) to its required size. Defaults to `None`.
        shape: full shape with `None` for free dimensions, or `None`. Defaults to `None`.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else standardize_shape(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name
        self.optional = optional

    def __repr__(self):
        return (f"InputSpec(ndim={self.ndim}, min_ndim={self.min_ndim}, max_ndim={self.max_ndim}, "
                f"axes={self.axes})")


def assert_input_compatibility(spec, shape, layer_name):
    """Raise the Keras ValueError when `shape` does not satisfy `spec`."""
    if spec is None:
        return
    head = f'Input 0 of layer "{layer_name}" is incompatible with the layer: '
    ndim = len(shape)
    if spec.ndim is not None and ndim != spec.ndim:
        raise ValueError(f"{head}expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{head}expected max_ndim={spec.max_ndim}, found ndim={ndim}. Full shape received: "
                         f"{shape}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{head}expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape received: "
                         f"{shape}")
    for axis, value in spec.axes.items():
        if value is None:
            continue
        if -ndim <= axis < ndim and shape[axis] not in (value, None):
            raise ValueError(f"{head}expected axis {axis} of input shape to have value {value}, but received "
                             f"input with shape {shape}")
    if spec.shape is not None:
        for want, got in zip(spec.shape, shape):
            if want is not None and got is not None and want != got:
                raise ValueError(f"{head}expected shape={spec.shape}, found shape={shape}")


class Layer:
    """The base class of layers.

    Subclasses validate their arguments in `__init__`, create weights in
    `build(input_shape)` with `add_weight`, compute the output in `call`, and the input
    gradient in `backward`.

    Args:
        trainable: whether the layer's weights are updated in training. Defaults to `True`.
        name: the layer's name; a unique snake_case name of the class when `None`.
            Defaults to `None`.
        dtype: only `None`, "float32" and "float64"-like requests are accepted; kernn
            computes in float32. Defaults to `None`.
        input_shape: (Keras 2 style, first layer of a Sequential) the shape of one sample.
        input_dim: (Keras 2 style) the number of features of a 2-D input.
        batch_input_shape / batch_shape: the full input shape, batch first.
        batch_size: fixed batch size to pair with `input_shape`.
    """

    _ALLOWED_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_shape", "batch_size",
                       "weights", "activity_regularizer", "autocast", "input_dtype")

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None,
                 **kwargs):
        cls = self.__class__.__name__
        unknown = {k: v for k, v in kwargs.items() if k not in self._ALLOWED_KWARGS}
        if unknown:
            known = set(self._init_arg_names()) | {"trainable", "name", "dtype", "activity_regularizer"}
            hints = []
            for k in unknown:
                close = difflib.get_close_matches(k, sorted(known), n=1)
                if close:
                    hints.append(f"'{close[0]}'")
            hint = f" Did you mean {', '.join(hints)}?" if hints else ""
            raise ValueError(f"Unrecognized keyword arguments passed to {cls}: {unknown}.{hint}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string. Received: name={name!r}")
        self.name = name if name else get_uid(to_snake_case(cls))
        self._auto_named = not name
        self._trainable = bool(trainable)
        self.dtype_policy = dtype
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._losses = []
        self._buffers = {}
        self._reuse_buffers = False
        self._build_input_shape = None
        self._build_output_shape = None
        self.activity_regularizer = None
        if activity_regularizer is not None:
            from kernn import regularizers
            self.activity_regularizer = regularizers.get(activity_regularizer)
        self._activity_input = None
        self._initial_weights = kwargs.get("weights")
        self._inbound_nodes = []  # functional API: one Node per call on symbolic tensors

        shape = None
        if "input_shape" in kwargs or "input_dim" in kwargs:
            import warnings
            warnings.warn("Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential "
                          "models, prefer using an `Input(shape)` object as the first layer in the model instead.",
                          UserWarning, stacklevel=3)
        if "batch_input_shape" in kwargs or "batch_shape" in kwargs:
            shape = tuple(kwargs.get("batch_input_shape") or kwargs.get("batch_shape"))
        elif "input_shape" in kwargs:
            shape = (kwargs.get("batch_size"),) + tuple(standardize_shape(kwargs["input_shape"]))
        elif "input_dim" in kwargs:
            shape = (kwargs.get("batch_size"), int(kwargs["input_dim"]))
        self._input_shape_arg = standardize_shape(shape) if shape is not None else None

    @classmethod
    def _init_arg_names(cls):
        names = []
        for klass in cls.__mro__:
            if klass is object:
                break
            try:
                params = inspect.signature(klass.__init__).parameters
            except (TypeError, ValueError):
                continue
            names += [p for p, v in params.items() if p != "self" and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)]
        return names

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True, regularizer=None,
                   constraint=None, aggregation="none", name=None):
        """Create a weight of this layer (a kernn.variables.Variable) and track it.

        Args:
            shape: the weight's shape. Defaults to `()`.
            initializer: initializer identifier or callable `init(shape, dtype)`. Defaults to
                "glorot_uniform".
            trainable: whether optimizers update it. Defaults to `True`.
            regularizer: regularizer identifier or callable. Defaults to `None`.
            constraint: constraint identifier or callable. Defaults to `None`.
            name: short name, e.g. "kernel". Defaults to "variable".

        Returns:
            The Variable.
        """
        from kernn import constraints, initializers, regularizers
        shape = standardize_shape(() if shape is None else shape)
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        too_big = (f"Layer '{self.name}' cannot allocate its weight '{name or 'variable'}' of shape {shape} "
                   f"({math.prod(shape)} values)")
        if math.prod(shape) > 2**62 // 8:  # NumPy would refuse with a message naming neither
            raise MemoryError(too_big)
        try:
            value = np.asarray(init(shape, dtype="float32"), dtype=np.float32)
        except MemoryError as e:
            raise MemoryError(f"{too_big}: {e}") from None
        if value.shape != shape:
            value = np.broadcast_to(value, shape)
        name = name or "variable"
        taken = {v.name for v in self._trainable_variables + self._non_trainable_variables}
        short = name
        i = 1
        while short in taken:
            short = f"{name}_{i}"
            i += 1
        var = Variable(value, name=short, path=f"{self.name}/{short}", trainable=trainable and self._trainable,
                       regularizer=regularizers.get(regularizer) if regularizer is not None else None,
                       constraint=constraints.get(constraint) if constraint is not None else None)
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        bump_structure()
        return var

    @property
    def weights(self):
        return self._trainable_variables + self._non_trainable_variables

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        return [v for v in self.weights if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for v in self._trainable_variables:
            v.trainable = self._trainable
        bump_structure()

    def save_own_variables(self, store):
        """Write this layer's own variables into `store` as "0", "1", ... (Keras 3's order)."""
        for i, v in enumerate(self._trainable_variables + self._non_trainable_variables):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store):
        """Read what `save_own_variables` wrote; ValueError on a count or shape mismatch."""
        mine = self._trainable_variables + self._non_trainable_variables
        if len(store.keys()) != len(mine):
            raise ValueError(f"Layer '{self.name}' expected {len(mine)} variables, but received {len(store.keys())} "
                             "variables during loading.")
        values = [np.asarray(store[str(i)]) for i in range(len(mine))]
        for v, a in zip(mine, values):
            if tuple(v.shape) != tuple(a.shape):
                raise ValueError(f"Layer '{self.name}': saved variable of shape {a.shape} does not match "
                                 f"'{v.path}' of shape {tuple(v.shape)}.")
        for v, a in zip(mine, values):
            v.assign(a)

    def get_weights(self):
        """The weights' current values as a list of NumPy arrays (Keras's order)."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays of the same shapes as `get_weights()`."""
        mine = self.weights
        weights = list(weights)
        if len(mine) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of length "
                f"{len(weights)}, but the layer was expecting {len(mine)} weights."
            )
        values = [np.asarray(w) for w in weights]
        for var, value in zip(mine, values):
            if tuple(var.shape) != tuple(value.shape):
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(var.shape)} is not compatible with provided weight "
                    f"shape {tuple(value.shape)}."
                )
        for var, value in zip(mine, values):
            var.assign(value)

    def count_params(self):
        """Number of scalars in the layer's weights; ValueError when it is not built yet."""
        if not self.built:
            raise ValueError(
                "You tried to call `count_params` on layer '" + self.name + "', but the layer isn't built. "
                "You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    @property
    def losses(self):
        """Regularization penalties of the last call: weight regularizers and activity regularizer."""
        out = [float(v.regularizer(v.value)) for v in self.weights if v.regularizer is not None]
        return out + list(self._losses)

    # ------------------------------------------------------------------ build / call
    def build(self, input_shape):
        """Create the weights for inputs of `input_shape` (batch first, `None` allowed)."""
        self.built = True

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build(input_shape)
            self.built = True
            self._build_input_shape = tuple(input_shape)
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None

    def __call__(self, inputs, training=None, mask=None, **kwargs):
        from kernn.models import functional
        if functional.is_symbolic(inputs):
            return functional.symbolic_call(self, inputs, kwargs)
        if getattr(self, "_multi_input", False) and isinstance(inputs, (list, tuple, dict)):
            xs = list(inputs.values()) if isinstance(inputs, dict) else list(inputs)
            xs = [_as_input(a, self.name) for a in xs]
            self._maybe_build([(None,) + a.shape[1:] for a in xs])
            return self.forward(xs, training=bool(training), mask=mask)
        x = _as_input(inputs, self.name)
        assert_input_compatibility(self.input_spec, x.shape, self.name)
        self._maybe_build((None,) + x.shape[1:])
        return self.forward(x, training=bool(training), mask=mask)

    def forward(self, x, training=False, mask=None):
        """`call` plus the activity regularizer (the path models use)."""
        kw = _call_kwargs(type(self))
        if kw == 2:
            y = self.call(x, training=training, mask=mask)
        elif kw == 1:
            y = self.call(x, training=training)
        else:
            y = self.call(x)
        if self.activity_regularizer is not None:
            # Keras 3 adds the regularizer of the whole output batch (no division by its size)
            self._losses = [float(self.activity_regularizer(y))]
            self._activity_output = y
        return y

    def call(self, inputs, training=False, mask=None):
        return inputs

    def backward(self, grad):
        """Given dL/d(output) return dL/d(input); accumulate weight gradients into `var.grad`."""
        raise NotImplementedError(
            f"Layer '{self.name}' ({self.__class__.__name__}) does not implement backward(grad). kernn has no "
            "automatic differentiation: a custom layer used in training must return dL/d(input) from "
            "backward(grad) and add its weight gradients into `variable.grad`."
        )

    def _activity_backward(self, grad):
        """Add the activity regularizer's gradient to `grad` (called by models before backward)."""
        if self.activity_regularizer is not None and getattr(self, "_activity_output", None) is not None:
            y = self._activity_output
            grad = grad + self.activity_regularizer.gradient(y)
        return grad

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def _buffer(self, key, shape):
        """A float32 buffer reused across steps of the same shape (when buffers are enabled)."""
        if not self._reuse_buffers:
            return None
        k = (key, tuple(shape))
        buf = self._buffers.get(k)
        if buf is None:
            if len(self._buffers) > 16:  # many batch shapes: start over rather than grow
                self._buffers.clear()
            buf = np.empty(shape, dtype=np.float32)
            self._buffers[k] = buf
        return buf

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy or "float32"}
        if self._input_shape_arg is not None:
            config["batch_input_shape"] = self._input_shape_arg
        if self.activity_regularizer is not None:
            from kernn import regularizers
            ser = getattr(regularizers, "serialize", None)
            config["activity_regularizer"] = ser(self.activity_regularizer) if ser else self.activity_regularizer
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def dtype(self):
        return "float32"

    def _single_node(self, what):
        nodes = getattr(self, "_inbound_nodes", [])
        if not nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no defined {what}.")
        if len(nodes) > 1:
            raise AttributeError(f"Layer '{self.name}' has multiple inbound nodes, hence the notion of \"layer "
                                 f"{what}\" is ill-defined. Use `get_{what}_at(node_index)` instead.")
        return nodes[0]

    @property
    def input(self):
        """The symbolic input of the layer's only call (functional API)."""
        node = self._single_node("input")
        return node.pack_inputs(node.inputs)

    @property
    def output(self):
        """The symbolic output of the layer's only call (functional API)."""
        node = self._single_node("output")
        return node.outputs[0] if len(node.outputs) == 1 else list(node.outputs)

    def get_input_at(self, node_index):
        node = self._inbound_nodes[node_index]
        return node.pack_inputs(node.inputs)

    def get_output_at(self, node_index):
        node = self._inbound_nodes[node_index]
        return node.outputs[0] if len(node.outputs) == 1 else list(node.outputs)

    @property
    def input_shape(self):
        if self._build_input_shape is None:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined input.")
        return self._build_input_shape

    @property
    def output_shape(self):
        if self._build_input_shape is None:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined output.")
        return self.compute_output_shape(self._build_input_shape)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}, built={self.built}>"


_CALL_KWARGS = {}


def _call_kwargs(cls):
    """2 when `cls.call` takes training and mask, 1 for training only, 0 for neither."""
    n = _CALL_KWARGS.get(cls)
    if n is None:
        params = inspect.signature(cls.call).parameters
        anykw = any(p.kind == p.VAR_KEYWORD for p in params.values())
        n = 2 if (anykw or ("training" in params and "mask" in params)) else (1 if "training" in params else 0)
        _CALL_KWARGS[cls] = n
    return n


def _as_input(inputs, layer_name):
    """`inputs` as a float32 ndarray, with a clear error for what cannot be one."""
    if isinstance(inputs, np.ndarray) and inputs.dtype == np.float32:
        return inputs
    try:
        x = np.asarray(inputs)
    except Exception as e:  # ragged lists and the like
        raise ValueError(f'Layer "{layer_name}" could not convert its input to an array: {e}') from None
    if x.dtype.kind not in "biuf":
        raise ValueError(f'Layer "{layer_name}" expects numeric input. Received: inputs.dtype={x.dtype}')
    return x.astype(np.float32)

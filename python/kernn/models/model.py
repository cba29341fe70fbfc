"""Model: the base class of kernn models (Sequential derives from it, as in Keras)."""
import numpy as np

from kernn.layers.layer import Layer, assert_input_compatibility
from kernn.models.functional import Functional, _as_list_of_arrays
from kernn.models.summary import print_summary
from kernn.models.trainer import Trainer


class Model(Trainer, Functional, Layer):
    """A model groups layers and adds training (`compile`, `fit`, `evaluate`, `predict`).

    Three ways to make one, as in Keras:

    - `kernn.Sequential([...])`: a stack of layers.
    - functional: `Model(inputs, outputs)` where `outputs` were computed by calling layers
      on `kernn.Input` tensors; any DAG (several inputs/outputs as lists or dicts, shared
      layers, nested models).
    - subclassing: create layers in `__init__` and write `call(inputs)`. kernn has no
      automatic differentiation, so on first use the `call` is traced once on symbolic
      inputs of the batch's shape into the same node graph a functional model has, and
      training runs that graph's backward. Limits: `call` must only call layers (and
      `+`, `-`, `*` between their outputs); Python control flow that depends on the data
      or changes between calls is not seen by training (the trace is fixed), and a
      `training` argument only reaches the layers (e.g. Dropout), not Python branches.

    Example:
    >>> import kernn
    >>> a = kernn.Input(shape=(4,), name="a")
    >>> b = kernn.Input(shape=(2,), name="b")
    >>> h = kernn.layers.Concatenate()([kernn.layers.Dense(3)(a), b])
    >>> model = kernn.Model([a, b], kernn.layers.Dense(1)(h))
    >>> model.output_shape
    (None, 1)
    >>> [t.shape for t in model.inputs]
    [(None, 4), (None, 2)]
    """

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        if len(args) > 2:
            raise TypeError(f"Model() takes at most 2 positional arguments (inputs, outputs). Received {len(args)}.")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        self.__dict__["_tracked_layers"] = []
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self._init_trainer()
        self._output_shape = None
        self._is_graph = False
        self._traced = False
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`. Received: "
                                 f"inputs={inputs}, outputs={outputs}")
            if name is None and type(self) is Model:  # Keras 3 names functional models "functional"
                from kernn.layers.layer import get_uid
                self.name = get_uid("functional")
            self._init_graph(inputs, outputs)
            self._is_graph = True
            self._traced = True
            outs = [t.shape for t in self._outputs]
            self._output_shape = outs[0] if len(outs) == 1 else outs

    def __setattr__(self, name, value):
        if isinstance(value, Layer) and not name.startswith("_") and "_tracked_layers" in self.__dict__:
            if all(value is not t for t in self._tracked_layers):
                self._tracked_layers.append(value)
        super().__setattr__(name, value)

    @property
    def _subclassed(self):
        return type(self).call is not Model.call and not self.__dict__.get("_is_graph_ctor", False)

    # ------------------------------------------------------------------ structure
    @property
    def layers(self):
        if self.__dict__.get("_is_graph") and not self._subclassed:
            return list(self._graph_layers)
        return list(self.__dict__.get("_tracked_layers", []))

    def _all_layers(self):
        """Every layer inside this model, nested models' layers included."""
        out = []
        for layer in self.layers:
            out.append(layer)
            if isinstance(layer, Model):
                out += layer._all_layers()
        return out

    @property
    def weights(self):
        out = []
        seen = set()
        for layer in self.layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    # trainable_weights / non_trainable_weights come from Layer (over this model's `weights`)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self.layers:
            layer.trainable = value
        from kernn.layers.layer import bump_structure
        bump_structure()

    @property
    def losses(self):
        return [x for layer in self.layers for x in layer.losses]

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on model '{self.name}', but the model isn't built. You can "
                "build it manually via: `model.build(input_shape)`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    def get_layer(self, name=None, index=None):
        """A layer by name or by index (of `model.layers`)."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[la.name for la in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print the layers, their output shapes and parameter counts, as Keras 3 prints them."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    # ------------------------------------------------------------------ config and saving
    def get_config(self):
        if self.__dict__.get("_is_graph") and not self._subclassed:
            return _functional_config(self)
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config and "output_layers" in config:
            return _functional_from_config(cls if not cls._is_user_subclass() else Model, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as e:
            raise ValueError(f"Unable to revive model '{cls.__name__}' from config: {e}. A subclassed model must "
                             "define get_config()/from_config() to be saved and loaded.") from None

    @classmethod
    def _is_user_subclass(cls):
        return cls.call is not Model.call

    def to_json(self, **kwargs):
        """The model's config (Keras 3 format) as a JSON string."""
        import json
        from kernn.saving.serialization_lib import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the model as a Keras 3 `.keras` zip (config, metadata, weights, optimizer state).

        The file is written to a temporary file and renamed over `filepath` when complete.
        """
        import os
        from kernn.saving import saving_lib
        include_optimizer = kwargs.pop("include_optimizer", True)
        if kwargs:
            raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
        if not overwrite and os.path.exists(filepath):
            raise ValueError(f"File {filepath} exists and overwrite=False.")
        saving_lib.save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights (and optimizer state) to a `.weights.h5` file in Keras 3's layout."""
        from kernn.saving import saving_lib
        saving_lib.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from a `.weights.h5` or `.keras` file; ValueError (and no change) on mismatch."""
        from kernn.saving import saving_lib
        saving_lib.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    # ------------------------------------------------------------------ running
    def _check_input_shape(self, shape):
        """Check a batch's shape against every layer's InputSpec once per feature shape."""
        if self._is_graph:
            return
        key = tuple(shape[1:])
        if key in self._checked_x:
            return
        s = (None,) + key
        for layer in self.layers:
            assert_input_compatibility(layer.input_spec, s, layer.name)
            s = layer.compute_output_shape(s)
        self._checked_x.add(key)

    def _trace(self, input_shape):
        """Trace a subclassed model's `call` on symbolic inputs into a node graph."""
        from kernn.layers.input_layer import Input
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            ins = [Input(batch_shape=(None,) + tuple(s[1:])) for s in input_shape]
            arg = ins
        elif isinstance(input_shape, dict):
            ins = {k: Input(batch_shape=(None,) + tuple(s[1:]), name=k) for k, s in input_shape.items()}
            arg = ins
        else:
            ins = Input(batch_shape=(None,) + tuple(input_shape[1:]))
            arg = ins
        from kernn.layers.layer import _call_kwargs
        outs = self.call(arg) if _call_kwargs(type(self)) == 0 else self.call(arg, training=False)
        self._init_graph(ins, outs)
        self._is_graph = True
        self._traced = True
        shapes = [t.shape for t in self._outputs]
        self._output_shape = shapes[0] if len(shapes) == 1 else shapes

    def build(self, input_shape=None):
        """Build a subclassed model for inputs of `input_shape` (traces its `call`)."""
        if self._is_graph:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        self._trace(input_shape)

    def _forward(self, x, training=False):
        if not self._is_graph:
            # masks flow as in Keras: each layer gets the mask computed by the one before
            # (Embedding(mask_zero=True) / Masking -> RNN -> ...)
            mask = None
            for layer in self.layers:
                x_in = x
                x = layer.forward(x, training=training, mask=mask)
                mask = layer.compute_mask(x_in, mask)
            return x
        xs = _as_list_of_arrays(self._flatten_x(x), self.name)
        outs = self._run_graph(xs, training=training, keep=True)
        if len(outs) == 1:
            return outs[0]
        return outs

    def __call__(self, inputs, training=None, mask=None, **kwargs):
        from kernn.models import functional
        if functional.is_symbolic(inputs):
            if not self._is_graph:
                flat, _ = functional.flatten_symbolic(inputs)
                self.build([t.shape for t in flat] if len(flat) > 1 else flat[0].shape)
            return functional.symbolic_call(self, inputs, kwargs)
        if not self._is_graph:
            if self._subclassed:
                self.build(_shapes_of(inputs))
            else:
                from kernn.layers.layer import _as_input
                inputs = _as_input(inputs, self.name)
                self._ensure_built_for(inputs)
        with self._loop_mode(reuse=False):
            out = self._forward(inputs, training=bool(training))
        if self._is_graph and isinstance(self._output_struct, tuple):
            return dict(zip(self._output_struct, out))
        return out

    def forward(self, x, training=False, mask=None):
        return self._forward(x, training=training)

    def call(self, inputs, training=False, mask=None):
        return self._forward(inputs, training=training)

    def backward(self, grad):
        if self._is_graph:
            grads = [grad] if len(self._outputs) == 1 else list(grad)
            gin = self._runner.backward(grads)
            return gin[0] if len(gin) == 1 else gin
        for layer in reversed(self.layers):
            grad = layer.backward(layer._activity_backward(grad))
        return grad

    def compute_output_shape(self, input_shape):
        if self._is_graph:
            return Functional.compute_output_shape(self, input_shape)
        s = tuple(input_shape)
        for layer in self.layers:
            s = layer.compute_output_shape(s)
        return s

    @property
    def output_shape(self):
        if self._output_shape is not None:
            return self._output_shape
        raise AttributeError(f"Model '{self.name}' has no defined outputs yet.")

    @property
    def input_shape(self):
        if self._is_graph:
            shapes = [t.shape for t in self._inputs]
            return shapes[0] if len(shapes) == 1 else shapes
        raise AttributeError(f"Model '{self.name}' has no defined input shape yet.")


def _tensor_config(t, node_index):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(t.shape), "dtype": "float32",
                       "keras_history": [t._layer.name, node_index[id(t._node)], t._index]}}


def _functional_config(model):
    from kernn.saving.serialization_lib import serialize_keras_object
    node_set = {id(n) for n in model._nodes}
    node_index = {}
    for layer in model.layers:
        k = 0
        for n in layer._inbound_nodes:
            if id(n) in node_set:
                node_index[id(n)] = k
                k += 1
    entries = []
    for layer in model.layers:
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        nodes = []
        for n in layer._inbound_nodes:
            if id(n) not in node_set or not n.inputs:
                continue
            ts = [_tensor_config(t, node_index) for t in n.inputs]
            if n.structure == "single":
                args = [ts[0]]
            elif n.structure == "list":
                args = [ts]
            else:
                args = [dict(zip(n.structure, ts))]
            nodes.append({"args": args, "kwargs": {}})
        entry["inbound_nodes"] = nodes
        entries.append(entry)

    def hist(t):
        return [t._layer.name, node_index[id(t._node)], t._index]

    def struct(flat, kind):
        if kind == "single" or kind == "list":
            return [hist(t) for t in flat]
        return {k: hist(t) for k, t in zip(kind, flat)}

    config = {"name": model.name, "trainable": model.trainable, "layers": entries,
              "input_layers": struct(model._inputs, model._input_struct),
              "output_layers": struct(model._outputs, model._output_struct)}
    return config


def _functional_from_config(cls, config, custom_objects=None):
    from kernn.layers.input_layer import InputLayer
    from kernn.saving.serialization_lib import deserialize_keras_object
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise ValueError("A functional model config needs a list of 'layers'.")
    layers_by_name = {}
    pending = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError(f"Invalid layer entry in a functional config: {str(entry)[:100]}")
        layer = deserialize_keras_object(entry, custom_objects)
        name = entry.get("name", layer.name)
        if name in layers_by_name:
            raise ValueError(f"The name \"{name}\" is used 2 times in the model config.")
        layers_by_name[name] = layer
        for i, node in enumerate(entry.get("inbound_nodes") or []):
            pending.append((layer, name, node))
    made = {}  # (layer name, node index) -> output tensors
    for name, layer in layers_by_name.items():
        if isinstance(layer, InputLayer):
            made[(name, 0)] = layer._inbound_nodes[0].outputs

    def resolve(arg):
        if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            h = (arg.get("config") or {}).get("keras_history")
            if not isinstance(h, list) or len(h) != 3:
                raise ValueError(f"Invalid keras_history in a functional config: {h}")
            key = (h[0], h[1])
            if key not in made:
                raise KeyError(key)
            outs = made[key]
            if not isinstance(h[2], int) or not 0 <= h[2] < len(outs):
                raise ValueError(f"Invalid tensor index in keras_history {h}")
            return outs[h[2]]
        if isinstance(arg, list):
            return [resolve(a) for a in arg]
        if isinstance(arg, dict):
            return {k: resolve(v) for k, v in arg.items()}
        raise ValueError(f"Unsupported node argument in a functional config: {str(arg)[:100]}")

    counts = {}
    progress = True
    while pending and progress:
        progress = False
        rest = []
        for layer, name, node in pending:
            if not isinstance(node, dict) or not isinstance(node.get("args"), list) or not node["args"]:
                raise ValueError(f"Invalid inbound node for layer '{name}': {str(node)[:100]}")
            try:
                x = resolve(node["args"][0])
            except KeyError:
                rest.append((layer, name, node))
                continue
            out = layer(x)
            idx = counts.get(name, 0)
            counts[name] = idx + 1
            made[(name, idx)] = out if isinstance(out, list) else [out]
            progress = True
        pending = rest
    if pending:
        raise ValueError(f"Could not rebuild the graph: layers {[p[1] for p in pending][:5]} have inputs that are "
                         "never produced.")

    def outs(spec):
        if isinstance(spec, dict):
            return {k: resolve_hist(v) for k, v in spec.items()}
        if isinstance(spec, list) and spec and isinstance(spec[0], str):
            return resolve_hist(spec)
        vals = [resolve_hist(v) for v in spec]
        return vals[0] if len(vals) == 1 else vals

    def resolve_hist(h):
        if not isinstance(h, list) or len(h) != 3 or (h[0], h[1]) not in made:
            raise ValueError(f"Invalid input/output layer reference {h} in a functional config.")
        return made[(h[0], h[1])][h[2]]

    inputs = outs(config.get("input_layers"))
    outputs = outs(config.get("output_layers"))
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _shapes_of(x):
    import numpy as _np
    if isinstance(x, dict):
        return {k: _np.shape(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and not _np.isscalar(x[0]) and _np.ndim(x[0]) >= 1 and \
            isinstance(x[0], _np.ndarray):
        return [_np.shape(v) for v in x] if len(x) > 1 else _np.shape(x[0])
    return _np.shape(x)

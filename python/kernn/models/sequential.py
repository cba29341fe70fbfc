"""Sequential: a plain stack of layers, each with one input and one output."""
from kernn.layers.input_layer import InputLayer, KerasTensor
from kernn.layers.layer import Layer, assert_input_compatibility, get_uid, standardize_shape, to_snake_case
from kernn.models.model import Model


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (the first may be `kernn.Input(shape)`). Defaults to `None`.
        trainable: whether the model's weights are trained. Defaults to `True`.
        name: model name. Defaults to an automatic "sequential" name.

    Example:
    >>> import kernn
    >>> model = kernn.Sequential([kernn.Input(shape=(16,)), kernn.layers.Dense(8)])
    >>> model.output_shape
    (None, 8)
    >>> model.count_params()
    136
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._layers = []
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def layers(self):
        cache = self.__dict__.get("_layers_cache")
        if cache is None:
            cache = [la for la in self._layers if not isinstance(la, InputLayer)]
            self._layers_cache = cache
        return list(cache)

    def add(self, layer, rebuild=True):
        """Add a layer instance (or an `Input`) on top of the stack."""
        if isinstance(layer, KerasTensor) and isinstance(layer._layer, InputLayer):
            layer = layer._layer
        if not isinstance(layer, Layer):
            raise ValueError("Only instances of `keras.Layer` can be added to a Sequential model. Received: "
                             f"{layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._layers and isinstance(self._layers[0], InputLayer):
                raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                                 f"{self._layers[0].batch_shape}. You cannot add a different Input layer to it.")
            if self._layers:
                raise ValueError("An `Input` can only be the first layer of a Sequential model.")
        names = {la.name for la in self._layers}
        if layer.name in names:
            if getattr(layer, "_auto_named", False) and not layer.built:
                layer.name = get_uid(to_snake_case(type(layer).__name__))
                while layer.name in names:
                    layer.name = get_uid(to_snake_case(type(layer).__name__))
            else:
                raise ValueError("All layers added to a Sequential model should have unique names. Name "
                                 f"'{layer.name}' is already the name of a layer in this model. Update the `name` "
                                 "argument to pass a unique name.")
        if not self._layers and getattr(layer, "_input_shape_arg", None) is not None:
            self._layers.append(InputLayer(batch_shape=layer._input_shape_arg))
        self._layers.append(layer)
        self._layers_cache = None
        self.built = False
        self._checked_x = set()
        self._train_ready = None
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self._layers_cache = None
        self.built = False
        self._checked_x = set()
        self._train_ready = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)

    def build(self, input_shape=None):
        """Build every layer for inputs of `input_shape` (batch axis first, `None` allowed)."""
        if input_shape is None:
            if self._layers and isinstance(self._layers[0], InputLayer):
                input_shape = self._layers[0].batch_shape
            else:
                raise ValueError("You must provide an `input_shape` argument.")
        shape = standardize_shape(input_shape)
        if not self._layers or not isinstance(self._layers[0], InputLayer):
            self._layers.insert(0, InputLayer(batch_shape=shape))
            self._layers_cache = None
        elif tuple(shape[1:]) != tuple(self._layers[0].batch_shape[1:]):
            raise ValueError(
                f"Input 0 of layer \"{self.layers[0].name if self.layers else self.name}\" is incompatible with the "
                f"layer: expected shape={self._layers[0].batch_shape}, found shape={shape}"
            )
        s = self._layers[0].batch_shape
        for layer in self.layers:
            assert_input_compatibility(layer.input_spec, s, layer.name)
            layer._maybe_build(s)
            layer._build_input_shape = s
            s = layer.compute_output_shape(s)
            layer._build_output_shape = s
        self._output_shape = s
        self._build_input_shape = self._layers[0].batch_shape
        self.built = True
        self._record_nodes()

    def _record_nodes(self):
        """The functional view of the stack: `layer.input`/`layer.output` and `model.outputs`."""
        from kernn.models.functional import Node
        for layer, node in self.__dict__.get("_seq_nodes", []):
            if node in layer._inbound_nodes:
                layer._inbound_nodes.remove(node)
        self._seq_nodes = []
        x = self._layers[0]._inbound_nodes[0].outputs[0]
        for layer in self.layers:
            node = Node(layer, [x], [KerasTensor(layer._build_output_shape)], "single")
            layer._inbound_nodes.append(node)
            self._seq_nodes.append((layer, node))
            x = node.outputs[0]
        self._seq_output = x

    @property
    def outputs(self):
        return [self._seq_output] if self.built and self.__dict__.get("_seq_output") is not None else None

    @property
    def input_shape(self):
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[0].batch_shape
        raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")

    @property
    def output_shape(self):
        if self.built:
            return self._output_shape
        raise AttributeError(f"Sequential model '{self.name}' has no defined outputs yet.")

    @property
    def inputs(self):
        return [self._layers[0].output] if self._layers and isinstance(self._layers[0], InputLayer) else None

    def get_config(self):
        from kernn.layers.layer import Layer as _L
        from kernn.saving.serialization_lib import serialize_keras_object
        layers = [serialize_keras_object(layer) for layer in self._layers]
        config = {**_L.get_config(self), "layers": layers}
        if self.built and self._layers and isinstance(self._layers[0], InputLayer):
            config["build_input_shape"] = list(self._layers[0].batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kernn.saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        entries = config.pop("layers", [])
        if not isinstance(entries, list):
            raise ValueError(f"The 'layers' of a Sequential config must be a list. Received: {str(entries)[:100]}")
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in entries:
            layer = deserialize_keras_object(entry, custom_objects)
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        if not model.built and config.get("build_input_shape") is not None:
            model.build(tuple(config["build_input_shape"]))
        return model

    def __repr__(self):
        return f"<Sequential name={self.name}, built={self.built}>"


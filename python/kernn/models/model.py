"""Model: the base class of kernn models (Sequential derives from it, as in Keras)."""
import numpy as np

from kernn.layers.layer import Layer, assert_input_compatibility
from kernn.models.summary import print_summary
from kernn.models.trainer import Trainer


class Model(Trainer, Layer):
    """A model groups layers and adds training (`compile`, `fit`, `evaluate`, `predict`).

    `kernn.Sequential` is the model built from a list of layers. The functional form
    `Model(inputs, outputs)` is not available yet.
    """

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError("The functional API `Model(inputs, outputs)` is not available in kernn yet; "
                                      "use kernn.Sequential.")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self._init_trainer()
        self._output_shape = None

    # ------------------------------------------------------------------ structure
    @property
    def layers(self):
        return []

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

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    non_trainable_variables = non_trainable_weights

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

    # ------------------------------------------------------------------ running
    def _check_input_shape(self, shape):
        """Check a batch's shape against every layer's InputSpec once per feature shape."""
        key = tuple(shape[1:])
        if key in self._checked_x:
            return
        s = (None,) + key
        for layer in self.layers:
            assert_input_compatibility(layer.input_spec, s, layer.name)
            s = layer.compute_output_shape(s)
        self._checked_x.add(key)

    def _forward(self, x, training=False):
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def __call__(self, inputs, training=None, mask=None, **kwargs):
        from kernn.layers.input_layer import KerasTensor
        from kernn.layers.layer import _as_input
        if isinstance(inputs, KerasTensor):
            if not self.built:
                self.build(inputs.shape)
            return KerasTensor(self.compute_output_shape(inputs.shape))
        x = _as_input(inputs, self.name)
        self._ensure_built_for(x)
        with self._loop_mode(reuse=False):
            return self._forward(x, training=bool(training))

    def call(self, inputs, training=False, mask=None):
        return self._forward(inputs, training=training)

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(layer._activity_backward(grad))
        return grad

    def compute_output_shape(self, input_shape):
        s = tuple(input_shape)
        for layer in self.layers:
            s = layer.compute_output_shape(s)
        return s

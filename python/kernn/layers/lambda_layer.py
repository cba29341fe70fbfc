"""Lambda: wrap a Python function as a layer (inference; training needs `backward`)."""
from kernn.layers.layer import Layer


class Lambda(Layer):
    """Wraps a function `function(inputs, **arguments)` as a layer.

    kernn has no automatic differentiation: a Lambda layer trains only when `function` has
    a `backward(grad)` attribute returning the input gradient. Saved models refuse to load
    a Lambda layer unless `safe_mode=False` and the function is passed in `custom_objects`
    under its name (its code is never stored in or read from a file).

    Args:
        function: the function to wrap.
        output_shape: the output shape (without batch) or a function of the input shape;
            by default the input shape. Defaults to `None`.
        arguments: extra keyword arguments for `function`. Defaults to `None`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Argument `function` must be callable. Received: function={function!r}")
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs, training=False, mask=None):
        return self.function(inputs, **self.arguments)

    def backward(self, grad):
        back = getattr(self.function, "backward", None)
        if back is None:
            return super().backward(grad)
        return back(grad)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return tuple(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self):
        fn = self.function
        return {**super().get_config(),
                "function": {"module": "builtins", "class_name": "function",
                             "config": getattr(fn, "__name__", "function"), "registered_name": "function"},
                "output_shape": None if callable(self._output_shape) else self._output_shape,
                "arguments": self.arguments}

"""The `>>>` examples in the docstrings of layers, models and callbacks run and print what they say."""
import doctest
import importlib

import pytest

MODULES = ["kernn.layers.dense", "kernn.layers.activation_layers", "kernn.layers.reshaping",
           "kernn.layers.input_layer", "kernn.models.sequential", "kernn.callbacks.callback",
           "kernn.callbacks.lambda_callback"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

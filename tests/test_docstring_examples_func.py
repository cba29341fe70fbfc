"""The `>>>` examples of the functional API, merge layers, saving and the Keras callbacks."""
import doctest
import importlib

import pytest

MODULES = ["kernn.models.model", "kernn.layers.merging", "kernn.callbacks.early_stopping"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

"""The `>>>` examples in the docstrings of losses, metrics, optimizers, initializers,
regularizers, constraints and utils.random run and print what they say."""
import doctest
import importlib

import pytest

MODULES = ["kernn.losses.losses", "kernn.losses", "kernn.metrics.metric", "kernn.metrics.confusion",
           "kernn.optimizers.adam", "kernn.initializers", "kernn.regularizers", "kernn.constraints",
           "kernn.utils.random"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

"""The `>>>` examples in the docstrings of the recurrent layers run and print what they say."""
import doctest
import importlib

import pytest

MODULES = ["kernn.layers.rnn.simple_rnn", "kernn.layers.rnn.lstm", "kernn.layers.rnn.gru",
           "kernn.layers.rnn.bidirectional", "kernn.layers.rnn.time_distributed", "kernn.layers.rnn.embedding",
           "kernn.layers.rnn.masking"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0

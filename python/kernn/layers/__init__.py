"""kernn.layers: Keras's layers, with explicit backward passes on kernn's kernels."""
from kernn.layers.activation_layers import ELU, Activation, LeakyReLU, ReLU, Softmax
from kernn.layers.dense import Dense
from kernn.layers.dropout import Dropout
from kernn.layers.input_layer import Input, InputLayer
from kernn.layers.lambda_layer import Lambda
from kernn.layers.layer import InputSpec, Layer
from kernn.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from kernn.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                                  concatenate, dot, maximum, minimum, multiply, subtract)

__all__ = ["ELU", "Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec", "Layer",
           "LeakyReLU", "Permute", "ReLU", "RepeatVector", "Reshape", "Softmax"]
__all__ += ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
            "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]
__all__ += ["Lambda"]

"""kernn.layers: Keras's layers, with explicit backward passes on kernn's kernels."""
from kernn.layers.convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Cropping1D, Cropping2D,
                                        DepthwiseConv2D, SeparableConv2D, UpSampling1D, UpSampling2D, ZeroPadding1D,
                                        ZeroPadding2D)
from kernn.layers.normalization import BatchNormalization, LayerNormalization
from kernn.layers.pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D, GlobalAveragePooling1D,
                                  GlobalAveragePooling2D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D,
                                  GlobalMaxPool2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPool1D, MaxPool2D,
                                  MaxPooling1D, MaxPooling2D)
from kernn.layers.spatial_dropout import SpatialDropout1D, SpatialDropout2D
from kernn.layers.activation_layers import ELU, Activation, LeakyReLU, ReLU, Softmax
from kernn.layers.dense import Dense
from kernn.layers.dropout import Dropout
from kernn.layers.input_layer import Input, InputLayer
from kernn.layers.lambda_layer import Lambda
from kernn.layers.layer import InputSpec, Layer
from kernn.layers.rnn import GRU, LSTM, Bidirectional, Embedding, Masking, SimpleRNN, TimeDistributed
from kernn.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from kernn.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                                  concatenate, dot, maximum, minimum, multiply, subtract)

__all__ = ["ELU", "Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec", "Layer",
           "LeakyReLU", "Permute", "ReLU", "RepeatVector", "Reshape", "Softmax"]
__all__ += ["Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Cropping1D", "Cropping2D", "DepthwiseConv2D",
            "SeparableConv2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D"]
__all__ += ["BatchNormalization", "LayerNormalization", "SpatialDropout1D", "SpatialDropout2D"]
__all__ += ["AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D", "GlobalAveragePooling1D",
            "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
            "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D"]
__all__ += ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
            "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]
__all__ += ["Lambda"]
__all__ += ["GRU", "LSTM", "Bidirectional", "Embedding", "Masking", "SimpleRNN", "TimeDistributed"]

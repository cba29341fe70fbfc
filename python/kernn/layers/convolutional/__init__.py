"""Convolution layers and the spatial reshaping layers that go with them."""
from kernn.layers.convolutional.conv1d import Conv1D
from kernn.layers.convolutional.conv2d import Conv2D
from kernn.layers.convolutional.conv_transpose import Conv1DTranspose, Conv2DTranspose
from kernn.layers.convolutional.depthwise_conv2d import DepthwiseConv2D, SeparableConv2D
from kernn.layers.convolutional.resizing import (Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D,
                                                  ZeroPadding2D)

__all__ = ["Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Cropping1D", "Cropping2D", "DepthwiseConv2D",
           "SeparableConv2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D"]

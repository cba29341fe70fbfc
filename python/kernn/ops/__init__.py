"""NumPy-in, NumPy-out access to kernn's C++ kernels.

This package is the only place that imports the extension `kernn._core`: one module per
kernel area coerces dtypes, checks shapes and gives the user-facing error messages; the
C++ kernels do the work.
"""
from kernn.ops.activations import (
    activation,
    activation_grad,
    bias_grad,
    log_softmax,
    log_softmax_grad,
    softmax,
    softmax_grad,
)
from kernn.ops.gemm import matmul
from kernn.ops.losses import binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy
from kernn.ops.rnn import (
    embedding_grad,
    embedding_lookup,
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    simple_rnn_backward,
    simple_rnn_forward,
)
from kernn.ops.optim import (
    adagrad_update,
    adam_update,
    adamax_update,
    nadam_update,
    rmsprop_update,
    sgd_update,
)

from kernn.ops.conv import (conv1d, conv1d_backward, conv1d_transpose, conv1d_transpose_backward, conv2d,
                            conv2d_backward, conv2d_transpose, conv2d_transpose_backward, cropping2d,
                            depthwise_conv2d, depthwise_conv2d_backward, upsampling2d, upsampling2d_backward,
                            zero_padding2d)
from kernn.ops.norm import (batch_norm_backward, batch_norm_inference, batch_norm_train, layer_norm,
                            layer_norm_backward)
from kernn.ops.pool import (average_pool2d, global_pool, global_pool_backward, max_pool2d, pool1d,
                            pool1d_backward, pool2d, pool2d_backward)

__all__ = [
    "matmul",
    "activation",
    "activation_grad",
    "bias_grad",
    "log_softmax",
    "log_softmax_grad",
    "softmax",
    "softmax_grad",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "adagrad_update",
    "adam_update",
    "adamax_update",
    "nadam_update",
    "rmsprop_update",
    "sgd_update",
]
__all__ += ["conv1d", "conv1d_backward", "conv1d_transpose", "conv1d_transpose_backward", "conv2d",
            "conv2d_backward", "conv2d_transpose", "conv2d_transpose_backward", "cropping2d", "depthwise_conv2d",
            "depthwise_conv2d_backward", "upsampling2d", "upsampling2d_backward", "zero_padding2d"]
__all__ += ["batch_norm_backward", "batch_norm_inference", "batch_norm_train", "layer_norm", "layer_norm_backward"]
__all__ += ["average_pool2d", "global_pool", "global_pool_backward", "max_pool2d", "pool1d", "pool1d_backward",
            "pool2d", "pool2d_backward"]
__all__ += ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward", "gru_forward",
            "gru_backward", "embedding_lookup", "embedding_grad"]

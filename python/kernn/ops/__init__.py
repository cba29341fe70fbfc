"""NumPy-in, NumPy-out access to kernn's C++ kernels.

This package is the only place that imports the extension `kernn._core`: one module per
kernel area coerces dtypes, checks shapes and gives the user-facing error messages; the
C++ kernels do the work.
"""
from kernn.ops.gemm import matmul
from kernn.ops.rnn import (gru_backward, gru_forward, lstm_backward, lstm_forward, simple_rnn_backward,
                           simple_rnn_forward)

__all__ = ["matmul"]
__all__ += ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward", "gru_forward",
            "gru_backward"]

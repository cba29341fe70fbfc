"""NumPy-in, NumPy-out access to kernn's C++ kernels.

This package is the only place that imports the extension `kernn._core`: one module per
kernel area coerces dtypes, checks shapes and gives the user-facing error messages; the
C++ kernels do the work.
"""
from kernn.ops.gemm import matmul

__all__ = ["matmul"]

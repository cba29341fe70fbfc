"""Reference GEMM with the epilogue: act(alpha * op(A) @ op(B) + beta * C + bias)."""
import numpy as np


def activation(x, name):
    if name in (None, "linear"):
        return x
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    raise ValueError(name)


def gemm(a, b, *, transpose_a=False, transpose_b=False, alpha=1.0, beta=0.0, c=None, bias=None,
         activation_name=None):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    out = alpha * np.matmul(a, b)
    if c is not None and beta != 0.0:
        out = out + beta * np.asarray(c, dtype=np.float64)
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return activation(out, activation_name)


def gemm_backward(a, b, grad_out):
    """Gradients of sum(grad_out * (a @ b)) with respect to a and b (no epilogue)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    g = np.asarray(grad_out, dtype=np.float64)
    return g @ b.T, a.T @ g

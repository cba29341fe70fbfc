"""Reference activations of Keras 3 and their derivatives, in float64, from the definitions."""
import math

import numpy as np

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_erfc = np.vectorize(math.erfc, otypes=[np.float64])

ELEMENTWISE = ("linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "gelu_tanh", "silu", "softplus",
               "softsign", "hard_sigmoid", "hard_silu", "exponential", "sigmoid", "tanh", "mish", "log_sigmoid",
               "celu", "squareplus", "soft_shrink", "hard_shrink", "hard_tanh", "tanh_shrink", "sparse_plus",
               "sparse_sigmoid")


def _sigmoid(x):
    # e^-|x| form: no overflow at either end
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _ncdf(x):
    return 0.5 * _erfc(-x / math.sqrt(2.0))


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's ReLU.static_call, step by step."""
    pos = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        pos = np.clip(pos, 0.0, max_value)
    if negative_slope != 0.0:
        pos = pos - negative_slope * np.maximum(threshold - x, 0.0)
    return pos


def forward(x, name, **p):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if name == "linear":
            return x.copy()
        if name == "relu":
            return relu(x, **p)
        if name == "relu6":
            return np.clip(x, 0.0, 6.0)
        if name == "leaky_relu":
            return np.where(x > 0, x, p.get("negative_slope", 0.2) * x)
        if name == "elu":
            return np.where(x > 0, x, p.get("alpha", 1.0) * np.expm1(np.minimum(x, 0.0)))
        if name == "selu":
            return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))
        if name == "gelu":
            return x * _ncdf(x)
        if name == "gelu_tanh":
            # 0.5 x (1 + tanh(u)), with 1 + tanh(u) = 2 sigmoid(2u) (no cancellation for x << 0)
            return x * _sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3))
        if name == "silu":
            return x * _sigmoid(x)
        if name == "softplus":
            return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
        if name == "softsign":
            return x / (1.0 + np.abs(x))
        if name == "hard_sigmoid":
            return np.clip(x + 3.0, 0.0, 6.0) / 6.0
        if name == "hard_silu":
            return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0
        if name == "exponential":
            return np.exp(x)
        if name == "sigmoid":
            return _sigmoid(x)
        if name == "tanh":
            return np.tanh(x)
        if name == "mish":
            return x * np.tanh(np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))
        if name == "log_sigmoid":
            return -(np.maximum(-x, 0.0) + np.log1p(np.exp(-np.abs(x))))
        if name == "celu":
            a = p.get("alpha", 1.0)
            return np.maximum(x, 0.0) + np.minimum(0.0, a * np.expm1(np.minimum(x, 0.0) / a))
        if name == "squareplus":
            b = p.get("b", 4.0)
            s = np.sqrt(x * x + b)
            return np.where(x < 0, b / (s - x), x + s) / 2  # x + s = b / (s - x) for x < 0
        if name == "soft_shrink":
            t = p.get("threshold", 0.5)
            return np.where(x > t, x - t, np.where(x < -t, x + t, 0.0))
        if name == "hard_shrink":
            t = p.get("threshold", 0.5)
            return np.where(np.abs(x) > t, x, 0.0)
        if name == "hard_tanh":
            return np.clip(x, -1.0, 1.0)
        if name == "tanh_shrink":
            # x - tanh(x) cancels near 0 even in float64 (relative error ~1e-16 / x^2): use
            # the series there
            x2 = x * x
            series = x * x2 * (1 / 3 - x2 * (2 / 15 - x2 * (17 / 315 - x2 * (62 / 2835 - x2 * 1382 / 155925))))
            return np.where(np.abs(x) < 1e-2, series, x - np.tanh(x))
        if name == "sparse_plus":
            return np.where(x >= 1, x, np.where(x <= -1, 0.0, (x + 1) ** 2 / 4))
        if name == "sparse_sigmoid":
            return np.clip((x + 1) / 2, 0.0, 1.0)
    raise ValueError(name)


def derivative(x, name, **p):
    """d forward / dx element-wise (one-sided choices at the kinks: the right-hand side is
    used only strictly inside each piece)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if name == "linear":
            return np.ones_like(x)
        if name == "relu":
            thr, slope, mx = p.get("threshold", 0.0), p.get("negative_slope", 0.0), p.get("max_value")
            d = np.where(x > thr, 1.0, 0.0)
            if mx is not None:
                d = np.where((x > mx) | (x < 0), 0.0, d)
            return d + np.where(x < thr, slope, 0.0)
        if name == "relu6":
            return np.where((x > 0) & (x < 6), 1.0, 0.0)
        if name == "leaky_relu":
            return np.where(x > 0, 1.0, p.get("negative_slope", 0.2))
        if name == "elu":
            return np.where(x > 0, 1.0, p.get("alpha", 1.0) * np.exp(np.minimum(x, 0.0)))
        if name == "selu":
            return SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0)))
        if name == "gelu":
            return _ncdf(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        if name == "gelu_tanh":
            c = math.sqrt(2.0 / math.pi)
            s = _sigmoid(2.0 * c * (x + 0.044715 * x**3))  # 0.5 (1 + tanh u)
            d = s + x * 2.0 * s * (1.0 - s) * c * (1.0 + 3 * 0.044715 * x * x)
            return np.where(np.abs(x) > 10, np.where(x > 0, 1.0, 0.0), d)
        if name == "silu":
            s = _sigmoid(x)
            return s * (1.0 + x * (1.0 - s))
        if name == "softplus":
            return _sigmoid(x)
        if name == "softsign":
            return 1.0 / (1.0 + np.abs(x)) ** 2
        if name == "hard_sigmoid":
            return np.where((x > -3) & (x < 3), 1.0 / 6.0, 0.0)
        if name == "hard_silu":
            return np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (2.0 * x + 3.0) / 6.0))
        if name == "exponential":
            return np.exp(x)
        if name == "sigmoid":  # s (1 - s) = e / (1 + e)^2 with e = exp(-|x|): no cancellation
            e = np.exp(-np.abs(x))
            return e / (1.0 + e) ** 2
        if name == "tanh":  # 1 - tanh^2 = 4 e / (1 + e)^2 with e = exp(-2|x|)
            e = np.exp(-2.0 * np.abs(x))
            return 4.0 * e / (1.0 + e) ** 2
        if name == "mish":
            sp = np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
            t = np.tanh(sp)
            return t + x * (1 - t * t) * _sigmoid(x)
        if name == "log_sigmoid":
            return _sigmoid(-x)
        if name == "celu":
            a = p.get("alpha", 1.0)
            return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0) / a))
        if name == "squareplus":
            b = p.get("b", 4.0)
            s = np.sqrt(x * x + b)
            return np.where(x < 0, b / ((s - x) * s), 1 + x / s) / 2
        if name in ("soft_shrink", "hard_shrink"):
            return np.where(np.abs(x) > p.get("threshold", 0.5), 1.0, 0.0)
        if name == "hard_tanh":
            return np.where(np.abs(x) > 1, 0.0, 1.0)
        if name == "tanh_shrink":
            return np.tanh(x) ** 2
        if name == "sparse_plus":
            return np.where(x >= 1, 1.0, np.where(x <= -1, 0.0, (x + 1) / 2))
        if name == "sparse_sigmoid":
            return np.where(np.abs(x) >= 1, 0.0, 0.5)
    raise ValueError(name)


def backward(x, grad, name, **p):
    """dL/dx = grad * act'(x)."""
    return np.asarray(grad, dtype=np.float64) * derivative(x, name, **p)


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True, initial=-np.inf))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    z = x - x.max(axis=-1, keepdims=True, initial=-np.inf)
    with np.errstate(divide="ignore"):
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax_backward(y, grad):
    """Jacobian-vector product of softmax, from its output: dx_i = y_i (g_i - sum_j g_j y_j)."""
    y, grad = np.asarray(y, np.float64), np.asarray(grad, np.float64)
    return y * (grad - (grad * y).sum(axis=-1, keepdims=True))


def log_softmax_backward(y, grad):
    """dx_i = g_i - softmax_i * sum_j g_j, with softmax = exp(log_softmax output)."""
    y, grad = np.asarray(y, np.float64), np.asarray(grad, np.float64)
    return grad - np.exp(y) * grad.sum(axis=-1, keepdims=True)


def bias_grad(g):
    g = np.asarray(g, np.float64)
    return g.reshape(int(np.prod(g.shape[:-1])), g.shape[-1]).sum(axis=0)

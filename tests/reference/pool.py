"""Reference pooling in float64: explicit loops over windows; cells outside the input are
ignored (Keras's same padding: average over the cells inside)."""
import numpy as np

from reference.conv import conv_axis


def _windows(x_shape, pool, strides, padding):
    _, h, w, _ = x_shape
    oh, pt, _ = conv_axis(h, pool[0], strides[0], 1, padding)
    ow, pl, _ = conv_axis(w, pool[1], strides[1], 1, padding)
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * strides[0] - pt, ox * strides[1] - pl
            yield oy, ox, slice(max(y0, 0), min(y0 + pool[0], h)), slice(max(x0, 0), min(x0 + pool[1], w))


def _out_shape(x_shape, pool, strides, padding):
    n, h, w, c = x_shape
    return (n, conv_axis(h, pool[0], strides[0], 1, padding)[0], conv_axis(w, pool[1], strides[1], 1, padding)[0], c)


def pool2d(x, pool, strides, padding, mode):
    x = np.asarray(x, np.float64)
    y = np.zeros(_out_shape(x.shape, pool, strides, padding))
    for oy, ox, ys, xs in _windows(x.shape, pool, strides, padding):
        win = x[:, ys, xs, :]
        y[:, oy, ox] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return y


def pool2d_backward(x, grad, pool, strides, padding, mode):
    """Max: each gradient goes to the first maximum of its window (row-major order)."""
    x = np.asarray(x, np.float64)
    grad = np.asarray(grad, np.float64)
    dx = np.zeros_like(x)
    for oy, ox, ys, xs in _windows(x.shape, pool, strides, padding):
        win = x[:, ys, xs, :]
        wh, ww = win.shape[1:3]
        if mode == "max":
            first = win.reshape(x.shape[0], wh * ww, x.shape[3]).argmax(axis=1)  # (n, c): first maximum
            for n in range(x.shape[0]):
                for c in range(x.shape[3]):
                    i, j = divmod(int(first[n, c]), ww)
                    dx[n, ys.start + i, xs.start + j, c] += grad[n, oy, ox, c]
        else:
            dx[:, ys, xs, :] += grad[:, oy, ox][:, None, None, :] / (wh * ww)
    return dx

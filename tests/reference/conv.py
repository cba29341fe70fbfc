"""Reference convolutions in float64: a loop over kernel taps of einsums over a zero-padded
input, written for clarity. Forward and backward (input, kernel and bias gradients)."""
import numpy as np


def conv_axis(size, k, s, d, padding):
    """Keras's (out, pad_before, pad_after) for one axis."""
    span = (k - 1) * d + 1
    if padding == "valid":
        out = (size - span) // s + 1 if size >= span else 0
        before = 0
    elif padding == "same":
        out = -(-size // s)
        total = max((out - 1) * s + span - size, 0)
        before = total // 2
    elif padding == "causal":
        out = -(-size // s)
        before = span - 1
    else:
        raise ValueError(padding)
    after = max((out - 1) * s + span - size - before, 0) if out > 0 else 0
    return out, before, after


def _geometry(x_shape, kernel_shape, strides, padding, dilation):
    n, h, w, c = x_shape
    kh, kw = kernel_shape[:2]
    oh, pt, pb = conv_axis(h, kh, strides[0], dilation[0], "valid" if padding == "causal" else padding)
    ow, pl, pr = conv_axis(w, kw, strides[1], dilation[1], padding)
    return oh, ow, (pt, pb), (pl, pr)


def _tap(xp, ky, kx, oh, ow, strides, dilation):
    """The input cells that kernel tap (ky, kx) meets, for every output position: (n, oh, ow, c)."""
    y0, x0 = ky * dilation[0], kx * dilation[1]
    return xp[:, y0:y0 + (oh - 1) * strides[0] + 1:strides[0], x0:x0 + (ow - 1) * strides[1] + 1:strides[1], :]


def conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid", dilation=(1, 1), groups=1):
    """y[n, oy, ox, o] = bias[o] + sum_{ky, kx, ci} xpad[n, oy*sh + ky*dh, ox*sw + kx*dw, g*cg + ci]
    * kernel[ky, kx, ci, o], with g the group of output channel o."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    kh, kw, cg, f = kernel.shape
    fg = f // groups
    oh, ow, ph, pw = _geometry(x.shape, kernel.shape, strides, padding, dilation)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    y = np.zeros((x.shape[0], oh, ow, f))
    if oh == 0 or ow == 0:
        return y
    for ky in range(kh):
        for kx in range(kw):
            patch = _tap(xp, ky, kx, oh, ow, strides, dilation)
            for g in range(groups):
                y[..., g * fg:(g + 1) * fg] += np.einsum(
                    "nhwc,cf->nhwf", patch[..., g * cg:(g + 1) * cg], kernel[ky, kx, :, g * fg:(g + 1) * fg])
    if bias is not None:
        y += np.asarray(bias, np.float64)
    return y


def conv2d_backward(x, kernel, grad, strides=(1, 1), padding="valid", dilation=(1, 1), groups=1):
    """(dx, dkernel, dbias) of sum(grad * conv2d(x, kernel, bias))."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    grad = np.asarray(grad, np.float64)
    kh, kw, cg, f = kernel.shape
    fg = f // groups
    oh, ow, ph, pw = _geometry(x.shape, kernel.shape, strides, padding, dilation)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    dxp = np.zeros_like(xp)
    dk = np.zeros_like(kernel)
    if oh > 0 and ow > 0:
        for ky in range(kh):
            for kx in range(kw):
                patch = _tap(xp, ky, kx, oh, ow, strides, dilation)
                dpatch = _tap(dxp, ky, kx, oh, ow, strides, dilation)  # a view: += writes into dxp
                for g in range(groups):
                    cs, fs = slice(g * cg, (g + 1) * cg), slice(g * fg, (g + 1) * fg)
                    dpatch[..., cs] += np.einsum("nhwf,cf->nhwc", grad[..., fs], kernel[ky, kx, :, fs])
                    dk[ky, kx, :, fs] += np.einsum("nhwc,nhwf->cf", patch[..., cs], grad[..., fs])
    h, w = x.shape[1:3]
    dx = dxp[:, ph[0]:ph[0] + h, pw[0]:pw[0] + w, :]
    return dx, dk, grad.sum(axis=(0, 1, 2))


def depthwise_conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """y[n, oy, ox, c*m + j] = bias + sum_{ky, kx} xpad[n, oy*sh + ky*dh, ox*sw + kx*dw, c] * kernel[ky, kx, c, j]."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    kh, kw, c, m = kernel.shape
    oh, ow, ph, pw = _geometry(x.shape, kernel.shape, strides, padding, dilation)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    y = np.zeros((x.shape[0], oh, ow, c, m))
    for ky in range(kh):
        for kx in range(kw):
            y += np.einsum("nhwc,cm->nhwcm", _tap(xp, ky, kx, oh, ow, strides, dilation), kernel[ky, kx])
    y = y.reshape(x.shape[0], oh, ow, c * m)
    return y if bias is None else y + np.asarray(bias, np.float64)


def depthwise_conv2d_backward(x, kernel, grad, strides=(1, 1), padding="valid", dilation=(1, 1)):
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    kh, kw, c, m = kernel.shape
    oh, ow, ph, pw = _geometry(x.shape, kernel.shape, strides, padding, dilation)
    g5 = np.asarray(grad, np.float64).reshape(x.shape[0], oh, ow, c, m)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    dxp = np.zeros_like(xp)
    dk = np.zeros_like(kernel)
    for ky in range(kh if oh > 0 and ow > 0 else 0):
        for kx in range(kw):
            _tap(dxp, ky, kx, oh, ow, strides, dilation)[...] += np.einsum("nhwcm,cm->nhwc", g5, kernel[ky, kx])
            dk[ky, kx] = np.einsum("nhwc,nhwcm->cm", _tap(xp, ky, kx, oh, ow, strides, dilation), g5)
    h, w = x.shape[1:3]
    return dxp[:, ph[0]:ph[0] + h, pw[0]:pw[0] + w, :], dk, g5.sum(axis=(0, 1, 2)).reshape(c * m)


def transpose_axis(size, k, s, d, padding, output_padding):
    """Keras's Conv*Transpose output length and the offset of its first output in the full
    scatter (the jax backend's padding conversion, restated)."""
    span = (k - 1) * d + 1
    if padding == "valid":
        extra = max(span, s) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    else:
        pad_len = s + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, span - 1)
        right = pad_len - left
    out = (size - 1) * s + 1 + left + right - span + 1
    return out, span - 1 - left


def conv2d_transpose(x, kernel, bias=None, strides=(1, 1), padding="valid", output_padding=None, dilation=(1, 1)):
    """Scatter form: input (i, j) adds x[n, i, j, c] * kernel[ky, kx, f, c] to output
    (i*sh + ky*dh - crop_h, j*sw + kx*dw - crop_w); kernel (kh, kw, filters, in)."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    n, h, w, _ = x.shape
    kh, kw, f, _ = kernel.shape
    op = (None, None) if output_padding is None else output_padding
    oh, ch = transpose_axis(h, kh, strides[0], dilation[0], padding, op[0])
    ow, cw = transpose_axis(w, kw, strides[1], dilation[1], padding, op[1])
    full_h = max((h - 1) * strides[0] + (kh - 1) * dilation[0] + 1, ch + oh)
    full_w = max((w - 1) * strides[1] + (kw - 1) * dilation[1] + 1, cw + ow)
    full = np.zeros((n, full_h, full_w, f))
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dilation[0], kx * dilation[1]
            full[:, y0:y0 + (h - 1) * strides[0] + 1:strides[0], x0:x0 + (w - 1) * strides[1] + 1:strides[1]] += \
                np.einsum("nhwc,fc->nhwf", x, kernel[ky, kx])
    y = full[:, ch:ch + oh, cw:cw + ow]
    return y if bias is None else y + np.asarray(bias, np.float64)


def conv2d_transpose_backward(x, kernel, grad, strides=(1, 1), padding="valid", output_padding=None,
                              dilation=(1, 1)):
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    grad = np.asarray(grad, np.float64)
    n, h, w, _ = x.shape
    kh, kw, f, _ = kernel.shape
    op = (None, None) if output_padding is None else output_padding
    oh, ch = transpose_axis(h, kh, strides[0], dilation[0], padding, op[0])
    ow, cw = transpose_axis(w, kw, strides[1], dilation[1], padding, op[1])
    full_h = max((h - 1) * strides[0] + (kh - 1) * dilation[0] + 1, ch + oh)
    full_w = max((w - 1) * strides[1] + (kw - 1) * dilation[1] + 1, cw + ow)
    gfull = np.zeros((n, full_h, full_w, f))
    gfull[:, ch:ch + oh, cw:cw + ow] = grad
    dx = np.zeros_like(x)
    dk = np.zeros_like(kernel)
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dilation[0], kx * dilation[1]
            gt = gfull[:, y0:y0 + (h - 1) * strides[0] + 1:strides[0], x0:x0 + (w - 1) * strides[1] + 1:strides[1]]
            dx += np.einsum("nhwf,fc->nhwc", gt, kernel[ky, kx])
            dk[ky, kx] = np.einsum("nhwc,nhwf->fc", x, gt)
    return dx, dk, grad.sum(axis=(0, 1, 2))


def _interp_matrix(n_in, n_out):
    """(n_out, n_in) bilinear weights with half-pixel centres, source clamped at 0."""
    a = np.zeros((n_out, n_in))
    for o in range(n_out):
        src = max((o + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = min(int(np.floor(src)), n_in - 1)
        i1 = min(i0 + 1, n_in - 1)
        t = src - i0
        a[o, i0] += 1 - t
        a[o, i1] += t
    return a


def resize_bilinear(x, out_h, out_w):
    x = np.asarray(x, np.float64)
    return np.einsum("ai,bj,nijc->nabc", _interp_matrix(x.shape[1], out_h), _interp_matrix(x.shape[2], out_w), x)


def resize_bilinear_backward(grad, in_h, in_w):
    grad = np.asarray(grad, np.float64)
    return np.einsum("ai,bj,nabc->nijc", _interp_matrix(in_h, grad.shape[1]), _interp_matrix(in_w, grad.shape[2]),
                     grad)

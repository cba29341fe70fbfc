"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot.

Each takes a list of inputs (Concatenate, Dot: tensors of compatible shapes) and returns
one tensor; backward returns the list of input gradients. The elementwise ones are NumPy on
float32 arrays; Dot's batched products run on kernn's GEMM (not NumPy's BLAS, whose
spinning threads would then compete with kernn's).
"""
import numpy as np

from kernn import ops
from kernn.layers.layer import Layer


def _shape_str(s):
    return str(tuple(s))


class Merge(Layer):
    """Base class of the elementwise merge layers (inputs of the same shape; a size-1 axis
    broadcasts, as in Keras)."""

    _multi_input = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._in_shapes = None

    def _check_list(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. Received: "
                             f"input_shape={input_shape} (not a list of shapes)")
        if len(input_shape) < 1:
            raise ValueError("A merge layer should be called on a list of at least 1 input. Got 0 inputs. "
                             f"Full input_shape received: {input_shape}")

    @staticmethod
    def _pair_shape(shape1, shape2):
        if shape1 is None or shape2 is None:
            return None
        shape1, shape2 = tuple(shape1), tuple(shape2)
        if len(shape1) < len(shape2):
            return Merge._pair_shape(shape2, shape1)
        if not shape2:
            return shape1
        out = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            else:
                if i != j:
                    raise ValueError(f"Inputs have incompatible shapes. Received shapes {shape1} and {shape2}")
                out.append(i)
        return tuple(out)

    def build(self, input_shape):
        self._check_list(input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        s = tuple(input_shape[0][1:])
        for other in input_shape[1:]:
            s = self._pair_shape(s, tuple(other[1:]))
        batches = {d[0] for d in input_shape if d[0] is not None}
        return ((batches.pop() if len(batches) == 1 else None),) + tuple(s)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError("`mask` should be a list of the same length as `inputs`.")
        ms = [m for m in mask if m is not None]
        if not ms:
            return None
        out = np.ones_like(ms[0], dtype=bool)
        for m in ms:
            out = out & np.asarray(m, dtype=bool)
        return out

    def forward(self, x, training=False, mask=None):
        if not isinstance(x, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. Received: "
                             f"inputs={x} (not a list of tensors)")
        xs = [np.asarray(a, dtype=np.float32) for a in x]
        self._in_shapes = [a.shape for a in xs]
        return self._merge(xs)

    def call(self, inputs, training=False, mask=None):
        return self.forward(inputs, training=training, mask=mask)

    def backward(self, grad):
        grads = self._merge_grads(np.asarray(grad, dtype=np.float32))
        return [_unbroadcast(g, s) for g, s in zip(grads, self._in_shapes)]


def _unbroadcast(g, shape):
    """Sum `g` over the axes broadcast to reach its shape from `shape`."""
    if g.shape == tuple(shape):
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=1) if g.ndim > 1 else g.sum(axis=0)
    axes = tuple(i for i, (a, b) in enumerate(zip(g.shape, shape)) if b == 1 and a != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.astype(np.float32, copy=False)


class Add(Merge):
    """Adds a list of inputs (all of the same shape)."""

    def _merge(self, xs):
        out = xs[0].copy() if len(xs) == 1 else xs[0] + xs[1]
        for a in xs[2:]:
            out += a
        return out

    def _merge_grads(self, g):
        return [g] * len(self._in_shapes)


class Subtract(Merge):
    """Subtracts the second input from the first (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: "
                             f"input_shape={input_shape}")

    def _merge(self, xs):
        if len(xs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: {len(xs)} inputs")
        return xs[0] - xs[1]

    def _merge_grads(self, g):
        return [g, -g]


class Multiply(Merge):
    """Multiplies a list of inputs elementwise."""

    def _merge(self, xs):
        self._xs = xs
        out = xs[0].copy()
        for a in xs[1:]:
            out = out * a
        return out

    def _merge_grads(self, g):
        grads = []
        for i in range(len(self._xs)):
            gi = g
            for j, a in enumerate(self._xs):
                if j != i:
                    gi = gi * a
            grads.append(gi)
        return grads


class Average(Merge):
    """The elementwise mean of a list of inputs."""

    def _merge(self, xs):
        out = xs[0].copy() if len(xs) == 1 else xs[0] + xs[1]
        for a in xs[2:]:
            out += a
        return out / np.float32(len(xs))

    def _merge_grads(self, g):
        return [g / np.float32(len(self._in_shapes))] * len(self._in_shapes)


class _Extremum(Merge):
    _fn = None

    def _merge(self, xs):
        b = np.broadcast_arrays(*xs)
        stack = np.stack(b, axis=0)
        self._which = self._arg(stack)  # index of the input that gave each output (first on ties)
        return np.take_along_axis(stack, self._which[None], axis=0)[0]

    def _merge_grads(self, g):
        return [np.where(self._which == i, g, np.float32(0)).astype(np.float32) for i in range(len(self._in_shapes))]


class Maximum(_Extremum):
    """The elementwise maximum of a list of inputs (the gradient goes to the first maximum)."""

    @staticmethod
    def _arg(stack):
        return np.argmax(stack, axis=0)


class Minimum(_Extremum):
    """The elementwise minimum of a list of inputs (the gradient goes to the first minimum)."""

    @staticmethod
    def _arg(stack):
        return np.argmin(stack, axis=0)


class Concatenate(Merge):
    """Concatenates a list of inputs along `axis`.

    Args:
        axis: concatenation axis. Defaults to `-1`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Concatenate()([np.ones((2, 3)), np.zeros((2, 1))]).shape
    (2, 4)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)) or len(input_shape) < 1:
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 input. Received: "
                             f"input_shape={input_shape}")
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs. Received: "
                             f"input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        ax = self.axis % rank if -rank <= self.axis < rank else None
        if ax is None or any(len(s) != rank for s in shapes):
            raise ValueError("A `Concatenate` layer requires inputs with matching shapes except for the "
                             f"concatenation axis. Received: input_shape={input_shape}")
        out = list(shapes[0])
        for s in shapes[1:]:
            for i in range(rank):
                if i == ax:
                    continue
                if out[i] is None:
                    out[i] = s[i]
                elif s[i] is not None and s[i] != out[i]:
                    raise ValueError("A `Concatenate` layer requires inputs with matching shapes except for the "
                                     f"concatenation axis. Received: input_shape={input_shape}")
        sizes = [s[ax] for s in shapes]
        out[ax] = None if any(d is None for d in sizes) else int(sum(sizes))
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        ms = [np.ones(np.shape(x)[:-1], dtype=bool) if m is None else np.asarray(m, dtype=bool)
              for x, m in zip(inputs, mask)]
        if self.axis in (-1, len(np.shape(inputs[0])) - 1):
            out = ms[0]
            for m in ms[1:]:
                out = out & m
            return out
        return np.concatenate(ms, axis=self.axis)

    def _merge(self, xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, grad):
        grad = np.asarray(grad, dtype=np.float32)
        ax = self.axis % grad.ndim
        cuts = np.cumsum([s[ax] for s in self._in_shapes])[:-1]
        return [np.ascontiguousarray(p) for p in np.split(grad, cuts, axis=ax)]

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """The dot product of two samples' tensors along `axes` (batch_dot), for inputs of rank 2 or 3.

    Args:
        axes: an int or a pair of ints, the axis of each input to contract.
        normalize: L2-normalize each input along its axis first (the result is then the
            cosine similarity). Defaults to `False`.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise TypeError(f"Invalid format for argument `axes`: expected an int or a list/tuple of 2 ints. "
                                f"Received: axes={axes}")
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _axes_for(self, shape1, shape2):
        if isinstance(self.axes, int):
            a = [self.axes % len(shape1) if self.axes < 0 else self.axes,
                 self.axes % len(shape2) if self.axes < 0 else self.axes]
        else:
            a = [self.axes[0] % len(shape1) if self.axes[0] < 0 else self.axes[0],
                 self.axes[1] % len(shape2) if self.axes[1] < 0 else self.axes[1]]
        return a

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        shape1, shape2 = tuple(input_shape[0]), tuple(input_shape[1])
        if len(shape1) not in (2, 3) or len(shape2) not in (2, 3):
            raise ValueError(f"kernn's `Dot` layer supports inputs of rank 2 or 3. Received: "
                             f"input_shape={input_shape}")
        a = self._axes_for(shape1, shape2)
        if a[0] == 0 or a[1] == 0:
            raise ValueError(f"Cannot perform batch_dot over axis 0 (the batch axis). Received: axes={self.axes}")
        if shape1[a[0]] is not None and shape2[a[1]] is not None and shape1[a[0]] != shape2[a[1]]:
            raise ValueError(f"Incompatible input shapes: axis values {shape1[a[0]]} (at axis {a[0]}) != "
                             f"{shape2[a[1]]} (at axis {a[1]}). Full input shapes: {shape1}, {shape2}")
        s1 = [d for i, d in enumerate(shape1) if i != a[0]]
        s2 = [d for i, d in enumerate(shape2) if i != a[1]][1:]
        out = tuple(s1 + s2)
        if len(out) == 1:
            out += (1,)
        return out

    def compute_mask(self, inputs, mask=None):
        return None

    def _merge(self, xs):
        if len(xs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: {len(xs)} inputs")
        x, y = xs
        a = self._axes_for(x.shape, y.shape)
        self._a = a
        self._norms = [None, None]
        if self.normalize:
            x, y = self._l2(x, a[0], 0), self._l2(y, a[1], 1)
        xp = np.moveaxis(x, a[0], -1)
        yp = np.moveaxis(y, a[1], 1)
        if xp.ndim == 2:
            xp = xp[:, None, :]
        if yp.ndim == 2:
            yp = yp[:, :, None]
        self._xp, self._yp = xp, yp
        out = ops.matmul(xp, yp)
        return out.reshape((x.shape[0],) + self.compute_output_shape([x.shape, y.shape])[1:]).astype(np.float32)

    def _l2(self, x, axis, i):
        sq = np.sum(x * x, axis=axis, keepdims=True)
        norm = np.sqrt(np.maximum(sq, np.float32(1e-12)))
        xn = x / norm
        self._norms[i] = (xn, norm, sq >= 1e-12, axis)
        return xn

    def backward(self, grad):
        xp, yp = self._xp, self._yp
        g = np.asarray(grad, dtype=np.float32).reshape(xp.shape[0], xp.shape[1], yp.shape[2])
        dxp = ops.matmul(g, yp, transpose_b=True)
        dyp = ops.matmul(xp, g, transpose_a=True)
        sx, sy = self._in_shapes
        a = self._a
        if len(sx) == 2:
            dxp = dxp[:, 0, :]
        if len(sy) == 2:
            dyp = dyp[:, :, 0]
        dx = np.moveaxis(dxp, -1, a[0])
        dy = np.moveaxis(dyp, 1, a[1])
        out = []
        for d, nrm in zip((dx, dy), self._norms):
            if nrm is not None:
                xn, norm, active, axis = nrm
                d = np.where(active, (d - xn * np.sum(d * xn, axis=axis, keepdims=True)) / norm, d / norm)
            out.append(np.ascontiguousarray(d, dtype=np.float32))
        return out

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)

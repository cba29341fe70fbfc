"""Weight initializers with Keras 3's names, arguments, defaults and fan computation.

`get(identifier)` turns a name ("glorot_uniform", "he_normal", "zeros", ...), a config
dict, a class or a callable into a callable `init(shape, dtype="float32") -> ndarray`.

Seeds follow Keras 3: an initializer built with `seed=n` (or without a seed, which then
draws one from kernn's global generator when it is created) returns the same values on
every call; after `kernn.utils.set_random_seed(n)` the drawn seeds repeat.
"""
import math

import numpy as np

from kernn.utils import random as _random


def compute_fans(shape):
    """(fan_in, fan_out) as Keras: a conv kernel (..., in, out) counts its receptive field."""
    shape = tuple(int(s) for s in shape)
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive = 1
        for d in shape[:-2]:
            receptive *= d
        fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    return int(fan_in), int(fan_out)


def _standardize_shape(shape):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise ValueError(f"Cannot convert '{shape}' to a shape.") from None
    for s in shape:
        if s < 0:
            raise ValueError(f"Negative dimensions are not allowed. Received: shape={shape}")
    return shape


def _check_dtype(dtype):
    dtype = "float32" if dtype is None else np.dtype(dtype).name
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"Expected a floating dtype for an initializer. Received: dtype={dtype}")
    return dtype


def _check_seed(seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"`seed` argument should be an instance of `int` or `None`. Received: seed={seed!r}"
        )
    return int(seed)


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"Initializer {self.__class__.__name__} does not implement __call__.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.__class__.__name__}({args})"


class RandomInitializer(Initializer):
    def __init__(self, seed=None):
        self._init_seed = _check_seed(seed)
        self.seed = self._init_seed if self._init_seed is not None else _random.make_default_seed()

    def _rng(self):
        return np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self._init_seed}


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_standardize_shape(shape), dtype=_check_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(_standardize_shape(shape), dtype=_check_dtype(dtype))


class Constant(Initializer):
    """A constant (scalar, or an array broadcast to the shape).

    Args:
        value: the constant. Defaults to `0.0`.
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape)
        return np.broadcast_to(np.asarray(self.value, dtype=_check_dtype(dtype)), shape).copy()

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        return {"value": value}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes; non-square gives ones on the diagonal).

    Args:
        gain: multiplicative factor. Defaults to `1.0`.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        return (self.gain * np.eye(*shape)).astype(_check_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class RandomNormal(RandomInitializer):
    """Normal distribution.

    Args:
        mean: Defaults to `0.0`.
        stddev: Defaults to `0.05`.
        seed: integer seed or `None`. Defaults to `None`.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        x = self._rng().normal(self.mean, self.stddev, _standardize_shape(shape))
        return x.astype(_check_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Uniform distribution on [minval, maxval).

    Args:
        minval: Defaults to `-0.05`.
        maxval: Defaults to `0.05`.
        seed: integer seed or `None`. Defaults to `None`.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        x = self._rng().uniform(self.minval, self.maxval, _standardize_shape(shape))
        return x.astype(_check_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


def _truncated_normal(rng, shape, mean, stddev):
    """Normal samples redrawn until within two standard deviations of the mean."""
    n = int(np.prod(shape)) if shape else 1
    out = rng.standard_normal(n)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return (mean + stddev * out).reshape(shape)


class TruncatedNormal(RandomInitializer):
    """Normal distribution with values beyond two standard deviations redrawn.

    Args:
        mean: Defaults to `0.0`.
        stddev: Defaults to `0.05`.
        seed: integer seed or `None`. Defaults to `None`.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        x = _truncated_normal(self._rng(), _standardize_shape(shape), self.mean, self.stddev)
        return x.astype(_check_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Samples scaled to the fan of the weight (Keras 3 rules).

    With `mode="fan_in"` the variance is `scale / fan_in` (fan_out, or their average, for
    the other modes); "truncated_normal" draws a normal truncated at two standard
    deviations (stddev corrected by 0.8796...), "untruncated_normal" a plain normal,
    "uniform" draws from [-limit, limit] with limit = sqrt(3 * scale / fan).

    Args:
        scale: positive float. Defaults to `1.0`.
        mode: "fan_in", "fan_out" or "fan_avg". Defaults to `"fan_in"`.
        distribution: "truncated_normal", "untruncated_normal" or "uniform" ("normal"
            means "truncated_normal"). Defaults to `"truncated_normal"`.
        seed: integer seed or `None`. Defaults to `None`.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: expected one of {allowed_modes}. Received: mode={mode}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: expected one of {allowed}. Received: distribution={distribution}"
            )
        if input_axes is not None or output_axes is not None:
            # Keras 3.15 writes these (None by default) into saved configs; only the default fans exist here
            raise ValueError("kernn computes fans over Keras's default axes; `input_axes`/`output_axes` are not "
                             f"supported. Received: input_axes={input_axes}, output_axes={output_axes}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape)
        dtype = _check_dtype(dtype)
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            x = _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            x = rng.normal(0.0, math.sqrt(scale), shape)
        else:
            limit = math.sqrt(3.0 * scale)
            x = rng.uniform(-limit, limit, shape)
        return x.astype(dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


class _FixedVarianceScaling(VarianceScaling):
    _args = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self._args, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self._init_seed}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)).

    Args:
        seed: integer seed or `None`. Defaults to `None`.

    Example:

    >>> w = GlorotUniform(seed=0)((3, 5))
    >>> w.shape, w.dtype.name, bool(abs(w).max() <= (6 / 8) ** 0.5)
    ((3, 5), 'float32', True)
    """
    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal, stddev = sqrt(2 / (fan_in + fan_out)). Args: seed."""
    _args = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(6 / fan_in). Args: seed."""
    _args = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """Truncated normal, stddev = sqrt(2 / fan_in). Args: seed."""
    _args = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(3 / fan_in). Args: seed."""
    _args = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal, stddev = sqrt(1 / fan_in). Args: seed."""
    _args = (1.0, "fan_in", "truncated_normal")


def _qr(a):
    """Thin QR of a (n, m), n >= m. Small ones by Householder reflections written with einsum
    and outer products (NumPy's own loops): LAPACK's QR wakes OpenBLAS's thread pool, whose
    threads then spin for ~0.1 s beside kernn's and halve its speed in the first batches
    after a recurrent model is built. Large ones, where that is small next to the QR, by LAPACK."""
    n, m = a.shape
    if n * m * m > 2 ** 25:
        return np.linalg.qr(a)
    r = np.array(a, dtype=np.float64)
    vs = []
    for j in range(m):
        x = r[j:, j]
        v = x.copy()
        v[0] += np.copysign(np.sqrt(np.einsum("i,i->", x, x)), x[0])
        norm = np.sqrt(np.einsum("i,i->", v, v))
        if norm == 0.0:  # the column is already zero below the diagonal
            vs.append(None)
            continue
        v /= norm
        r[j:, j:] -= 2.0 * np.outer(v, np.einsum("i,ij->j", v, r[j:, j:]))
        vs.append(v)
    q = np.eye(n, m)
    for j in range(m - 1, -1, -1):  # Q = H_0 ... H_{m-1} [I; 0]
        if vs[j] is not None:
            q[j:, j:] -= 2.0 * np.outer(vs[j], np.einsum("i,ij->j", vs[j], q[j:, j:]))
    return q, np.triu(r[:m])


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (Keras 3): the shape is flattened to (prod(shape[:-1]), shape[-1]);
    rows are orthonormal when there are fewer rows than columns, else columns.

    Args:
        gain: multiplicative factor. Defaults to `1.0`.
        seed: integer seed or `None`. Defaults to `None`.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = _qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_check_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


_CLASSES = [Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, LecunNormal,
            LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal,
            VarianceScaling, Zeros]


def _snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({_snake(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({
    "constant": Constant, "identity": Identity, "IdentityInitializer": Identity,
    "orthogonal": Orthogonal, "OrthogonalInitializer": Orthogonal,
    "zeros": Zeros, "ones": Ones, "zero": Zeros, "one": Ones, "uniform": RandomUniform, "normal": RandomNormal,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
})


def serialize(initializer):
    """`{"module", "class_name", "config", "registered_name"}` as Keras 3 writes it."""
    if initializer is None:
        return None
    name = initializer.__class__.__name__
    name = {"Orthogonal": "OrthogonalInitializer", "Identity": "IdentityInitializer"}.get(name, name)
    return {"module": "keras.initializers", "class_name": name,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config):
    """The initializer a `serialize` dict (or a bare name) describes."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret initializer identifier: {config}")
    cls = ALL_OBJECTS_DICT.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Could not interpret initializer identifier: {config['class_name']}")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """An initializer from a name, config dict, class, instance or callable (None -> None)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier)
        if cls is None:
            raise ValueError(
                f"Could not interpret initializer identifier: {identifier}. Expected one of: "
                + ", ".join(sorted(k for k in ALL_OBJECTS_DICT if k.islower()))
            )
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


# Keras's lowercase function-style aliases.
constant, zeros, ones, identity, orthogonal = Constant, Zeros, Ones, Identity, Orthogonal
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling

__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
           "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "RandomNormal",
           "RandomUniform", "TruncatedNormal", "VarianceScaling", "Zeros", "compute_fans",
           "deserialize", "get", "serialize"]

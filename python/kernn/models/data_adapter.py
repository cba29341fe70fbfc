"""Batching of what fit/evaluate/predict accept: NumPy arrays, Python generators and
iterables of batches, and Sequence-like objects (`__len__` + `__getitem__` batches)."""
import math
import warnings

import numpy as np


def is_array_like(x):
    return isinstance(x, (np.ndarray, list, tuple)) or (hasattr(x, "__array__") and not hasattr(x, "__next__"))


def is_sequence_like(x):
    """A keras.utils.Sequence/PyDataset-like object: random access to whole batches."""
    return (not isinstance(x, (np.ndarray, list, tuple, dict)) and hasattr(x, "__len__")
            and hasattr(x, "__getitem__"))


def is_batch_stream(x):
    return (not isinstance(x, (np.ndarray, list, tuple, dict, str)) and not is_sequence_like(x)
            and (hasattr(x, "__next__") or hasattr(x, "__iter__")))


def as_array(x, name):
    """`x` as a C-contiguous ndarray; float inputs become float32."""
    if x is None:
        return None
    try:
        arr = np.asarray(x)
    except ValueError:
        arr = None
    if arr is None or arr.dtype == object:
        raise ValueError(f"Could not convert `{name}` to a numeric array (several inputs or outputs need a "
                         f"functional model with as many inputs/outputs). Received: {name} of type "
                         f"{type(x).__name__}")
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    elif arr.dtype.kind == "b":
        arr = arr.astype(np.float32)
    return np.ascontiguousarray(arr)


def unpack(batch):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                         f"found a tuple of length {len(batch)}.")
    return batch, None, None


def num_samples(x):
    """Number of samples of an array or of a list of arrays (several model inputs)."""
    if isinstance(x, list):
        return len(x[0]) if x else 0
    return len(x)


def _leaves(a):
    return [] if a is None else ([b for b in a if b is not None] if isinstance(a, list) else [a])


def check_cardinality(**arrays):
    sizes = {}
    for k, v in arrays.items():
        for i, a in enumerate(_leaves(v)):
            sizes[k if not isinstance(v, list) else f"{k}[{i}]"] = len(a)
    if len(set(sizes.values())) > 1:
        msg = "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."
        for k, n in sizes.items():
            msg += f"\n'{k}' sizes: {n}"
        raise ValueError(msg)


def train_validation_split(arrays, validation_split):
    """(train arrays, validation arrays): the LAST `validation_split` fraction, unshuffled."""
    n = num_samples(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation and "
            f"training set as specified by `validation_split={validation_split}`. Either provide more data, or a "
            "different value for the `validation_split` argument."
        )
    train = tuple(_slice(a, slice(None, split_at)) for a in arrays)
    val = tuple(_slice(a, slice(split_at, None)) for a in arrays)
    return train, val


def _slice(a, sl):
    if a is None:
        return None
    if isinstance(a, list):
        return [None if b is None else b[sl] for b in a]
    return a[sl]


def class_weight_to_sample_weight(y, class_weight):
    y = np.asarray(y)
    labels = np.argmax(y, axis=-1) if (y.ndim > 1 and y.shape[-1] > 1) else y.reshape(len(y), -1)[:, 0]
    labels = np.round(labels).astype(np.int64)
    top = int(labels.max()) if labels.size else -1
    keys = {int(k) for k in class_weight}
    missing = [c for c in range(top + 1) if c not in keys]
    if missing:
        raise ValueError("Expected `class_weight` to be a dict with keys from 0 to one less than the number of "
                         f"classes, found {class_weight}")
    table = np.zeros(max(top + 1, max(keys) + 1 if keys else 0), dtype=np.float32)
    for k, v in class_weight.items():
        table[int(k)] = v
    return table[labels]


class ArrayBatches:
    """Batches of in-memory arrays. Shuffling copies the arrays once per epoch into reused
    buffers so every batch is a contiguous view (no allocation per step)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None, rng=None):
        self._struct = [len(a) if isinstance(a, list) else None for a in (x, y, sample_weight)]
        self.arrays = []
        for a in (x, y, sample_weight):
            self.arrays += list(a) if isinstance(a, list) else [a]
        self.n = num_samples(x)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.num_batches = int(math.ceil(self.n / self.batch_size)) if self.n else 0
        self.steps = int(steps) if steps is not None else self.num_batches
        self._fixed_steps = steps is not None
        self._rng = rng
        self._buffers = None
        self._views = self.arrays
        self._pos = self.num_batches  # batches left over from a previous epoch (steps_per_epoch)

    def _new_pass(self):
        if self.shuffle and self.n > 1:
            rng = self._rng if self._rng is not None else np.random.default_rng()
            perm = rng.permutation(self.n)
            if self._buffers is None:
                self._buffers = [None if a is None else np.empty_like(a) for a in self.arrays]
            for a, b in zip(self.arrays, self._buffers):
                if a is not None:
                    np.take(a, perm, axis=0, out=b)
            self._views = self._buffers
        else:
            self._views = self.arrays
        self._pos = 0

    def _batch(self, i):
        lo, hi = i * self.batch_size, min(self.n, (i + 1) * self.batch_size)
        flat = [None if a is None else a[lo:hi] for a in self._views]
        out, pos = [], 0
        for k in self._struct:
            if k is None:
                out.append(flat[pos])
                pos += 1
            else:
                out.append(flat[pos:pos + k])
                pos += k
        return tuple(out)

    def __iter__(self):
        if not self._fixed_steps:
            self._new_pass()
            for i in range(self.num_batches):
                yield self._batch(i)
            return
        for _ in range(self.steps):
            if self._pos >= self.num_batches:
                self._new_pass()
            self._pos += 1
            yield self._batch(self._pos - 1)


class SequenceBatches:
    """Batches of a Sequence-like object: `len(seq)` batches, `seq[i]` each."""

    def __init__(self, seq, steps=None):
        self.seq = seq
        self.steps = int(steps) if steps is not None else len(seq)

    def __iter__(self):
        for i in range(min(self.steps, len(self.seq))):
            yield unpack(self.seq[i])
        end = getattr(self.seq, "on_epoch_end", None)
        if callable(end):
            end()


class StreamBatches:
    """Batches drawn from a Python generator or iterable; `steps` per epoch when given,
    else until it is exhausted."""

    def __init__(self, stream, steps=None):
        self.stream = stream
        self.steps = int(steps) if steps is not None else None
        self._it = iter(stream)
        self.exhausted = False

    def __iter__(self):
        count = 0
        fresh = False
        while self.steps is None or count < self.steps:
            try:
                batch = next(self._it)
            except StopIteration:
                restart = iter(self.stream)
                self._it = restart
                if restart is self.stream or fresh:  # a generator: exhausted for good
                    if count == 0 or self.steps is not None:
                        self.exhausted = True
                        warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                                      "dataset or generator can generate at least `steps_per_epoch * epochs` "
                                      "batches.", UserWarning, stacklevel=4)
                    return
                if self.steps is None:  # a re-iterable: one pass per epoch
                    return
                fresh = True
                continue
            fresh = False
            count += 1
            yield unpack(batch)


def make_batches(x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None, rng=None):
    if is_sequence_like(x):
        return SequenceBatches(x, steps)
    if is_batch_stream(x):
        return StreamBatches(x, steps)
    return ArrayBatches(x, y, sample_weight, batch_size, shuffle, steps, rng)

"""`PyDataset` (alias `Sequence`): a batch source that `fit` reads by index, as keras.utils.PyDataset."""
import numpy as np


class PyDataset:
    """Base class for defining a dataset that yields whole batches by index.

    Every `PyDataset` must implement `__getitem__(index)`, returning a complete
    batch (`x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`), and `__len__()`,
    returning the number of batches per epoch. `fit` calls `on_epoch_begin()`
    before and `on_epoch_end()` after each epoch; override `on_epoch_end` to
    shuffle between epochs. A training loop consumes a `PyDataset` with
    `for i in range(len(ds)): batch = ds[i]`, then `ds.on_epoch_end()`.

    kernn reads batches in the calling thread: `workers`, `use_multiprocessing`
    and `max_queue_size` are kept for Keras compatibility and exposed as
    attributes, but do not start workers.

    Args:
        workers: Number of workers to use in multithreading or multiprocessing.
            Defaults to `1`.
        use_multiprocessing: Whether to use Python multiprocessing for
            parallelism. Defaults to `False`.
        max_queue_size: Maximum number of batches to keep in the queue.
            Defaults to `10`.

    Example:

    >>> import numpy as np
    >>> class Batches(PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, idx):
    ...         s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
    ...         return self.x[s], self.y[s]
    >>> ds = Batches(np.zeros((10, 2)), np.zeros(10), batch_size=4)
    >>> len(ds), ds[2][0].shape
    (3, (2, 2))
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    # Subclasses that forget super().__init__() still get the defaults.
    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Gets batch at position `index`.

        Args:
            index: position of the batch in the PyDataset.

        Returns:
            A batch.
        """
        raise NotImplementedError

    @property
    def num_batches(self):
        """Number of batches in the PyDataset (`len(self)`)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self):
        """Method called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Method called at the end of every epoch."""

    def __iter__(self):
        """Yields the batches of one epoch in order (`self[0]`, `self[1]`, ...)."""
        for i in range(len(self)):
            yield self[i]


class _BatchIndexError(IndexError, ValueError):
    """Out-of-range batch index: an IndexError (Python's protocol) and a ValueError (what Keras raises)."""


# keras.utils.Sequence is PyDataset in Keras 3.
Sequence = PyDataset


class IndexedBatches(PyDataset):
    """A `PyDataset` over in-memory arrays, shuffled anew at each epoch.

    The building block for batch sources backed by NumPy arrays: batch `i` of
    an epoch holds the samples `order[i*batch_size:(i+1)*batch_size]`, where
    `order` is `arange(n)` or, with `shuffle=True`, a permutation drawn from
    `numpy.random.default_rng(seed)` at construction and again at each
    `on_epoch_end()` (so a seeded source gives the same sequence of epochs).
    Subclasses implement `_get_batch(indices)`.

    Args:
        n: number of samples.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: whether to shuffle the sample order at each epoch.
        seed: seed of the shuffling generator, or `None`.
    """

    def __init__(self, n, batch_size, shuffle=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self.epoch = 0
        self._rng = np.random.default_rng(seed)
        self.index_array = self._rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, idx):
        if isinstance(idx, slice) or not isinstance(idx, (int, np.integer)):
            raise TypeError(f"Batch index must be an integer. Received: idx={idx!r}")
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise _BatchIndexError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        return self._get_batch(self.index_array[idx * self.batch_size:(idx + 1) * self.batch_size], int(idx))

    def on_epoch_end(self):
        self.epoch += 1
        if self.shuffle:
            self.index_array = self._rng.permutation(self.n)

    def _get_batch(self, indices, batch_index):
        raise NotImplementedError

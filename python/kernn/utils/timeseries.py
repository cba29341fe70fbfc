"""Windows over time series: `split_sequences` (X, y arrays) and `timeseries_dataset_from_array`."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from kernn.utils.py_dataset import IndexedBatches


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def split_sequences(data, n_steps_in, n_steps_out=1, target=None, offset=None):
    """Cuts a time series into supervised (input window, target) samples.

    The windows are zero-copy views of `data` (made with
    `numpy.lib.stride_tricks.sliding_window_view`), so they are read-only:
    copy them (`X.copy()`) before writing into them. Arrays of any dtype and
    memory layout (Fortran order, non-contiguous slices) are accepted and keep
    their dtype.

    Four layouts are covered, chosen by the shape of `data` and by `target`:

    - **univariate** (`data` 1-D, `target=None`): each sample is `n_steps_in`
      consecutive values; its target is the value (or the `n_steps_out`
      values) that follow. `X` is `(samples, n_steps_in, 1)`, `y` is
      `(samples,)` or `(samples, n_steps_out)`.
    - **several input series, one target** (`data` 2-D `(time, series)` and
      `target` a column index, or a separate 1-D array of the same length):
      `X` holds the input columns (the target column is left out),
      `(samples, n_steps_in, features)`; `y` is `(samples,)` or
      `(samples, n_steps_out)`. By default the target is read from the *last*
      input step onwards (`offset=0`): the output at time t depends on the
      inputs up to t.
    - **parallel series** (`data` 2-D, `target=None`): every series is both
      input and output; `y` is the next step of every series, `(samples,
      features)`, or `(samples, n_steps_out, features)`.
    - **several output steps**: any of the above with `n_steps_out > 1`.

    Args:
        data: 1-D array `(time,)` or 2-D array `(time, series)`.
        n_steps_in: number of time steps per input window.
        n_steps_out: number of target steps per sample. Defaults to `1`.
        target: `None` (univariate or parallel), an integer column index of
            `data` (negative counts from the end), or a 1-D array of targets
            with `len(data)` entries. Defaults to `None`.
        offset: position of the first target step relative to the last input
            step: `1` is the next step, `0` the last input step itself.
            Defaults to `1` when `target` is `None` and to `0` when a target
            is given.

    Returns:
        Tuple `(X, y)` of NumPy arrays, `X` shaped
        `(samples, n_steps_in, features)` and
        `samples = len(data) - n_steps_in - offset - n_steps_out + 2`.

    Raises:
        ValueError: if the series is too short for one sample, or for bad
            `n_steps_in`, `n_steps_out`, `target` or `offset`.

    Example:

    >>> import numpy as np
    >>> X, y = split_sequences(np.arange(10, 100, 10), n_steps_in=3)
    >>> X.shape, y.shape
    ((6, 3, 1), (6,))
    >>> X[0, :, 0].tolist(), int(y[0])
    ([10, 20, 30], 40)
    """
    n_steps_in = _positive_int(n_steps_in, "n_steps_in")
    n_steps_out = _positive_int(n_steps_out, "n_steps_out")
    data = np.asarray(data)
    if data.ndim not in (1, 2):
        raise ValueError("`data` must be 1-D (time,) or 2-D (time, series). "
                         f"Received: data with shape {data.shape}")
    if offset is None:
        offset = 1 if target is None else 0
    if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)) or offset < 0:
        raise ValueError(f"`offset` must be a non-negative integer. Received: offset={offset!r}")
    offset = int(offset)
    n = data.shape[0]

    if target is None:
        inputs = data if data.ndim == 2 else data[:, None]
        outputs = data
    elif isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if data.ndim != 2:
            raise ValueError("A column index `target` needs 2-D `data` (time, series). "
                             f"Received: data with shape {data.shape}, target={target}")
        f = data.shape[1]
        if not -f <= target < f:
            raise ValueError(f"`target` must be a column index in [-{f}, {f}). Received: target={target}")
        if f < 2:
            raise ValueError(f"`data` needs an input column besides the target column. Received: data with "
                             f"shape {data.shape}, target={target}")
        t = int(target) % f
        outputs = data[:, t]
        if t == f - 1:
            inputs = data[:, :-1]      # a view: no copy
        elif t == 0:
            inputs = data[:, 1:]       # a view: no copy
        else:
            inputs = np.delete(data, t, axis=1)
    else:
        outputs = np.asarray(target)
        if outputs.ndim != 1 or outputs.shape[0] != n:
            raise ValueError(f"An array `target` must be 1-D with len(data)={n} entries. "
                             f"Received: target with shape {outputs.shape}")
        inputs = data if data.ndim == 2 else data[:, None]

    samples = n - n_steps_in - offset - n_steps_out + 2
    if samples < 1:
        raise ValueError(f"The series is too short: {n} steps cannot hold n_steps_in={n_steps_in} input "
                         f"steps plus offset={offset} and n_steps_out={n_steps_out} target steps "
                         f"(needs at least {n_steps_in + offset + n_steps_out - 1}).")

    # windows: (n - n_steps_in + 1, features, n_steps_in) -> (samples, n_steps_in, features)
    X = sliding_window_view(inputs, n_steps_in, axis=0)[:samples].swapaxes(1, 2)
    first = n_steps_in - 1 + offset
    if n_steps_out == 1:
        y = outputs[first:first + samples]
    else:
        y = sliding_window_view(outputs[first:], n_steps_out, axis=0)[:samples]
        if y.ndim == 3:  # parallel: (samples, features, n_out) -> (samples, n_out, features)
            y = y.swapaxes(1, 2)
    return X, y


class TimeseriesDataset(IndexedBatches):
    """Batches of windows over a series; what `timeseries_dataset_from_array` returns.

    A `PyDataset`: `len(ds)` batches, `ds[i]` is batch `i` (`x` or `(x, y)`),
    iterating gives one epoch, and with `shuffle=True` each `on_epoch_end()`
    (called by `fit`, or at the end of each full iteration) draws a new order.
    """

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate, batch_size, shuffle,
                 seed):
        self._single = batch_size is None
        super().__init__(len(start_positions), 1 if batch_size is None else batch_size, shuffle, seed)
        self.data = data
        self.targets = targets
        self.start_positions = start_positions
        self._offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate

    def _get_batch(self, indices, batch_index):
        starts = self.start_positions[indices]
        x = self.data[starts[:, None] + self._offsets]
        y = None if self.targets is None else self.targets[starts]
        if self._single:
            x = x[0]
            y = None if y is None else y[0]
        return x if y is None else (x, y)

    def __iter__(self):
        yield from super().__iter__()
        self.on_epoch_end()


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None):
    """Creates a dataset of sliding windows over a timeseries provided as array.

    Takes data points equally spaced in time plus parameters such as the length
    of the windows and the spacing between windows, and produces batches of
    timeseries inputs and targets as NumPy arrays (Keras produces a
    `tf.data.Dataset`; kernn gives a re-iterable `PyDataset` that `fit`
    accepts).

    Args:
        data: NumPy array or list containing consecutive data points
            (timesteps). Axis 0 is the time dimension.
        targets: Targets corresponding to timesteps in `data`.
            `targets[i]` is the target of the window that starts at index `i`
            (so for `sequence_length=10` the target of `data[0:10]` is
            `targets[0]`). Pass `None` for a dataset without targets (then
            the batches are `x` alone).
        sequence_length: Length of the output sequences (in number of
            timesteps).
        sequence_stride: Period between successive output sequences: with
            stride `s`, the windows start at `data[0]`, `data[s]`, `data[2*s]`,
            ... Defaults to `1`.
        sampling_rate: Period between successive individual timesteps within
            sequences: with rate `r`, timesteps `data[i], data[i + r], ...
            data[i + r * (sequence_length - 1)]` make one window. Defaults
            to `1`.
        batch_size: Number of timeseries samples in each batch (except maybe
            the last one). If `None`, each item is a single sample without a
            batch axis. Defaults to `128`.
        shuffle: Whether to shuffle output samples, or instead draw them in
            chronological order. Defaults to `False`.
        seed: Optional int; random seed for shuffling.
        start_index: Optional int; data points earlier (exclusive) than
            `start_index` will not be used in the output sequences.
        end_index: Optional int; data points later (exclusive) than
            `end_index` will not be used in the output sequences.

    Returns:
        A `TimeseriesDataset`: a re-iterable `PyDataset` whose batches are
        `x` (when `targets` is `None`) or `(x, y)`, with `x` of shape
        `(batch_size, sequence_length) + data.shape[1:]` and the dtype of
        `data`.

    Example:

    >>> import numpy as np
    >>> data = np.arange(100)
    >>> ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    >>> x, y = ds[0]
    >>> x.shape, x[0].tolist(), int(y[0])
    ((81, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10)
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"`data` must have a time axis. Received: data={data!r}")
    n = len(data)
    sequence_length = _positive_int(sequence_length, "sequence_length")
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. "
                             f"Received: start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, (int, np.integer)) or sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError("`sampling_rate` must be lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length {n}")
    if isinstance(sequence_stride, bool) or not isinstance(sequence_stride, (int, np.integer)) \
            or sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError("`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")
    if batch_size is not None:
        _positive_int(batch_size, "batch_size")

    start_index = 0 if start_index is None else int(start_index)
    end_index = n if end_index is None else int(end_index)
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets) - start_index)
        targets = targets[start_index:]
    start_positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    return TimeseriesDataset(data[start_index:end_index], targets, start_positions, sequence_length,
                             int(sampling_rate), batch_size, shuffle, seed)

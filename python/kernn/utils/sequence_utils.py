"""`pad_sequences`: pads (and truncates) a list of sequences to one length, as keras.utils does."""
import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pads sequences to the same length.

    Transforms a list (of length `num_samples`) of sequences (lists of integers,
    or of same-shaped arrays) into a NumPy array of shape
    `(num_samples, num_timesteps) + sample_shape`. `num_timesteps` is `maxlen`
    if given, else the length of the longest sequence. Shorter sequences are
    padded with `value`; longer ones are truncated. Padding and truncation
    happen at the beginning (`"pre"`, the default) or the end (`"post"`).

    Args:
        sequences: List of sequences (each sequence is a list of integers or
            an array whose first axis is time).
        maxlen: Optional int, maximum length of all sequences. If not provided,
            sequences are padded to the length of the longest one.
        dtype: Type of the output sequences. To pad sequences with variable
            length strings, use `object`. Defaults to `"int32"`.
        padding: `"pre"` or `"post"`: pad before or after each sequence.
            Defaults to `"pre"`.
        truncating: `"pre"` or `"post"`: remove values from sequences longer
            than `maxlen` at the beginning or at the end. Defaults to `"pre"`.
        value: Float or String, padding value. Defaults to `0.0`.

    Returns:
        NumPy array with shape `(len(sequences), maxlen) + sample_shape`.

    Raises:
        ValueError: for invalid `truncating` or `padding`, non-iterable
            entries, a string `value` with a non-string `dtype`, or sequences
            whose items have different shapes.

    Example:

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post")
    array([[1, 0],
           [2, 3],
           [5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    num_samples = len(sequences)

    lengths = []
    sample_shape = ()
    found_shape = False
    # The item shape comes from the first non-empty sequence; the others are checked against it.
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x}") from e
        if not found_shape and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found_shape = True

    if maxlen is None:
        if not lengths:
            raise ValueError("`sequences` is empty: pass `maxlen` to pad an empty list. "
                             "Received: sequences=[]")
        maxlen = int(np.max(lengths))
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative integer or None. Received: maxlen={maxlen!r}")
    maxlen = int(maxlen)
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')

    is_dtype_str = dtype is not object and np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")

    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return x
    for idx, s in enumerate(sequences):
        if not len(s):
            continue  # an empty sequence stays all padding
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} "
                             f"is different from expected shape {sample_shape}")
        if padding == "post":
            x[idx, : len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x

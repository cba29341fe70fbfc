"""One-hot encoding and vector normalisation: `to_categorical`, `normalize` (as keras.utils)."""
import numpy as np


def to_categorical(x, num_classes=None):
    """Converts a class vector (integers) to a binary class matrix.

    E.g. for use with `categorical_crossentropy`.

    Args:
        x: Array-like with class values to be converted into a matrix
            (integers from 0 to `num_classes - 1`). A trailing axis of size 1
            is dropped, as Keras does.
        num_classes: Total number of classes. If `None`, this is inferred as
            `max(x) + 1`. Defaults to `None`.

    Returns:
        A float64 NumPy array of shape `x.shape + (num_classes,)` (Keras returns
        float64 for NumPy input), with a single 1 per row.

    Raises:
        ValueError: if a label is negative, not an integer, or `>= num_classes`,
            or if `num_classes` is not a positive integer.

    Example:

    >>> to_categorical([0, 1, 2, 3], num_classes=4)[1]
    array([0., 1., 0., 0.])
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.integer)
                                   or np.issubdtype(arr.dtype, np.floating)
                                   or arr.dtype == np.bool_):
        raise ValueError(f"`x` must hold integer class labels. Received: x with dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            raise ValueError("`x` must hold integer class labels, but it has non-integer values. "
                             f"Received: x={_preview(arr)}")
    labels = arr.astype(np.int64)
    input_shape = labels.shape
    if len(input_shape) > 1 and input_shape[-1] == 1:
        input_shape = input_shape[:-1]
    labels = labels.reshape(-1)
    if labels.size and labels.min() < 0:
        raise ValueError(f"Class labels must be >= 0. Received: a label of {int(labels.min())} in x")
    if num_classes is None or num_classes == 0 and not isinstance(num_classes, bool):
        if not labels.size:
            raise ValueError("Cannot infer `num_classes` from an empty `x`; pass num_classes.")
        num_classes = int(labels.max()) + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"`num_classes` must be a positive integer. Received: num_classes={num_classes!r}")
    num_classes = int(num_classes)
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"Class labels must be < num_classes. Received: a label of {int(labels.max())} "
                         f"with num_classes={num_classes}")
    categorical = np.zeros((labels.shape[0], num_classes), dtype=np.float64)
    categorical[np.arange(labels.shape[0]), labels] = 1.0
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes an array along an axis.

    Args:
        x: Array to normalize (any float or integer dtype, any memory layout).
        axis: Axis along which to normalize. Defaults to `-1`.
        order: Normalization order (e.g. `order=2` for the L2 norm), as in
            `numpy.linalg.norm`. Defaults to `2`.

    Returns:
        A normalized copy of the array: a float array (NumPy arrays keep a float
        dtype, integer arrays become float64; lists become float32 as Keras's
        tensor path does). Vectors of norm 0 are returned unchanged.
    """
    if isinstance(x, np.ndarray):
        arr = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
    else:
        arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 0:
        raise ValueError(f"`x` must have at least one dimension. Received: x={x!r}")
    if not isinstance(axis, (int, np.integer)) or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"`axis` must be an integer in [-{arr.ndim}, {arr.ndim}). Received: axis={axis!r}")
    norm = np.linalg.norm(arr, ord=order, axis=int(axis), keepdims=True)
    norm = np.where(norm == 0, 1, norm).astype(arr.dtype, copy=False)
    return arr / norm


def _preview(arr, n=6):
    flat = arr.reshape(-1)
    text = np.array2string(flat[:n], separator=", ")
    return text[:-1] + ", ...]" if flat.size > n else text

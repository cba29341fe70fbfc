"""Boston housing prices (regression)."""
import numpy as np

from kernn.datasets._common import fetch, load_npz

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston Housing dataset (downloaded once, as Keras does).

    13 attributes of houses around Boston in the late 1970s; targets are the
    median values of the houses at a location (in k$). **Warning:** the data
    includes a variable, "B", with an ethical problem; Keras discourages its
    use except to illustrate such issues.

    Args:
        path: path where to cache the dataset locally (relative to the kernn
            cache's `datasets` folder).
        test_split: fraction of the data to reserve as test set, in `[0, 1)`.
        seed: Random seed for shuffling the data before computing the test
            split (the same shuffle as Keras's, so the split is identical).

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`: float64
        `(num_samples, 13)` inputs and `(num_samples,)` targets (404 train and
        102 test samples with the defaults).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1). Received: test_split={test_split}")
    arrays = load_npz(fetch(path, "boston_housing.npz", FILE_HASH))
    x, y = arrays["x"], arrays["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)   # Keras's shuffle, for the same split
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))

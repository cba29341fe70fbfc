"""The 8x8 handwritten digits bundled with scikit-learn (no download)."""
import numpy as np

from kernn.datasets._common import missing_extra


def load_data(test_split=0.2, seed=113):
    """Loads scikit-learn's handwritten digits (1,797 8x8 images), split into train and test.

    Needs scikit-learn (`pip install scikit-learn`), which ships the data, so
    nothing is downloaded.

    Args:
        test_split: fraction of the samples reserved for the test set, in
            `[0, 1)`. Defaults to `0.2`.
        seed: seed of the shuffle before the split (`numpy.random.default_rng`);
            the default gives a fixed split. Defaults to `113`.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`: `uint8`
        images `(num_samples, 8, 8)` with pixel values 0-16 (divide by 16 to
        scale to [0, 1]) and `uint8` labels 0-9 `(num_samples,)`; 1,437 train
        and 360 test samples with the defaults.

    Raises:
        ImportError: if scikit-learn is not installed.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1). Received: test_split={test_split}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise missing_extra("sklearn", "scikit-learn", "digits") from e
    bunch = load_digits()
    x = np.asarray(bunch.images).astype(np.uint8)
    y = np.asarray(bunch.target).astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])

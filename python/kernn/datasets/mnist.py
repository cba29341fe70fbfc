"""MNIST handwritten digits."""
from kernn.datasets._common import fetch, load_npz

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset (downloaded once, as Keras does).

    This is a dataset of 60,000 28x28 grayscale images of the 10 digits,
    along with a test set of 10,000 images.

    Args:
        path: path where to cache the dataset locally (relative to
            `~/.kernn/datasets`, or `$KERNN_HOME/datasets`).

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.
        `x_train`: `uint8` array `(60000, 28, 28)`; `y_train`: `uint8` array
        `(60000,)` of labels 0-9; `x_test`: `(10000, 28, 28)`; `y_test`:
        `(10000,)`.
    """
    arrays = load_npz(fetch(path, "mnist.npz", FILE_HASH))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])

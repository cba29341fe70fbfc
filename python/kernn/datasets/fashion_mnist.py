"""Fashion-MNIST: 28x28 grayscale pictures of 10 kinds of clothing."""
import gzip
import os

import numpy as np

from kernn.datasets._common import fetch

FILE_HASHES = {
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """Loads the Fashion-MNIST dataset (downloaded once, as Keras does).

    60,000 28x28 grayscale images of 10 fashion categories, and a test set of
    10,000 images. Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress,
    4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`, `uint8`,
        shaped `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`.
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = {name: fetch(name, name, digest, cache_subdir=subdir) for name, digest in FILE_HASHES.items()}
    y_train = _read(paths["train-labels-idx1-ubyte.gz"], 8)
    x_train = _read(paths["train-images-idx3-ubyte.gz"], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths["t10k-labels-idx1-ubyte.gz"], 8)
    x_test = _read(paths["t10k-images-idx3-ubyte.gz"], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)

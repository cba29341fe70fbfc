"""CIFAR-10: 32x32 colour images in 10 classes."""
import tarfile

import numpy as np

from kernn.datasets._common import RestrictedUnpickler, fetch

ORIGIN_BASE = "https://www.cs.toronto.edu/~kriz/"
FILENAME = "cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def _load_batch(archive, member):
    f = archive.extractfile(member)
    if f is None:
        raise ValueError(f"{FILENAME}: {member} is not a regular file")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v
         for k, v in RestrictedUnpickler(f, encoding="bytes").load().items()}
    data = np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(d["labels"], dtype=np.uint8)


def load_data():
    """Loads the CIFAR10 dataset (downloaded once from the URL Keras uses).

    50,000 32x32 colour training images and 10,000 test images, labeled over
    10 categories (airplane, automobile, bird, cat, deer, dog, frog, horse,
    ship, truck). The archive is read in place (not extracted), and its pickled
    batches are read with an unpickler that only rebuilds arrays.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`:
        `uint8` images `(50000, 32, 32, 3)` and `(10000, 32, 32, 3)`
        (channels_last, kernn's layout), `uint8` labels `(50000, 1)` and
        `(10000, 1)`.
    """
    path = fetch(FILENAME, FILENAME, FILE_HASH, default_base=ORIGIN_BASE)
    with tarfile.open(path, "r:gz") as archive:
        parts = [_load_batch(archive, f"cifar-10-batches-py/data_batch_{i}") for i in range(1, 6)]
        x_test, y_test = _load_batch(archive, "cifar-10-batches-py/test_batch")
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    x_train = x_train.transpose(0, 2, 3, 1)
    x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))

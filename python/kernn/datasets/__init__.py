"""Datasets with Keras's `load_data()` API: downloaded once into `$KERNN_HOME/datasets` (default
`~/.kernn/datasets`) and checked against their SHA-256, plus offline loaders (digits via
scikit-learn, sunspots via statsmodels). Set `KERNN_DATASETS_URL` (or
`kernn.datasets._common.BASE_URL`) to fetch the files from a mirror."""
from kernn.datasets import boston_housing, cifar10, digits, fashion_mnist, imdb, mnist, sunspots

__all__ = ["boston_housing", "cifar10", "digits", "fashion_mnist", "imdb", "mnist", "sunspots"]

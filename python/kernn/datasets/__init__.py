"""Datasets with Keras's `load_data()` API.

mnist, fashion_mnist, cifar10, imdb and boston_housing are downloaded once into
`$KERNN_HOME/datasets` (default `~/.kernn/datasets`) and checked against their SHA-256;
set `KERNN_DATASETS_URL` (or `kernn.datasets._common.BASE_URL`) to fetch them from a mirror.
Offline loaders: digits (scikit-learn), yearly sunspots and monthly El Nino temperatures
(statsmodels)."""
from kernn.datasets import boston_housing, cifar10, digits, elnino, fashion_mnist, imdb, mnist, sunspots

__all__ = ["boston_housing", "cifar10", "digits", "elnino", "fashion_mnist", "imdb", "mnist", "sunspots"]

"""Yearly sunspot numbers, from statsmodels' bundled data (no download).

statsmodels ships the sunspot numbers as a *yearly* series (1700-2008); for a
*monthly* series use `kernn.datasets.elnino` (sea surface temperatures,
1950-2010, 732 months), also bundled with statsmodels.
"""
import numpy as np

from kernn.datasets._common import missing_extra


def _statsmodels_datasets(dataset="sunspots"):
    try:
        import statsmodels.datasets as smd
    except ImportError as e:
        raise missing_extra("statsmodels", "statsmodels", dataset) from e
    return smd


def load_data(return_years=False):
    """Yearly mean sunspot numbers, 1700-2008 (309 values), from statsmodels.

    Args:
        return_years: also return the year of each value. Defaults to `False`.

    Returns:
        A float64 array `(309,)` of sunspot activity; with
        `return_years=True`, the tuple `(years, values)` (`years` int64).

    Raises:
        ImportError: if statsmodels is not installed
            (`pip install statsmodels`).
    """
    df = _statsmodels_datasets().sunspots.load_pandas().data
    values = df["SUNACTIVITY"].to_numpy(dtype=np.float64)
    if return_years:
        return df["YEAR"].to_numpy().astype(np.int64), values
    return values

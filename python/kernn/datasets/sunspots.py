"""Series for forecasting examples, from statsmodels' bundled data (no download).

statsmodels ships the sunspot numbers as a *yearly* series (1700-2008,
`load_data`); for a *monthly* series use `load_monthly`, the El Nino sea
surface temperatures (1950-2010, 732 months), also bundled with statsmodels.
"""
import numpy as np

from kernn.datasets._common import missing_extra


def _statsmodels_datasets():
    try:
        import statsmodels.datasets as smd
    except ImportError as e:
        raise missing_extra("statsmodels", "statsmodels", "sunspots") from e
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


def load_monthly(return_dates=False):
    """Monthly El Nino sea surface temperatures (deg C), Jan 1950 - Dec 2010 (732 values), from statsmodels.

    Args:
        return_dates: also return `(year, month)` for each value. Defaults to
            `False`.

    Returns:
        A float64 array `(732,)` in time order; with `return_dates=True`,
        the tuple `(dates, values)` with `dates` an int64 array `(732, 2)`
        of (year, month).

    Raises:
        ImportError: if statsmodels is not installed
            (`pip install statsmodels`).
    """
    df = _statsmodels_datasets().elnino.load_pandas().data
    months = [c for c in df.columns if c != "YEAR"]
    values = df[months].to_numpy(dtype=np.float64).reshape(-1)
    if return_dates:
        years = np.repeat(df["YEAR"].to_numpy().astype(np.int64), len(months))
        month = np.tile(np.arange(1, len(months) + 1, dtype=np.int64), len(df))
        return np.stack([years, month], axis=1), values
    return values

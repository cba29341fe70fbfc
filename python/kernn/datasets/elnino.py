"""Monthly El Nino sea surface temperatures, from statsmodels' bundled data (no download).

A monthly companion to `kernn.datasets.sunspots` (which statsmodels only has
as a yearly series) for forecasting examples.
"""
import numpy as np

from kernn.datasets.sunspots import _statsmodels_datasets


def load_data(return_dates=False):
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
    df = _statsmodels_datasets("elnino").elnino.load_pandas().data
    months = [c for c in df.columns if c != "YEAR"]
    values = df[months].to_numpy(dtype=np.float64).reshape(-1)
    if return_dates:
        years = np.repeat(df["YEAR"].to_numpy().astype(np.int64), len(months))
        month = np.tile(np.arange(1, len(months) + 1, dtype=np.int64), len(df))
        return np.stack([years, month], axis=1), values
    return values

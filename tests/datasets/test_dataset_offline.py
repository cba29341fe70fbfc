import sys

import numpy as np
import pytest

from kernn.datasets import digits, elnino, sunspots


def test_digits_fixed_split():
    pytest.importorskip("sklearn")
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8 and x_train.max() == 16
    assert set(np.unique(y_test)) == set(range(10))
    (x2, y2), _ = digits.load_data()
    np.testing.assert_array_equal(x2, x_train)
    np.testing.assert_array_equal(y2, y_train)


def test_sunspots_and_elnino():
    pytest.importorskip("statsmodels")
    values = sunspots.load_data()
    assert values.shape == (309,) and values.dtype == np.float64
    years, _ = sunspots.load_data(return_years=True)
    assert years[0] == 1700 and years[-1] == 2008
    monthly = elnino.load_data()
    assert monthly.shape == (732,)
    dates, _ = elnino.load_data(return_dates=True)
    assert dates[0].tolist() == [1950, 1] and dates[-1].tolist() == [2010, 12]


def test_missing_extras_name_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        digits.load_data()
    monkeypatch.setitem(sys.modules, "statsmodels", None)
    monkeypatch.setitem(sys.modules, "statsmodels.datasets", None)
    with pytest.raises(ImportError, match="pip install statsmodels"):
        sunspots.load_data()
    with pytest.raises(ImportError, match="datasets.elnino needs statsmodels"):
        elnino.load_data()

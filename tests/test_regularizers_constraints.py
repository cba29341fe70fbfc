"""Regularizers (value and gradient by finite differences) and constraints (Keras 3 formulas)."""
import numpy as np
import pytest

from kernn import constraints, regularizers
from reference.loss_functions import numerical_grad

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(l1=0.1, l2=0.05),
                                 regularizers.OrthogonalRegularizer(factor=0.5),
                                 regularizers.OrthogonalRegularizer(factor=0.2, mode="columns")],
                         ids=["l1", "l2", "l1l2", "orthogonal_rows", "orthogonal_columns"])
def test_value_and_gradient(reg):
    x = RNG.standard_normal((4, 3)).astype(np.float32).astype(np.float64)
    g = reg.gradient(x)
    assert g.shape == x.shape and g.dtype == np.float32
    np.testing.assert_allclose(g, numerical_grad(lambda: reg(x), x), rtol=1e-4, atol=1e-6)


def test_values_and_defaults():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert regularizers.L1(0.1)(x) == pytest.approx(0.65)
    assert regularizers.L2()(x) == pytest.approx(0.01 * 14.25)
    assert regularizers.L2().l2 == 0.01 and regularizers.L1().l1 == 0.01
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    w = np.eye(3)
    assert regularizers.OrthogonalRegularizer()(w) == pytest.approx(0.0)


def test_regularizer_registry_and_errors():
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert isinstance(regularizers.get({"class_name": "L1", "config": {"l1": 0.2}}), regularizers.L1)
    r = regularizers.deserialize(regularizers.serialize(regularizers.L1L2(0.1, 0.2)))
    assert r.get_config() == {"l1": 0.1, "l2": 0.2}
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: l3"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Invalid value for argument l2: expected a non-negative float. "
                                         "Received: l2=-1"):
        regularizers.L2(-1)


def test_max_norm_unit_norm_min_max_norm_non_neg():
    w = np.array([[3.0, 0.1], [4.0, 0.1]], np.float32)  # column norms 5 and ~0.1414
    out = constraints.MaxNorm(max_value=2)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, np.sqrt(0.02)], rtol=1e-5)
    out = constraints.UnitNorm()(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [1.0, 1.0], rtol=1e-5)
    out = constraints.MinMaxNorm(min_value=0.5, max_value=1.0)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [1.0, 0.5], rtol=1e-5)
    out = constraints.MinMaxNorm(min_value=0.5, max_value=1.0, rate=0.5)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [3.0, 0.5 * (0.5 + np.sqrt(0.02))], rtol=1e-5)
    np.testing.assert_array_equal(constraints.NonNeg()(np.array([-1.0, 2.0])), [0.0, 2.0])
    conv = RNG.standard_normal((3, 3, 4, 8)).astype(np.float32) * 5
    out = constraints.MaxNorm(1.0, axis=[0, 1, 2])(conv)
    assert np.all(np.sqrt((out**2).sum(axis=(0, 1, 2))) <= 1.0 + 1e-5)


def test_constraint_registry():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    c = constraints.deserialize(constraints.serialize(constraints.MinMaxNorm(0.1, 2.0, 0.5, 1)))
    assert c.get_config() == {"min_value": 0.1, "max_value": 2.0, "rate": 0.5, "axis": 1}
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: maxnorm"):
        constraints.get("maxnorm")

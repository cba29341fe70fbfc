"""The loss references' own sanity: known values, and that Keras's formulas behave as
documented (finite differences of the references are used by tests/losses/)."""
import numpy as np

from reference import loss_functions as ref


def test_categorical_crossentropy_reference_from_logits_equals_softmax_probabilities():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 4))
    t = np.eye(4)[rng.integers(0, 4, 5)]
    np.testing.assert_allclose(ref.categorical_crossentropy(t, z, from_logits=True),
                               ref.categorical_crossentropy(t, ref.softmax(z)), rtol=1e-6)


def test_binary_crossentropy_reference_from_logits_equals_sigmoid_probabilities():
    z = np.array([[-2.0, 0.5], [3.0, -0.1]])
    t = np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(ref.binary_crossentropy(t, z, from_logits=True),
                               ref.binary_crossentropy(t, 1 / (1 + np.exp(-z))), rtol=1e-6)


def test_huber_reference_is_mse_half_inside_delta_and_mae_like_outside():
    t = np.zeros((1, 2))
    np.testing.assert_allclose(ref.huber(t, np.array([[0.5, -0.5]])), [0.125])
    np.testing.assert_allclose(ref.huber(t, np.array([[3.0, -3.0]])), [2.5])


def test_numerical_grad_of_mse_reference_is_analytic():
    rng = np.random.default_rng(1)
    t, p = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    g = ref.numerical_grad(lambda: ref.reduce(ref.mse(t, p)), p)
    np.testing.assert_allclose(g, 2 * (p - t) / p.size, rtol=1e-5, atol=1e-9)

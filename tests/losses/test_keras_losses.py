"""kernn.losses against the float64 references: values, gradients (finite differences of
the reference), sample weights, reductions, fused activations, errors and registry."""
import numpy as np
import pytest

from kernn import losses
from reference import loss_functions as ref

RNG = np.random.default_rng(7)


def _probs(shape):
    p = RNG.random(shape) + 0.05
    return p / p.sum(axis=-1, keepdims=True)


def _onehot(n, c):
    return np.eye(c)[RNG.integers(0, c, n)]


# (class, reference, y_true maker, y_pred maker, kwargs)
CASES = {
    "mse": (losses.MeanSquaredError, ref.mse, lambda s: RNG.standard_normal(s), lambda s: RNG.standard_normal(s), {}),
    "mae": (losses.MeanAbsoluteError, ref.mae, lambda s: RNG.standard_normal(s), lambda s: RNG.standard_normal(s), {}),
    "mape": (losses.MeanAbsolutePercentageError, ref.mape, lambda s: RNG.uniform(0.5, 2, s),
             lambda s: RNG.uniform(0.5, 2, s), {}),
    "msle": (losses.MeanSquaredLogarithmicError, ref.msle, lambda s: RNG.uniform(0, 3, s),
             lambda s: RNG.uniform(0.1, 3, s), {}),
    "huber": (losses.Huber, ref.huber, lambda s: RNG.standard_normal(s) * 2, lambda s: RNG.standard_normal(s) * 2, {}),
    "huber_delta": (losses.Huber, lambda t, p: ref.huber(t, p, 0.3), lambda s: RNG.standard_normal(s),
                    lambda s: RNG.standard_normal(s), {"delta": 0.3}),
    "log_cosh": (losses.LogCosh, ref.log_cosh, lambda s: RNG.standard_normal(s), lambda s: RNG.standard_normal(s), {}),
    "hinge": (losses.Hinge, ref.hinge, lambda s: RNG.integers(0, 2, s).astype(float),
              lambda s: RNG.standard_normal(s), {}),
    "squared_hinge": (losses.SquaredHinge, ref.squared_hinge, lambda s: RNG.choice([-1.0, 1.0], s),
                      lambda s: RNG.standard_normal(s), {}),
    "categorical_hinge": (losses.CategoricalHinge, ref.categorical_hinge, lambda s: _onehot(s[0], s[1]),
                          lambda s: RNG.standard_normal(s), {}),
    "kl_divergence": (losses.KLDivergence, ref.kl_divergence, lambda s: _probs(s), lambda s: _probs(s), {}),
    "poisson": (losses.Poisson, ref.poisson, lambda s: RNG.uniform(0, 3, s), lambda s: RNG.uniform(0.2, 3, s), {}),
    "cosine": (losses.CosineSimilarity, ref.cosine_similarity, lambda s: RNG.standard_normal(s),
               lambda s: RNG.standard_normal(s), {}),
    "cce": (losses.CategoricalCrossentropy, ref.categorical_crossentropy, lambda s: _onehot(s[0], s[1]),
            lambda s: _probs(s), {}),
    "cce_logits": (losses.CategoricalCrossentropy, lambda t, p: ref.categorical_crossentropy(t, p, True),
                   lambda s: _onehot(s[0], s[1]), lambda s: RNG.standard_normal(s), {"from_logits": True}),
    "cce_smooth": (losses.CategoricalCrossentropy, lambda t, p: ref.categorical_crossentropy(t, p, False, 0.1),
                   lambda s: _onehot(s[0], s[1]), lambda s: _probs(s), {"label_smoothing": 0.1}),
    "bce": (losses.BinaryCrossentropy, ref.binary_crossentropy, lambda s: RNG.integers(0, 2, s).astype(float),
            lambda s: RNG.uniform(0.05, 0.95, s), {}),
    "bce_logits": (losses.BinaryCrossentropy, lambda t, p: ref.binary_crossentropy(t, p, True),
                   lambda s: RNG.integers(0, 2, s).astype(float), lambda s: RNG.standard_normal(s),
                   {"from_logits": True}),
    "bce_smooth": (losses.BinaryCrossentropy, lambda t, p: ref.binary_crossentropy(t, p, False, 0.2),
                   lambda s: RNG.integers(0, 2, s).astype(float), lambda s: RNG.uniform(0.05, 0.95, s),
                   {"label_smoothing": 0.2}),
    "binary_focal": (losses.BinaryFocalCrossentropy, ref.binary_focal_crossentropy,
                     lambda s: RNG.integers(0, 2, s).astype(float), lambda s: RNG.uniform(0.05, 0.95, s), {}),
    "binary_focal_logits_balanced": (
        losses.BinaryFocalCrossentropy,
        lambda t, p: ref.binary_focal_crossentropy(t, p, True, gamma=1.5, alpha=0.3, balance=True, label_smoothing=0.1),
        lambda s: RNG.integers(0, 2, s).astype(float), lambda s: RNG.standard_normal(s),
        {"from_logits": True, "gamma": 1.5, "alpha": 0.3, "apply_class_balancing": True, "label_smoothing": 0.1}),
    "categorical_focal": (losses.CategoricalFocalCrossentropy, ref.categorical_focal_crossentropy,
                          lambda s: _onehot(s[0], s[1]), lambda s: RNG.uniform(0.05, 1.0, s), {}),
    "categorical_focal_logits": (
        losses.CategoricalFocalCrossentropy,
        lambda t, p: ref.categorical_focal_crossentropy(t, p, True, gamma=3.0, alpha=0.5, label_smoothing=0.1),
        lambda s: _onehot(s[0], s[1]), lambda s: RNG.standard_normal(s),
        {"from_logits": True, "gamma": 3.0, "alpha": 0.5, "label_smoothing": 0.1}),
}
SHAPES = {"batch5x4": (5, 4), "single": (1, 3), "batch3x1": (3, 1)}


_MULTICLASS = ("cce", "cce_logits", "cce_smooth", "categorical_hinge", "kl_divergence", "categorical_focal",
               "categorical_focal_logits")
_GRID = [(c, s) for c in CASES for s in SHAPES if not (SHAPES[s][-1] == 1 and c in _MULTICLASS)]


@pytest.mark.parametrize("case,shape_id", _GRID, ids=[f"{c}-{s}" for c, s in _GRID])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_value_and_grad_match_reference(case, shape_id, reduction):
    cls, fn, make_t, make_p, kw = CASES[case]
    shape = SHAPES[shape_id]
    t = make_t(shape)
    p = make_p(shape).astype(np.float32).astype(np.float64)
    sw = RNG.uniform(0.1, 2.0, shape[0])
    loss = cls(reduction=reduction, **kw)
    value, grad = loss.value_and_grad(t, p, sample_weight=sw)
    want = ref.reduce(fn(t, p), sw, reduction)
    np.testing.assert_allclose(value, want, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(loss(t, p, sample_weight=sw), want, rtol=2e-5, atol=1e-6)
    num = ref.numerical_grad(lambda: ref.reduce(fn(t, p), sw, reduction), p, eps=1e-6)
    assert grad.dtype == np.float32 and grad.shape == p.shape
    np.testing.assert_allclose(grad, num, rtol=2e-3, atol=2e-5)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits):
    p = RNG.standard_normal((6, 5)) if from_logits else _probs((6, 5))
    p = p.astype(np.float32).astype(np.float64)
    labels = RNG.integers(0, 5, 6)
    sw = RNG.uniform(0.5, 1.5, 6)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    value, grad = loss.value_and_grad(labels, p, sample_weight=sw)
    f = lambda: ref.reduce(ref.sparse_categorical_crossentropy(labels, p, from_logits), sw)  # noqa: E731
    np.testing.assert_allclose(value, f(), rtol=1e-5)
    np.testing.assert_allclose(grad, ref.numerical_grad(f, p), rtol=2e-3, atol=2e-5)
    # (batch, 1) labels and float labels give the same
    np.testing.assert_allclose(loss(labels[:, None].astype(np.float32), p, sw), f(), rtol=1e-5)


def test_sparse_ignore_class_masks_and_rescales_as_keras():
    p = _probs((4, 3))
    labels = np.array([0, 2, -1, 1])
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    value, grad = loss.value_and_grad(labels, p)
    per = ref.sparse_categorical_crossentropy(np.where(labels < 0, 0, labels), p)
    valid = labels != -1
    np.testing.assert_allclose(value, per[valid].sum() / (valid.sum() + 1e-7), rtol=1e-5)
    assert np.all(grad[2] == 0)


def test_reduction_none_returns_weighted_per_sample_losses():
    t, p = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    out = losses.MeanSquaredError(reduction="none")(t, p, sample_weight=[1, 2, 0, 1])
    np.testing.assert_allclose(out, ref.mse(t, p) * [1, 2, 0, 1], rtol=1e-5)
    np.testing.assert_allclose(losses.mean_squared_error(t, p), ref.mse(t, p), rtol=1e-5)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="mean")(t, p), ref.mse(t, p).mean(), rtol=1e-5)


def test_rank_one_labels_against_column_predictions():
    t = RNG.standard_normal(6)
    p = RNG.standard_normal((6, 1))
    np.testing.assert_allclose(losses.get("mse")(t, p), np.mean((t - p[:, 0]) ** 2), rtol=1e-5)
    value, grad = losses.get("mse").value_and_grad(t, p)
    assert grad.shape == (6, 1)


def test_higher_rank_and_axis():
    t = _onehot(6, 3).reshape(2, 3, 3)
    p = _probs((2, 3, 3))
    v = losses.CategoricalCrossentropy()(t, p)
    np.testing.assert_allclose(v, ref.categorical_crossentropy(t, p).mean(), rtol=1e-5)
    # class axis first
    tt, pp = np.moveaxis(t, -1, 0), np.moveaxis(p, -1, 0)
    value, grad = losses.CategoricalCrossentropy(axis=0).value_and_grad(tt, pp)
    np.testing.assert_allclose(value, v, rtol=1e-5)
    _, g_last = losses.CategoricalCrossentropy().value_and_grad(t, p)
    np.testing.assert_allclose(grad, np.moveaxis(g_last, -1, 0), rtol=1e-6)


@pytest.mark.parametrize("kind", ["categorical", "sparse", "binary"])
def test_fused_activation_gradient_from_logits(kind):
    z = RNG.standard_normal((5, 4)).astype(np.float32).astype(np.float64)
    if kind == "binary":
        loss = losses.BinaryCrossentropy()
        assert loss.fused_activation == "sigmoid"
        t = RNG.integers(0, 2, (5, 4)).astype(float)
        f = lambda: ref.reduce(ref.binary_crossentropy(t, z, True))  # noqa: E731
    elif kind == "sparse":
        loss = losses.SparseCategoricalCrossentropy()
        assert loss.fused_activation == "softmax"
        t = RNG.integers(0, 4, 5)
        f = lambda: ref.reduce(ref.sparse_categorical_crossentropy(t, z, True))  # noqa: E731
    else:
        loss = losses.CategoricalCrossentropy(label_smoothing=0.1)
        assert loss.fused_activation == "softmax"
        t = _onehot(5, 4)
        f = lambda: ref.reduce(ref.categorical_crossentropy(t, z, True, 0.1))  # noqa: E731
    value, grad = loss.value_and_grad_from_logits(t, z)
    np.testing.assert_allclose(value, f(), rtol=1e-5)
    np.testing.assert_allclose(grad, ref.numerical_grad(f, z), rtol=2e-3, atol=2e-5)


def test_fused_activation_is_none_from_logits_or_for_regression():
    assert losses.CategoricalCrossentropy(from_logits=True).fused_activation is None
    assert losses.MeanSquaredError().fused_activation is None
    with pytest.raises(ValueError, match="cannot be fused"):
        losses.MeanSquaredError().value_and_grad_from_logits([[1.0]], [[0.0]])


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"y_true.shape=\(4, 2\), y_pred.shape=\(4, 3\)"):
        losses.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"target.shape=\(4,\), output.shape=\(4, 3\).*sparse_categorical"):
        losses.CategoricalCrossentropy()(np.zeros(4), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"target.shape=\(5,\), output.shape=\(4, 3\)"):
        losses.SparseCategoricalCrossentropy()(np.zeros(5), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"target.shape=\(4, 3\), output.shape=\(4, 3\). Labels look one-hot"):
        losses.SparseCategoricalCrossentropy()(np.eye(3)[[0, 1, 2, 0]], _probs((4, 3)))
    with pytest.raises(ValueError, match="integer class labels"):
        losses.SparseCategoricalCrossentropy()(np.full(4, 0.5), _probs((4, 3)))


def test_label_out_of_range_is_a_value_error():
    with pytest.raises(ValueError):
        losses.SparseCategoricalCrossentropy()([0, 7], _probs((2, 3)))


def test_invalid_reduction_message():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`.*Received: reduction=avg"):
        losses.MeanSquaredError(reduction="avg")


def test_get_names_aliases_and_unknown():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("MAE"), losses.MeanAbsoluteError)
    assert isinstance(losses.get("huber"), losses.Huber) and losses.get("huber").name == "huber_loss"
    assert isinstance(losses.get("sparse_categorical_crossentropy"), losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get("categorical_focal_crossentropy"), losses.CategoricalFocalCrossentropy)
    assert isinstance(losses.get(losses.KLDivergence), losses.KLDivergence)
    assert isinstance(losses.get(losses.categorical_crossentropy), losses.CategoricalCrossentropy)
    inst = losses.Huber(delta=2.0)
    assert losses.get(inst) is inst
    with pytest.raises(ValueError, match="Could not interpret loss identifier: msee. Expected one of: .*mse"):
        losses.get("msee")


def test_plain_function_evaluates_but_cannot_train():
    def my_loss(y_true, y_pred):
        return np.mean(np.abs(y_true - y_pred), axis=-1)

    loss = losses.get(my_loss)
    assert loss.name == "my_loss"
    np.testing.assert_allclose(loss(np.ones((2, 2)), np.zeros((2, 2))), 1.0)
    with pytest.raises(ValueError, match="cannot compute its gradient"):
        loss.value_and_grad(np.ones((2, 2)), np.zeros((2, 2)))


def test_config_round_trip_and_serialize():
    for loss in [losses.Huber(delta=0.5, reduction="sum"), losses.CategoricalCrossentropy(from_logits=True,
                 label_smoothing=0.2), losses.SparseCategoricalCrossentropy(ignore_class=3),
                 losses.CosineSimilarity(axis=1), losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3.0),
                 losses.CategoricalFocalCrossentropy(alpha=0.5, from_logits=True)]:
        clone = type(loss).from_config(loss.get_config())
        assert clone.get_config() == loss.get_config()
        again = losses.deserialize(losses.serialize(loss))
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert losses.serialize(losses.mean_squared_error) == "mean_squared_error"


def test_subclass_overriding_call_uses_it_and_cannot_train():
    class Scaled(losses.MeanSquaredError):
        def call(self, y_true, y_pred):
            return 10.0 * np.mean((y_true - y_pred) ** 2, axis=-1)

    loss = Scaled()
    np.testing.assert_allclose(loss(np.ones((2, 2)), np.zeros((2, 2))), 10.0)
    with pytest.raises(ValueError, match="defines only `call`"):
        loss.value_and_grad(np.ones((2, 2)), np.zeros((2, 2)))

    class WithGrad(losses.Loss):
        def call(self, y_true, y_pred):
            return np.sum(y_pred, axis=-1)

        def value_and_grad(self, y_true, y_pred, sample_weight=None):
            return float(self(y_true, y_pred)), np.full(np.shape(y_pred), 1.0 / len(y_pred), np.float32)

    value, grad = WithGrad().value_and_grad(np.zeros((2, 3)), np.ones((2, 3)))
    assert value == 3.0 and grad.shape == (2, 3)

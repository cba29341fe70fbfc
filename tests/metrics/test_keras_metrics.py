"""kernn.metrics against hand-computed values and NumPy references (AUC vs trapezoids)."""
import numpy as np
import pytest

from kernn import losses, metrics

RNG = np.random.default_rng(3)


def test_mean_and_sum_with_weights_and_reset():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.update_state([10.0], sample_weight=[2.0])
    assert m.result() == pytest.approx((16 + 20) / 6)
    m.reset_state()
    assert m.result() == 0.0
    s = metrics.Sum()
    s.update_state([1, 2], sample_weight=[1, 3])
    assert s.result() == 7.0


def test_accuracies():
    acc = metrics.BinaryAccuracy()
    acc.update_state([[1], [0], [1], [0]], [[0.7], [0.6], [0.4], [0.1]])
    assert acc.result() == 0.5
    assert metrics.BinaryAccuracy(threshold=0.65)([[1], [0]], [[0.7], [0.6]]) == 1.0
    cat = metrics.CategoricalAccuracy()
    cat.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert cat.result() == 0.5
    sp = metrics.SparseCategoricalAccuracy()
    sp.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert sp.result() == pytest.approx(0.3)
    assert metrics.Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]]) == 0.75


def test_top_k():
    y_pred = np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0.0]])
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], y_pred)
    assert m.result() == 0.5
    m = metrics.SparseTopKCategoricalAccuracy(k=2)
    m.update_state([2, 2], y_pred)
    assert m.result() == 0.5


def test_regression_metrics():
    t = RNG.uniform(0.1, 2, (6, 3))
    p = RNG.uniform(0.1, 2, (6, 3))
    assert metrics.MeanSquaredError()(t, p) == pytest.approx(np.mean((t - p) ** 2), rel=1e-5)
    assert metrics.RootMeanSquaredError()(t, p) == pytest.approx(np.sqrt(np.mean((t - p) ** 2)), rel=1e-5)
    assert metrics.MeanAbsoluteError()(t, p) == pytest.approx(np.mean(np.abs(t - p)), rel=1e-5)
    assert metrics.MeanAbsolutePercentageError()(t, p) == pytest.approx(100 * np.mean(np.abs((t - p) / t)), rel=1e-5)
    msle = np.mean((np.log1p(p) - np.log1p(t)) ** 2)
    assert metrics.MeanSquaredLogarithmicError()(t, p) == pytest.approx(msle, rel=1e-5)
    assert metrics.RootMeanSquaredLogarithmicError()(t, p) == pytest.approx(np.sqrt(msle), rel=1e-5)


def test_rmse_accumulates_over_batches_with_weights():
    m = metrics.RootMeanSquaredError()
    m.update_state([[1.0], [2.0]], [[2.0], [2.0]], sample_weight=[1.0, 3.0])
    m.update_state([[0.0]], [[2.0]])
    assert m.result() == pytest.approx(np.sqrt((1 + 0 + 4) / 5))


def test_r2_score():
    t = RNG.standard_normal((20, 2))
    p = t + 0.3 * RNG.standard_normal((20, 2))
    m = metrics.R2Score()
    m.update_state(t[:7], p[:7])
    m.update_state(t[7:], p[7:])
    per = 1 - ((t - p) ** 2).sum(0) / ((t - t.mean(0)) ** 2).sum(0)
    assert m.result() == pytest.approx(per.mean(), rel=1e-6)
    raw = metrics.R2Score(class_aggregation=None)(t, p)
    np.testing.assert_allclose(raw, per, rtol=1e-5)
    adj = metrics.R2Score(num_regressors=3)(t, p)
    assert adj == pytest.approx(1 - (1 - per.mean()) * (40 - 1) / (40 - 3 - 1), rel=1e-6)


def test_precision_recall_thresholds_top_k_class_id():
    y_true = np.array([0, 1, 1, 1])
    y_pred = np.array([1, 0, 1, 1])
    assert metrics.Precision()(y_true, y_pred) == pytest.approx(2 / 3)
    assert metrics.Recall()(y_true, y_pred) == pytest.approx(2 / 3)
    p = metrics.Precision(thresholds=[0.3, 0.8])
    p.update_state([0, 1, 1, 0], [0.5, 0.9, 0.4, 0.2])
    assert p.result() == pytest.approx([2 / 3, 1.0])
    # top_k: only the highest prediction of each sample counts
    m = metrics.Precision(top_k=1)
    m.update_state([[0, 0, 1, 1]], [[1, 1, 1, 1]])
    assert m.result() == pytest.approx(0.0)
    r = metrics.Recall(class_id=2)
    r.update_state([[0, 0, 1], [0, 0, 1], [1, 0, 0]], [[0.1, 0.2, 0.7], [0.5, 0.4, 0.1], [0.2, 0.1, 0.8]])
    assert r.result() == pytest.approx(0.5)
    w = metrics.Recall()
    w.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert w.result() == 1.0


def _trapezoid_roc(y, s, thresholds):
    tpr, fpr = [], []
    for t in thresholds:
        pos = s > t
        tp, fp = np.sum(pos & (y == 1)), np.sum(pos & (y == 0))
        fn, tn = np.sum(~pos & (y == 1)), np.sum(~pos & (y == 0))
        tpr.append(tp / (tp + fn) if tp + fn else 0.0)
        fpr.append(fp / (fp + tn) if fp + tn else 0.0)
    tpr, fpr = np.array(tpr), np.array(fpr)
    return np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)


def test_auc_roc_matches_trapezoid_reference_and_exact_auc():
    y = RNG.integers(0, 2, 300)
    s = np.clip(0.3 * y + 0.7 * RNG.random(300), 0, 1).astype(np.float32)
    m = metrics.AUC()
    m.update_state(y[:100], s[:100])
    m.update_state(y[100:], s[100:])
    thr = np.array([-1e-7] + [(i + 1) / 199 for i in range(198)] + [1 + 1e-7], np.float32)
    assert m.result() == pytest.approx(_trapezoid_roc(y, s, thr), abs=1e-6)
    # With many thresholds it approaches the exact (Mann-Whitney) AUC.
    pos, neg = s[y == 1], s[y == 0]
    exact = np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :]))
    fine = metrics.AUC(num_thresholds=5000)
    fine.update_state(y, s)
    assert fine.result() == pytest.approx(exact, abs=2e-3)


def test_auc_keras_docstring_values():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    # Keras's docstring: tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2], tn = [0, 2, 2] -> 0.75
    assert m.result() == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == pytest.approx(1.0)


def test_auc_pr_interpolation_minoring_majoring():
    y = np.array([0, 0, 1, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.6, 0.7, 0.9])
    vals = {meth: metrics.AUC(curve="PR", summation_method=meth, num_thresholds=50)(y, s)
            for meth in ("interpolation", "minoring", "majoring")}
    assert vals["minoring"] <= vals["interpolation"] <= vals["majoring"]
    assert 0.6 < vals["interpolation"] < 1.0
    roc = {meth: metrics.AUC(summation_method=meth, num_thresholds=50)(y, s) for meth in ("minoring", "majoring")}
    assert roc["minoring"] <= roc["majoring"]


def test_auc_multi_label_and_logits():
    y = RNG.integers(0, 2, (50, 3))
    s = RNG.random((50, 3))
    m = metrics.AUC(multi_label=True)
    m.update_state(y, s)
    per = []
    for j in range(3):
        single = metrics.AUC()
        single.update_state(y[:, j], s[:, j])
        per.append(single.result())
    assert m.result() == pytest.approx(np.mean(per), abs=1e-9)
    z = RNG.standard_normal(40)
    yy = RNG.integers(0, 2, 40)
    a = metrics.AUC(from_logits=True)(yy, z)
    b = metrics.AUC()(yy, 1 / (1 + np.exp(-z)))
    assert a == pytest.approx(b)


def test_auc_bad_arguments():
    with pytest.raises(ValueError, match="Invalid AUC curve value"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="`num_thresholds` must be an integer > 1"):
        metrics.AUC(num_thresholds=1)


def test_crossentropy_metrics_match_losses():
    p = RNG.random((5, 4)) + 0.1
    p /= p.sum(1, keepdims=True)
    t = np.eye(4)[RNG.integers(0, 4, 5)]
    assert metrics.CategoricalCrossentropy()(t, p) == pytest.approx(losses.CategoricalCrossentropy()(t, p), rel=1e-6)
    labels = t.argmax(1)
    assert metrics.SparseCategoricalCrossentropy()(labels, p) == pytest.approx(
        losses.SparseCategoricalCrossentropy()(labels, p), rel=1e-6)
    yb, pb = np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]])
    assert metrics.BinaryCrossentropy()(yb, pb) == pytest.approx(losses.BinaryCrossentropy()(yb, pb), rel=1e-6)


@pytest.mark.parametrize("ident,y_true,y_pred,cls", [
    ("accuracy", (8, 1), (8, 1), metrics.BinaryAccuracy),
    ("acc", (8,), (8, 10), metrics.SparseCategoricalAccuracy),
    ("accuracy", (8, 1), (8, 10), metrics.SparseCategoricalAccuracy),
    ("Accuracy", (8, 10), (8, 10), metrics.CategoricalAccuracy),
    ("crossentropy", (8, 10), (8, 10), metrics.CategoricalCrossentropy),
    ("ce", (8,), (8, 10), metrics.SparseCategoricalCrossentropy),
])
def test_resolve_from_shapes_names_as_written(ident, y_true, y_pred, cls):
    m = metrics.resolve(ident, losses.get("mse"), y_true, y_pred)
    assert type(m) is cls and m.name == ident


def test_resolve_from_loss_without_shapes_and_other_names():
    assert isinstance(metrics.resolve("acc", losses.BinaryCrossentropy()), metrics.BinaryAccuracy)
    assert isinstance(metrics.resolve("acc", losses.SparseCategoricalCrossentropy()),
                      metrics.SparseCategoricalAccuracy)
    ce = metrics.resolve("ce", losses.CategoricalCrossentropy(from_logits=True))
    assert ce.from_logits
    m = metrics.resolve("mae", None, (4, 1), (4, 1))
    assert isinstance(m, metrics.MeanAbsoluteError) and m.name == "mae"
    auc = metrics.AUC(name="my_auc")
    assert metrics.resolve(auc) is auc and auc.name == "my_auc"
    assert metrics.resolve(None) is None


def test_get_and_unknown():
    assert isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("root_mean_squared_error"), metrics.RootMeanSquaredError)
    assert isinstance(metrics.get("r2_score"), metrics.R2Score)
    assert isinstance(metrics.get("Precision"), metrics.Precision)
    wrapped = metrics.get(metrics.binary_accuracy)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "binary_accuracy"
    with pytest.raises(ValueError, match="Could not interpret metric identifier: accuracyy. Expected one of:"):
        metrics.get("accuracyy")


def test_config_round_trip():
    for m in [metrics.AUC(num_thresholds=10, curve="PR"), metrics.Precision(thresholds=[0.2, 0.4], class_id=1),
              metrics.BinaryAccuracy(threshold=0.7), metrics.R2Score(num_regressors=2),
              metrics.TopKCategoricalAccuracy(k=3), metrics.CategoricalCrossentropy(label_smoothing=0.1)]:
        clone = metrics.deserialize(metrics.serialize(m))
        assert type(clone) is type(m) and clone.get_config() == m.get_config()


def test_confusion_counts():
    y_true, y_pred = [0, 1, 1, 1, 0], [0.2, 0.9, 0.3, 0.6, 0.7]
    assert metrics.TruePositives()(y_true, y_pred) == 2.0
    assert metrics.FalsePositives()(y_true, y_pred) == 1.0
    assert metrics.TrueNegatives()(y_true, y_pred) == 1.0
    assert metrics.FalseNegatives()(y_true, y_pred) == 1.0
    assert metrics.TruePositives(thresholds=[0.1, 0.8])(y_true, y_pred) == [3.0, 1.0]
    assert metrics.get("true_positives").name == "true_positives"


def test_hinge_family_and_divergence_metrics_match_losses():
    t = np.array([[0.0, 1.0], [1.0, 0.0]])
    p = np.array([[0.3, 0.7], [0.6, 0.4]])
    for mcls, lcls in [(metrics.Hinge, losses.Hinge), (metrics.SquaredHinge, losses.SquaredHinge),
                       (metrics.CategoricalHinge, losses.CategoricalHinge), (metrics.KLDivergence, losses.KLDivergence),
                       (metrics.Poisson, losses.Poisson)]:
        assert mcls()(t, p) == pytest.approx(lcls()(t, p), rel=1e-6)


def test_f1_and_fbeta():
    y_true = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.float32)
    y_pred = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
    f1 = metrics.F1Score(threshold=0.5)(y_true, y_pred)
    # Keras's docstring example: [0.5, 0.8, 0.6666667]
    np.testing.assert_allclose(f1, [0.5, 0.8, 0.6666667], rtol=1e-5)
    fb = metrics.FBetaScore(beta=2.0, threshold=0.5)(y_true, y_pred)
    np.testing.assert_allclose(fb, [0.3846154, 0.90909094, 0.8333334], rtol=1e-5)
    macro = metrics.F1Score(average="macro", threshold=0.5)(y_true, y_pred)
    assert macro == pytest.approx(np.mean([0.5, 0.8, 2 / 3]), rel=1e-5)
    with pytest.raises(ValueError, match="Invalid `average` argument value"):
        metrics.F1Score(average="mean")


def test_auc_bucketing_equals_threshold_comparison():
    from kernn.metrics.confusion import _confusion, _confusion_even

    y = RNG.integers(0, 2, 500).astype(bool)
    s = RNG.random(500).astype(np.float32)
    s[:20] = np.array([i / 199 for i in range(20)], np.float32)  # values on the thresholds
    w = RNG.random(500)
    thr = np.array([-1e-7] + [(i + 1) / 199 for i in range(198)] + [1 + 1e-7], np.float32)
    for a, b in zip(_confusion_even(y, s, w, 200), _confusion(y, s, w, thr)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)

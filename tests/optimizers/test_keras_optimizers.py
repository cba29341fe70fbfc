"""Each optimizer against a float64 NumPy reference of Keras 3's rule over several steps,
with clipping, weight decay and schedules; plus the base-class behaviour."""
import math

import numpy as np
import pytest

from kernn import optimizers
from kernn.constraints import NonNeg
from kernn.optimizers import schedules
from kernn.variables import Variable
from reference import optimizer_rules as ref

SHAPES = [(3, 4), (5,), (2, 2, 3)]
STEPS = 5


def _setup(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(STEPS)]
    return params, grads


def _run_kernn(opt, params, grads):
    vs = [Variable(p, f"v{i}", f"layer/v{i}") for i, p in enumerate(params)]
    for step in grads:
        opt.apply_gradients(zip(step, vs))
    assert opt.iterations == len(grads)
    return [v.value for v in vs]


CONFIGS = {
    "sgd": ("sgd", {}, {}),
    "sgd_momentum": ("sgd", {"momentum": 0.9}, {"momentum": 0.9}),
    "sgd_nesterov": ("sgd", {"momentum": 0.5, "nesterov": True}, {"momentum": 0.5, "nesterov": True}),
    "adam": ("adam", {}, {}),
    "adam_amsgrad": ("adam", {"amsgrad": True, "beta_2": 0.9}, {"amsgrad": True, "beta_2": 0.9}),
    "adamw": ("adamw", {}, {"weight_decay": 0.004}),
    "rmsprop": ("rmsprop", {}, {}),
    "rmsprop_centered_momentum": ("rmsprop", {"centered": True, "momentum": 0.9},
                                  {"centered": True, "momentum": 0.9}),
    "adagrad": ("adagrad", {}, {}),
    "adamax": ("adamax", {}, {}),
    "nadam": ("nadam", {}, {}),
}
DEFAULT_LR = {"sgd": 0.01, "adam": 0.001, "adamw": 0.001, "rmsprop": 0.001, "adagrad": 0.001, "adamax": 0.001,
              "nadam": 0.001}


@pytest.mark.parametrize("case", list(CONFIGS), ids=list(CONFIGS))
def test_update_matches_reference_over_steps(case):
    name, kw, ref_kw = CONFIGS[case]
    params, grads = _setup()
    opt = optimizers.get(name).__class__(learning_rate=0.05, **kw)
    got = _run_kernn(opt, params, grads)
    want = ref.run(name, params, grads, lambda i: 0.05, **ref_kw)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("clip", [{"clipnorm": 0.5}, {"clipvalue": 0.3}, {"global_clipnorm": 1.0}],
                         ids=["clipnorm", "clipvalue", "global_clipnorm"])
def test_clipping(name, clip):
    params, grads = _setup(1)
    got = _run_kernn(optimizers.get(name).__class__(learning_rate=0.1, **clip), params, grads)
    want = ref.run(name, params, grads, lambda i: 0.1, **clip)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


def test_weight_decay_with_schedule_and_exclusion():
    params, grads = _setup(2)
    sched = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched, momentum=0.9, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["v1"])
    got = _run_kernn(opt, params, grads)
    lr = lambda i: 0.1 * 0.5 ** (i / 2)  # noqa: E731
    want = ref.run("sgd", params, grads, lr, weight_decay=0.1, momentum=0.9)
    # v1 excluded: no decay
    want[1] = ref.run("sgd", [params[1]], [[g[1]] for g in grads], lr, momentum=0.9)[0]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)
    assert math.isclose(opt.learning_rate, lr(STEPS), rel_tol=1e-9)


@pytest.mark.parametrize("sched,expect", [
    (schedules.ExponentialDecay(1.0, 10, 0.5, staircase=True), lambda s: 0.5 ** (s // 10)),
    (schedules.InverseTimeDecay(1.0, 5, 0.5), lambda s: 1.0 / (1 + 0.5 * s / 5)),
    (schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.1, power=2.0),
     lambda s: 0.9 * (1 - min(s, 10) / 10) ** 2 + 0.1),
    (schedules.PiecewiseConstantDecay([3, 7], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 3 else (0.5 if s <= 7 else 0.1)),
    (schedules.CosineDecay(1.0, 10, alpha=0.1),
     lambda s: 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 10) / 10)) + 0.1),
    (schedules.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4),
     lambda s: s / 4 if s < 4 else 0.5 * (1 + math.cos(math.pi * min(s - 4, 10) / 10))),
], ids=["exponential_staircase", "inverse_time", "polynomial", "piecewise", "cosine", "cosine_warmup"])
def test_schedules(sched, expect):
    for s in [0, 1, 3, 4, 5, 7, 8, 10, 14, 20]:
        assert math.isclose(sched(s), expect(s), rel_tol=1e-9, abs_tol=1e-12), s
    again = schedules.deserialize(schedules.serialize(sched))
    assert again.get_config() == sched.get_config()


def test_cosine_decay_restarts_restarts():
    s = schedules.CosineDecayRestarts(1.0, 10, t_mul=2.0)
    assert math.isclose(s(0), 1.0) and math.isclose(s(10), 1.0) and s(9) < 0.1 and math.isclose(s(30), 1.0)


def test_defaults_and_names():
    a = optimizers.Adam()
    assert (a.learning_rate, a.beta_1, a.beta_2, a.epsilon, a.amsgrad, a.name) == (0.001, 0.9, 0.999, 1e-7, False,
                                                                                   "adam")
    assert optimizers.AdamW().weight_decay == 0.004
    r = optimizers.RMSprop()
    assert (r.learning_rate, r.rho, r.momentum, r.epsilon, r.centered) == (0.001, 0.9, 0.0, 1e-7, False)
    s = optimizers.SGD()
    assert (s.learning_rate, s.momentum, s.nesterov, s.name) == (0.01, 0.0, False, "SGD")
    g = optimizers.Adagrad()
    assert (g.learning_rate, g.initial_accumulator_value, g.epsilon) == (0.001, 0.1, 1e-7)


def test_get_case_insensitive_and_unknown_lists_names():
    assert isinstance(optimizers.get("Adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get(optimizers.Nadam), optimizers.Nadam)
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match=r"Could not interpret optimizer identifier: 'adamm'\. Expected one of: "
                                         r"adagrad, adam, adamax, adamw, nadam, rmsprop, sgd"):
        optimizers.get("adamm")


def test_only_one_clip_argument():
    with pytest.raises(ValueError, match=r"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set\. "
                                         r"Received: clipnorm=1\.0, clipvalue=0\.5, global_clipnorm=None"):
        optimizers.Adam(clipnorm=1.0, clipvalue=0.5)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"`momentum` must be a float between \[0, 1\]. Received: momentum=1.5"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match=r"Argument\(s\) not recognized"):
        optimizers.Adam(lr=0.1)
    with pytest.raises(ValueError, match="`gradient_accumulation_steps` must be an integer >= 2"):
        optimizers.Adam(gradient_accumulation_steps=1)


def test_learning_rate_setter_and_schedule_not_settable():
    opt = optimizers.Adam()
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5
    opt2 = optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError, match="not settable"):
        opt2.learning_rate = 0.2


def test_config_round_trip_with_schedule():
    opt = optimizers.Adam(learning_rate=schedules.CosineDecay(0.01, 100), clipnorm=1.0, amsgrad=True)
    clone = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(clone, optimizers.Adam) and clone.get_config() == opt.get_config()
    assert clone.get_config()["learning_rate"]["class_name"] == "CosineDecay"


def test_constraint_applied_after_update_and_none_gradients_skipped():
    v = Variable(np.array([0.01, 0.5], np.float32), "w", "d/w", constraint=NonNeg())
    other = Variable(np.ones(2, np.float32), "b", "d/b")
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['d/b'\]"):
        opt.apply_gradients([(np.array([1.0, 0.1], np.float32), v), (None, other)])
    np.testing.assert_allclose(v.value, [0.0, 0.4], atol=1e-7)
    np.testing.assert_array_equal(other.value, [1.0, 1.0])


def test_no_gradient_at_all_is_an_error():
    with pytest.raises(ValueError, match="No gradients provided for any variable."):
        optimizers.SGD().apply_gradients([(None, Variable(np.ones(2), "w", "d/w"))])


def test_gradient_shape_mismatch():
    v = Variable(np.ones((2, 3)), "w", "d/w")
    with pytest.raises(ValueError, match=r"shape \(3, 2\) but the variable has shape \(2, 3\)"):
        optimizers.Adam().apply_gradients([(np.ones((3, 2)), v)])


def test_gradient_accumulation_applies_mean_every_n_steps():
    v = Variable(np.zeros(2), "w", "d/w")
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=2)
    opt.apply_gradients([(np.array([1.0, 2.0]), v)])
    np.testing.assert_array_equal(v.value, [0, 0])
    opt.apply_gradients([(np.array([3.0, 4.0]), v)])
    np.testing.assert_allclose(v.value, [-2.0, -3.0])
    assert opt.iterations == 1 and opt.variables[0] == 2  # Keras counts accumulated updates


def test_gradient_accumulation_adam_bias_correction_counts_updates():
    params, grads = _setup(6)
    opt = optimizers.Adam(learning_rate=0.1, gradient_accumulation_steps=2)
    vs = [Variable(p, f"v{i}", f"layer/v{i}") for i, p in enumerate(params)]
    for step in grads[:4]:
        opt.apply_gradients(zip(step, vs))
    means = [[(a + b) / 2 for a, b in zip(grads[i], grads[i + 1])] for i in (0, 2)]
    want = ref.run("adam", params, means, lambda i: 0.1)
    for v, w in zip(vs, want):
        np.testing.assert_allclose(v.value, w, rtol=2e-5, atol=2e-6)


def test_ema_tracks_and_finalizes():
    v = Variable(np.zeros(1), "w", "d/w")
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        opt.apply_gradients([(np.array([-1.0]), v)])
    # weights 1, 2, 3; averages: 1 (first step copies), 0.5*1 + 0.5*2 = 1.5, 0.5*1.5 + 0.5*3 = 2.25
    np.testing.assert_allclose(v.value, [3.0])
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.value, [2.25])


def test_slots_are_per_variable_path_and_variables_lists_state():
    opt = optimizers.Adam()
    a, b = Variable(np.ones(3), "k", "a/k"), Variable(np.ones(2), "k", "b/k")
    opt.apply_gradients([(np.ones(3), a), (np.ones(2), b)])
    state = opt.variables
    assert int(state[0]) == 1 and float(state[1]) == pytest.approx(0.001)
    assert [s.shape for s in state[2:]] == [(3,), (3,), (2,), (2,)]


@pytest.mark.parametrize("name,kw", [("adam", {"amsgrad": True}), ("rmsprop", {"centered": True, "momentum": 0.5}),
                                     ("nadam", {}), ("sgd", {"momentum": 0.9})])
def test_save_and_load_own_variables_resume_identically(name, kw):
    params, grads = _setup(5)
    cls = optimizers.get(name).__class__
    full = _run_kernn(cls(**kw), params, grads)
    # run 2 steps, save, load into a fresh optimizer on copies, run the rest
    vs = [Variable(p, f"v{i}", f"layer/v{i}") for i, p in enumerate(params)]
    opt = cls(**kw)
    for step in grads[:2]:
        opt.apply_gradients(zip(step, vs))
    store = {}
    opt.save_own_variables(store)
    vs2 = [Variable(v.value, v.name, v.path) for v in vs]
    opt2 = cls(**kw)
    opt2.build(vs2)
    opt2.load_own_variables(store)
    assert opt2.iterations == 2
    for step in grads[2:]:
        opt2.apply_gradients(zip(step, vs2))
    for a, b in zip(full, [v.value for v in vs2]):
        np.testing.assert_array_equal(a, b)


def test_load_own_variables_count_mismatch_warns():
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam'.*not been called/built"):
        optimizers.Adam().load_own_variables({"0": 1, "1": 0.1, "2": np.zeros(3)})


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adagrad", "adamax", "nadam"])
def test_one_kernel_call_per_step_for_all_variables(name, monkeypatch):
    from kernn import ops

    kernel = f"{name}_update"
    real = getattr(ops, kernel)
    calls = []

    def spy(params, *args, **kwargs):
        calls.append(len(params))
        return real(params, *args, **kwargs)

    monkeypatch.setattr(ops, kernel, spy)
    params, grads = _setup(4)
    _run_kernn(optimizers.get(name), params, grads[:2])
    assert calls == [len(SHAPES), len(SHAPES)]


def test_ema_overwrite_frequency():
    v = Variable(np.zeros(1), "w", "d/w")
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    opt.apply_gradients([(np.array([-1.0]), v)])
    np.testing.assert_allclose(v.value, [1.0])
    opt.apply_gradients([(np.array([-1.0]), v)])
    # step 2: weight 2, average 0.5 * 1 + 0.5 * 2 = 1.5 overwrites the weight
    np.testing.assert_allclose(v.value, [1.5])


def test_legacy_config_keys_and_decay_warning():
    cfg = {"name": "Adam", "learning_rate": 0.01, "decay": 0.0, "jit_compile": True, "is_legacy_optimizer": False,
           "beta_1": 0.8}
    opt = optimizers.Adam.from_config(cfg)
    assert opt.beta_1 == 0.8 and opt.learning_rate == 0.01
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=0.1)


def test_learning_rate_value_has_numpy_and_assign_like_keras_variable():
    opt = optimizers.Adam(learning_rate=0.01)
    lr = opt.learning_rate
    assert lr == 0.01 and isinstance(lr, float) and lr.numpy().dtype == np.float32
    lr.assign(0.5)
    assert opt.learning_rate == 0.5
    assert opt.get_config()["learning_rate"] == 0.5 and type(opt.get_config()["learning_rate"]) is float

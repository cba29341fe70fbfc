"""Property-based tests of the cheap element-wise kernels: activations (forward, gradient
from the input and from the output), softmax / log_softmax, bias_grad, the fused
cross-entropy losses and the optimizer updates. Hypothesis draws shapes (empty, 1 and odd
sizes), magnitudes, the activation's parameters and the optimizers' hyperparameters, and
compares kernn.ops with the float64 references.

CI runs the "ci" profile; for a long run:
    KERNN_HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import kernn
from reference import activations as ref_act
from reference import losses as ref_loss
from reference import optimizers as ref_opt

shapes = st.lists(st.integers(0, 9), min_size=1, max_size=3).map(tuple)
flat_sizes = st.sampled_from([0, 1, 7, 8, 15, 16, 17, 33, 100, 1001])
seeds = st.integers(0, 2**16)

PARAMS = {  # name -> strategy of its keyword arguments (Keras's ranges)
    "relu": st.fixed_dictionaries({}, optional={
        "negative_slope": st.sampled_from([0.0, 0.1, 0.5]), "max_value": st.sampled_from([None, 0.5, 6.0]),
        "threshold": st.sampled_from([0.0, -0.4, 0.3])}),
    "leaky_relu": st.fixed_dictionaries({"negative_slope": st.sampled_from([0.0, 0.2, 0.9, 1.5])}),
    "elu": st.fixed_dictionaries({"alpha": st.sampled_from([0.5, 1.0, 2.0])}),
    "celu": st.fixed_dictionaries({"alpha": st.sampled_from([0.5, 1.0, 2.0])}),
    "squareplus": st.fixed_dictionaries({"b": st.sampled_from([0.0, 1.0, 4.0])}),
    "soft_shrink": st.fixed_dictionaries({"threshold": st.sampled_from([0.0, 0.5, 1.0])}),
    "hard_shrink": st.fixed_dictionaries({"threshold": st.sampled_from([0.0, 0.5, 1.0])}),
}
FROM_OUTPUT = ("linear", "relu6", "selu", "softplus", "softsign", "hard_sigmoid", "exponential", "sigmoid", "tanh",
               "leaky_relu", "elu")


@st.composite
def activations(draw):
    name = draw(st.sampled_from(ref_act.ELEMENTWISE))
    params = draw(PARAMS.get(name, st.just({})))
    return name, params


@given(act=activations(), n=flat_sizes, scale=st.sampled_from([0.01, 1.0, 5.0, 25.0]), seed=seeds)
def test_activation_forward_and_gradients(act, n, scale, seed):
    name, params = act
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * scale).astype(np.float32)
    if name == "exponential":
        x = np.clip(x, -80, 80)
    g = rng.standard_normal(n).astype(np.float32)
    op, kw = ("gelu", {"approximate": name == "gelu_tanh"}) if name.startswith("gelu") else (name, params)
    y = kernn.ops.activation(x, op, **kw)
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(y, ref_act.forward(x, name, **params).astype(np.float32), rtol=2e-6, atol=1e-7)
        want_d = ref_act.backward(x, g, name, **params).astype(np.float32)
    np.testing.assert_allclose(kernn.ops.activation_grad(x, None, g, op, **kw), want_d, rtol=2e-6, atol=2e-7)
    if name in FROM_OUTPUT or (name == "relu" and not params.get("threshold")):
        # from the output alone, where the output still tells the input's side of each kink
        inside = np.abs(x) > 1e-3
        if name == "relu" and params.get("max_value") is not None:
            inside &= np.abs(x - params["max_value"]) > 1e-3
        if name == "relu6":
            inside &= np.abs(x - 6) > 1e-3
        got = kernn.ops.activation_grad(None, y, g, op, **kw)
        with np.errstate(over="ignore"):
            np.testing.assert_allclose(got[inside], want_d[inside], rtol=2e-5, atol=1e-6)


@given(shape=shapes, scale=st.sampled_from([0.1, 1.0, 10.0]), log=st.booleans(), seed=seeds)
def test_softmax_and_gradient(shape, scale, log, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    if log:
        y = kernn.ops.log_softmax(x)
        np.testing.assert_allclose(y, ref_act.log_softmax(x), rtol=2e-6, atol=4e-6)
        np.testing.assert_allclose(kernn.ops.log_softmax_grad(y, g), ref_act.log_softmax_backward(y, g),
                                   rtol=2e-6, atol=4e-6)
    else:
        y = kernn.ops.softmax(x)
        np.testing.assert_allclose(y, ref_act.softmax(x), rtol=2e-6, atol=1e-7)
        np.testing.assert_allclose(kernn.ops.softmax_grad(y, g), ref_act.softmax_backward(y, g), rtol=2e-6,
                                   atol=2e-6)


@given(shape=shapes, seed=seeds)
def test_bias_grad(shape, seed):
    g = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(kernn.ops.bias_grad(g), ref_act.bias_grad(g), rtol=1e-6, atol=1e-5)


@given(lead=st.lists(st.integers(0, 5), min_size=0, max_size=2).map(tuple), classes=st.integers(1, 9),
       kind=st.sampled_from(["categorical", "sparse", "binary"]), from_logits=st.booleans(), seed=seeds)
def test_crossentropy_losses(lead, classes, kind, from_logits, seed):
    rng = np.random.default_rng(seed)
    shape = lead + (classes,)
    if from_logits:
        y_pred = (rng.standard_normal(shape) * 3).astype(np.float32)
    elif kind == "binary":
        y_pred = rng.random(shape).astype(np.float32)
    else:
        y_pred = (rng.random(shape) + 0.01).astype(np.float32)
        y_pred /= y_pred.sum(axis=-1, keepdims=True)
    if kind == "sparse":
        y_true = rng.integers(0, classes, lead)
        got = kernn.ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits)
        want = ref_loss.sparse_categorical_crossentropy(y_true, y_pred, from_logits)
    elif kind == "binary":
        y_true = rng.integers(0, 2, shape).astype(np.float32)
        got = kernn.ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
        want = ref_loss.binary_crossentropy(y_true, y_pred, from_logits)
    else:
        y_true = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, lead)]
        got = kernn.ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits)
        want = ref_loss.categorical_crossentropy(y_true, y_pred, from_logits)
    for a, r, what in zip(got, want, ("loss", "grad")):
        assert a.shape == r.shape, what
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-5, err_msg=what)


OPTIMIZERS = ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "amsgrad", "rmsprop", "rmsprop_centered_momentum",
              "adagrad", "adamax", "nadam"]


@given(opt=st.sampled_from(OPTIMIZERS), shapes=st.lists(st.lists(st.integers(0, 9), max_size=2).map(tuple),
                                                        min_size=1, max_size=4),
       steps=st.integers(1, 3), lr=st.sampled_from([1e-3, 0.1]), beta_1=st.sampled_from([0.0, 0.5, 0.9]),
       beta_2=st.sampled_from([0.9, 0.999]), epsilon=st.sampled_from([1e-7, 1e-3]),
       grad_scale=st.sampled_from([1e-3, 1.0, 10.0]), seed=seeds)
def test_optimizer_updates(opt, shapes, steps, lr, beta_1, beta_2, epsilon, grad_scale, seed):
    rng = np.random.default_rng(seed)
    p = [np.asarray(rng.standard_normal(s), np.float32) for s in shapes]
    zeros = lambda: [np.zeros(s, np.float32) for s in shapes]  # noqa: E731
    r = [a.astype(np.float64) for a in p]
    slots, rslots = [], []
    u_product = 1.0
    for step in range(1, steps + 1):
        g = [np.asarray(rng.standard_normal(s) * grad_scale, np.float32) for s in shapes]
        if step == 1:
            n_slots = {"sgd": 0, "sgd_momentum": 1, "sgd_nesterov": 1, "adam": 2, "amsgrad": 3, "rmsprop": 1,
                       "rmsprop_centered_momentum": 3, "adagrad": 1, "adamax": 2, "nadam": 2}[opt]
            slots = [zeros() for _ in range(n_slots)]
            rslots = [zeros() for _ in range(n_slots)]
        if opt.startswith("sgd"):
            mom = 0.0 if opt == "sgd" else beta_1 or 0.5
            v = slots[0] if slots else None
            kernn.ops.sgd_update(p, g, v, learning_rate=lr, momentum=mom, nesterov=opt == "sgd_nesterov")
            r, rv = ref_opt.sgd(r, g, rslots[0] if rslots else None, lr, mom, opt == "sgd_nesterov")
            rslots = [rv] if rv is not None else []
        elif opt in ("adam", "amsgrad"):
            ams = opt == "amsgrad"
            kernn.ops.adam_update(p, g, slots[0], slots[1], slots[2] if ams else None, learning_rate=lr,
                                  beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, step=step, amsgrad=ams)
            r, *rs = ref_opt.adam(r, g, rslots[0], rslots[1], rslots[2] if ams else None, lr, beta_1, beta_2,
                                  epsilon, step, ams)
            rslots = [a for a in rs if a is not None]
        elif opt.startswith("rmsprop"):
            full = opt != "rmsprop"
            mom = 0.5 if full else 0.0
            kernn.ops.rmsprop_update(p, g, slots[0], slots[1] if full else None, slots[2] if full else None,
                                     learning_rate=lr, rho=beta_2, momentum=mom, epsilon=epsilon, centered=full)
            r, *rs = ref_opt.rmsprop(r, g, rslots[0], rslots[1] if full else None, rslots[2] if full else None, lr,
                                     beta_2, mom, epsilon, full)
            rslots = [a for a in rs if a is not None]
        elif opt == "adagrad":
            kernn.ops.adagrad_update(p, g, slots[0], learning_rate=lr, epsilon=epsilon)
            r, acc = ref_opt.adagrad(r, g, rslots[0], lr, epsilon)
            rslots = [acc]
        elif opt == "adamax":
            kernn.ops.adamax_update(p, g, slots[0], slots[1], learning_rate=lr, beta_1=beta_1, beta_2=beta_2,
                                    epsilon=epsilon, step=step)
            r, *rslots = ref_opt.adamax(r, g, rslots[0], rslots[1], lr, beta_1, beta_2, epsilon, step)
        else:
            u_t, u_t1, u_product, u_product1 = ref_opt.nadam_schedule(beta_1, step, u_product)
            kernn.ops.nadam_update(p, g, slots[0], slots[1], learning_rate=lr, beta_1=beta_1, beta_2=beta_2,
                                   epsilon=epsilon, step=step, u_t=u_t, u_t1=u_t1, u_product_t=u_product,
                                   u_product_t1=u_product1)
            r, *rslots = ref_opt.nadam(r, g, rslots[0], rslots[1], lr, beta_1, beta_2, epsilon, step, u_t, u_t1,
                                       u_product, u_product1)
    # the kernels compute in float32 as Keras does: 1 - beta_2 from a float32 beta_2 is ~1e-5 off,
    # which moves each step's update (of size ~lr) by ~1e-5 relative
    for got, want in zip(p + sum(slots, []), r + sum(rslots, [])):
        np.testing.assert_allclose(got, want, rtol=2e-6 * steps + 1e-6, atol=2e-7 * steps + 3e-5 * lr * steps)

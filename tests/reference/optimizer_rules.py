"""Plain NumPy float64 references of Keras 3's optimizer update rules (one step, one array),
written from the published formulas in keras/src/optimizers/*.py."""
import numpy as np


def sgd(p, g, s, lr, momentum=0.0, nesterov=False, **_):
    if momentum == 0:
        return p - lr * g
    s["m"] = momentum * s.get("m", 0.0) - lr * g
    if nesterov:
        return p + momentum * s["m"] - lr * g
    return p + s["m"]


def adam(p, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **_):
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - beta_1)
    s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - beta_2)
    v = s["v"]
    if amsgrad:
        s["vhat"] = np.maximum(s.get("vhat", 0.0), s["v"])
        v = s["vhat"]
    alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return p - s["m"] * alpha / (np.sqrt(v) + epsilon)


def rmsprop(p, g, s, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **_):
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    if centered:
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
        denom = s["v"] - s["a"] ** 2 + epsilon
    else:
        denom = s["v"] + epsilon
    inc = lr * g / np.sqrt(denom)
    if momentum > 0:
        s["m"] = momentum * s.get("m", 0.0) + inc
        return p - s["m"]
    return p - inc


def adagrad(p, g, s, lr, initial_accumulator_value=0.1, epsilon=1e-7, **_):
    s["acc"] = s.get("acc", initial_accumulator_value) + g * g
    return p - lr * g / np.sqrt(s["acc"] + epsilon)


def adamax(p, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - beta_1)
    s["u"] = np.maximum(beta_2 * s.get("u", 0.0), np.abs(g))
    return p - lr * s["m"] / ((1 - beta_1**t) * (s["u"] + epsilon))


def nadam(p, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    u_t = beta_1 * (1 - 0.5 * 0.96**t)
    u_t1 = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
    # The running product is shared by all variables: keep it in the shared dict `s["_u"]`.
    u_prod = s["_shared"].setdefault(("u", t), s["_shared"].get(("u", t - 1), 1.0) * u_t)
    u_prod1 = u_prod * u_t1
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - beta_1)
    s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - beta_2)
    m_hat = u_t1 * s["m"] / (1 - u_prod1) + (1 - u_t) * g / (1 - u_prod)
    v_hat = s["v"] / (1 - beta_2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + epsilon)


RULES = {"sgd": sgd, "adam": adam, "adamw": adam, "rmsprop": rmsprop, "adagrad": adagrad, "adamax": adamax,
         "nadam": nadam}


def run(name, params, grads_per_step, lr_fn, clipnorm=None, clipvalue=None, global_clipnorm=None,
        weight_decay=None, **kw):
    """Apply `len(grads_per_step)` steps to a list of float64 params; returns the params.
    lr_fn(iteration) gives the learning rate at 0-based iteration i."""
    params = [np.array(p, np.float64) for p in params]
    states = [{} for _ in params]
    shared = {}
    for s in states:
        s["_shared"] = shared
    for i, grads in enumerate(grads_per_step):
        lr = lr_fn(i)
        grads = [np.array(g, np.float64) for g in grads]
        if clipnorm:
            grads = [g * clipnorm / max(np.linalg.norm(g), clipnorm) for g in grads]
        elif global_clipnorm:
            n = np.sqrt(sum(np.sum(g * g) for g in grads))
            grads = [g * global_clipnorm / max(n, global_clipnorm) for g in grads]
        elif clipvalue:
            grads = [np.clip(g, -clipvalue, clipvalue) for g in grads]
        if weight_decay:
            params = [p - p * weight_decay * lr for p in params]
        params = [RULES[name](p, g, s, lr, t=i + 1, **kw) for p, g, s in zip(params, grads, states)]
    return params

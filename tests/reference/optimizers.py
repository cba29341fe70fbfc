"""Reference optimizer steps, following keras/src/optimizers/<name>.py update_step line by
line, in float64. Each takes lists of arrays and returns new lists (nothing in place).
`step` is the 1-based iteration (Keras's iterations + 1)."""
import numpy as np


def _f(xs):
    return [np.asarray(x, np.float64).copy() for x in xs]


def sgd(params, grads, velocities, lr, momentum=0.0, nesterov=False):
    params, grads = _f(params), _f(grads)
    if momentum == 0.0:
        return [p - g * lr for p, g in zip(params, grads)], None
    velocities = _f(velocities)
    for i, (p, g) in enumerate(zip(params, grads)):
        m = velocities[i] * momentum - g * lr
        velocities[i] = m
        params[i] = p + (m * momentum - g * lr if nesterov else m)
    return params, velocities


def adam(params, grads, ms, vs, vhats, lr, beta_1, beta_2, epsilon, step, amsgrad=False):
    params, grads, ms, vs = _f(params), _f(grads), _f(ms), _f(vs)
    vhats = _f(vhats) if amsgrad else None
    b1p, b2p = beta_1**step, beta_2**step
    alpha = lr * np.sqrt(1 - b2p) / (1 - b1p)
    for i, g in enumerate(grads):
        ms[i] = ms[i] + (g - ms[i]) * (1 - beta_1)
        vs[i] = vs[i] + (g * g - vs[i]) * (1 - beta_2)
        v = vs[i]
        if amsgrad:
            vhats[i] = np.maximum(vhats[i], vs[i])
            v = vhats[i]
        params[i] = params[i] - (ms[i] * alpha) / (np.sqrt(v) + epsilon)
    return params, ms, vs, vhats


def rmsprop(params, grads, velocities, momentums, average_grads, lr, rho, momentum, epsilon, centered):
    params, grads, velocities = _f(params), _f(grads), _f(velocities)
    momentums = _f(momentums) if momentum > 0 else None
    average_grads = _f(average_grads) if centered else None
    for i, g in enumerate(grads):
        velocities[i] = rho * velocities[i] + (1 - rho) * g * g
        if centered:
            average_grads[i] = rho * average_grads[i] + (1 - rho) * g
            denominator = velocities[i] - average_grads[i] ** 2 + epsilon
        else:
            denominator = velocities[i] + epsilon
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            momentums[i] = momentum * momentums[i] + increment
            params[i] = params[i] - momentums[i]
        else:
            params[i] = params[i] - increment
    return params, velocities, momentums, average_grads


def adagrad(params, grads, accumulators, lr, epsilon):
    params, grads, accumulators = _f(params), _f(grads), _f(accumulators)
    for i, g in enumerate(grads):
        accumulators[i] = accumulators[i] + g * g
        params[i] = params[i] - lr * g / np.sqrt(accumulators[i] + epsilon)
    return params, accumulators


def adamax(params, grads, ms, us, lr, beta_1, beta_2, epsilon, step):
    params, grads, ms, us = _f(params), _f(grads), _f(ms), _f(us)
    b1p = beta_1**step
    for i, g in enumerate(grads):
        ms[i] = ms[i] + (g - ms[i]) * (1 - beta_1)
        us[i] = np.maximum(beta_2 * us[i], np.abs(g))
        params[i] = params[i] - lr * ms[i] / ((1 - b1p) * (us[i] + epsilon))
    return params, ms, us


def nadam_schedule(beta_1, step, u_product_prev):
    """Keras's Nadam momentum schedule for iteration `step` (1-based): returns
    (u_t, u_t1, u_product_t, u_product_t1), where u_product_t includes u_t."""
    u_t = beta_1 * (1.0 - 0.5 * 0.96**step)
    u_t1 = beta_1 * (1.0 - 0.5 * 0.96 ** (step + 1))
    u_product_t = u_product_prev * u_t
    return u_t, u_t1, u_product_t, u_product_t * u_t1


def nadam(params, grads, ms, vs, lr, beta_1, beta_2, epsilon, step, u_t, u_t1, u_product_t, u_product_t1):
    params, grads, ms, vs = _f(params), _f(grads), _f(ms), _f(vs)
    # Keras's Nadam casts beta_1 and beta_2 to the variable dtype (float32) before using them
    beta_1, beta_2 = float(np.float32(beta_1)), float(np.float32(beta_2))
    b2p = beta_2**step
    for i, g in enumerate(grads):
        ms[i] = ms[i] + (g - ms[i]) * (1 - beta_1)
        vs[i] = vs[i] + (g * g - vs[i]) * (1 - beta_2)
        m_hat = u_t1 * ms[i] / (1 - u_product_t1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = vs[i] / (1 - b2p)
        params[i] = params[i] - m_hat * lr / (np.sqrt(v_hat) + epsilon)
    return params, ms, vs

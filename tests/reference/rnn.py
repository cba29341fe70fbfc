"""Reference SimpleRNN, LSTM and GRU, step by step from the published equations (as Keras
writes them), in float64: forward over a sequence and backward through time.

Conventions (those of kernn.ops.*_forward): x (batch, steps, features); kernel
(features, G*u); recurrent_kernel (u, G*u); LSTM gates i, f, c, o; GRU gates z, r, h with
h = z * h_prev + (1 - z) * hh; reset_after bias (2, 3u) = [input bias; recurrent bias].
mask (batch, steps) by input step; at a masked step the state and output repeat the
previous ones, the output starting from zeros. Dropout masks multiply the inputs
(batch, features) and the previous state where it enters the recurrent product
(batch, u), the same at every step. go_backwards walks the input steps from the end and
returns the outputs in that processing order.
"""
import numpy as np

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def act(name, x):
    """Activation `name` at the pre-activation x."""
    if name in (None, "linear"):
        return x
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "hard_sigmoid":
        return np.clip(x / 6.0 + 0.5, 0.0, 1.0)
    if name == "softsign":
        return x / (1.0 + np.abs(x))
    if name == "elu":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
    if name == "selu":
        return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))
    if name == "exponential":
        return np.exp(x)
    if name == "relu6":
        return np.clip(x, 0.0, 6.0)
    raise ValueError(name)


def dact(name, x):
    """Derivative of activation `name` at the pre-activation x."""
    if name in (None, "linear"):
        return np.ones_like(x)
    if name == "tanh":
        return 1.0 - np.tanh(x) ** 2
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-x))
        return s * (1.0 - s)
    if name == "relu":
        return (x > 0).astype(x.dtype)
    if name == "hard_sigmoid":
        return np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0)
    if name == "softsign":
        return 1.0 / (1.0 + np.abs(x)) ** 2
    if name == "elu":
        return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))
    if name == "selu":
        return SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0)))
    if name == "exponential":
        return np.exp(x)
    if name == "relu6":
        return ((x > 0) & (x < 6)).astype(x.dtype)
    raise ValueError(name)


GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def forward(cell, x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, mask=None, dropout_mask=None,
            recurrent_dropout_mask=None, activation="tanh", recurrent_activation="sigmoid", reset_after=True,
            go_backwards=False):
    """Returns dict(sequence, last, h, c, tape); `tape` is what `backward` needs."""
    f64 = lambda a: None if a is None else np.asarray(a, dtype=np.float64)  # noqa: E731
    x, W, U, b = f64(x), f64(kernel), f64(recurrent_kernel), f64(bias)
    B, S, _ = x.shape
    u = U.shape[0]
    h = np.zeros((B, u)) if h0 is None else f64(h0).copy()
    c = np.zeros((B, u)) if c0 is None else f64(c0).copy()
    idm = np.ones((B, x.shape[2])) if dropout_mask is None else f64(dropout_mask)
    rdm = np.ones((B, u)) if recurrent_dropout_mask is None else f64(recurrent_dropout_mask)
    m_all = np.ones((B, S), bool) if mask is None else np.asarray(mask) != 0
    a, ra = activation, recurrent_activation
    out = np.zeros((B, u))
    seq, tape = [], []
    order = range(S - 1, -1, -1) if go_backwards else range(S)
    for t in order:
        xt = x[:, t] * idm
        hin = h * rdm
        rec = {"t": t, "xt": xt, "hin": hin, "h_prev": h, "c_prev": c}
        if cell == "simple_rnn":
            pre = xt @ W + hin @ U + (0 if b is None else b)
            hn, cn = act(a, pre), c
            rec["pre"] = pre
        elif cell == "lstm":
            zz = xt @ W + hin @ U + (0 if b is None else b)
            zi, zf, zc, zo = np.split(zz, 4, axis=1)
            i, f, g, o = act(ra, zi), act(ra, zf), act(a, zc), act(ra, zo)
            cn = f * c + i * g
            hn = o * act(a, cn)
            rec.update(zi=zi, zf=zf, zc=zc, zo=zo, i=i, f=f, g=g, o=o, cn=cn)
        else:
            if b is None:
                b_in, b_rec = np.zeros(3 * u), np.zeros(3 * u)
            elif reset_after:
                b_in, b_rec = b[0], b[1]
            else:
                b_in, b_rec = b, np.zeros(3 * u)
            mx = xt @ W + b_in
            xz, xr, xh = np.split(mx, 3, axis=1)
            if reset_after:
                mi = hin @ U + b_rec
                rz, rr, rh = np.split(mi, 3, axis=1)
                zp, rp = xz + rz, xr + rr
                z, r = act(ra, zp), act(ra, rp)
                hp = xh + r * rh
                rec.update(rh=rh)
            else:
                zp = xz + hin @ U[:, :u]
                rp = xr + hin @ U[:, u:2 * u]
                z, r = act(ra, zp), act(ra, rp)
                hp = xh + (r * hin) @ U[:, 2 * u:]
            hh = act(a, hp)
            hn = z * h + (1 - z) * hh
            cn = c
            rec.update(zp=zp, rp=rp, hp=hp, z=z, r=r, hh=hh)
        m = m_all[:, t][:, None]
        rec["m"] = m
        h = np.where(m, hn, h)
        c = np.where(m, cn, c)
        out = np.where(m, hn, out)
        seq.append(out)
        tape.append(rec)
    sequence = np.stack(seq, axis=1) if seq else np.zeros((B, 0, u))
    ctx = dict(cell=cell, x=x, W=W, U=U, b=b, idm=idm, rdm=rdm, a=a, ra=ra, reset_after=reset_after,
               h0_given=h0 is not None, tape=tape, B=B, S=S, u=u)
    return dict(sequence=sequence, last=out, h=h, c=c if cell == "lstm" else None, tape=ctx)


def backward(tape, d_sequence=None, d_last=None, d_h=None, d_c=None):
    """Gradients dict(x, kernel, recurrent_kernel, bias, h0, c0) of
    sum(d_sequence * sequence) + sum(d_last * last) + sum(d_h * h) + sum(d_c * c)."""
    cell, W, U, b = tape["cell"], tape["W"], tape["U"], tape["b"]
    B, S, u = tape["B"], tape["S"], tape["u"]
    a, ra, idm, rdm = tape["a"], tape["ra"], tape["idm"], tape["rdm"]
    dx = np.zeros_like(tape["x"])
    dW, dU = np.zeros_like(W), np.zeros_like(U)
    db = None if b is None else np.zeros_like(b)
    dh = np.zeros((B, u)) if d_h is None else np.array(d_h, dtype=np.float64)
    dc = np.zeros((B, u)) if d_c is None else np.array(d_c, dtype=np.float64)
    dout = np.zeros((B, u)) if d_last is None else np.array(d_last, dtype=np.float64)  # grad of `out`
    for s in range(len(tape["tape"]) - 1, -1, -1):
        rec = tape["tape"][s]
        m = rec["m"]
        if d_sequence is not None:
            dout = dout + d_sequence[:, s]
        # out = where(m, hn, out_prev); h = where(m, hn, h_prev); c = where(m, cn, c_prev)
        dhn = np.where(m, dh + dout, 0.0)
        dcn = np.where(m, dc, 0.0)
        dout = np.where(m, 0.0, dout)
        dh_prev = np.where(m, 0.0, dh)
        dc_prev = np.where(m, 0.0, dc)
        xt, hin, h_prev, c_prev = rec["xt"], rec["hin"], rec["h_prev"], rec["c_prev"]
        if cell == "simple_rnn":
            dpre = dhn * dact(a, rec["pre"])
            dzx, dzr, dhin = dpre, dpre, dpre @ U.T
            dU += hin.T @ dpre
        elif cell == "lstm":
            i, f, g, o, cn = rec["i"], rec["f"], rec["g"], rec["o"], rec["cn"]
            do = dhn * act(a, cn)
            dct = dcn + dhn * o * dact(a, cn)
            di, df, dg = dct * g, dct * c_prev, dct * i
            dc_prev = dc_prev + dct * f
            dpre = np.concatenate([di * dact(ra, rec["zi"]), df * dact(ra, rec["zf"]), dg * dact(a, rec["zc"]),
                                   do * dact(ra, rec["zo"])], axis=1)
            dzx, dzr, dhin = dpre, dpre, dpre @ U.T
            dU += hin.T @ dpre
        else:
            z, r, hh = rec["z"], rec["r"], rec["hh"]
            dz = dhn * (h_prev - hh) * dact(ra, rec["zp"])
            dhp = dhn * (1 - z) * dact(a, rec["hp"])
            dh_prev = dh_prev + dhn * z
            if tape["reset_after"]:
                dr = dhp * rec["rh"] * dact(ra, rec["rp"])
                drec = np.concatenate([dz, dr, dhp * r], axis=1)
                dhin = drec @ U.T
                dU += hin.T @ drec
                if db is not None:
                    db[1] += drec.sum(axis=0)
            else:
                d_rhin = dhp @ U[:, 2 * u:].T  # grad of r * hin
                dr = d_rhin * hin * dact(ra, rec["rp"])
                dhin = d_rhin * r + np.concatenate([dz, dr], axis=1) @ U[:, :2 * u].T
                dU[:, :2 * u] += hin.T @ np.concatenate([dz, dr], axis=1)
                dU[:, 2 * u:] += (r * hin).T @ dhp
            dzx = np.concatenate([dz, dr, dhp], axis=1)
        dh_prev = dh_prev + dhin * rdm
        dW += xt.T @ dzx
        dx[:, rec["t"]] = (dzx @ W.T) * idm
        if db is not None:
            if cell == "gru" and tape["reset_after"]:
                db[0] += dzx.sum(axis=0)
            else:
                db += dzx.sum(axis=0)
        dh, dc = dh_prev, dc_prev
    return dict(x=dx, kernel=dW, recurrent_kernel=dU, bias=db, h0=dh, c0=dc if cell == "lstm" else None)


def random_weights(rng, cell, features, units, reset_after=True, scale=0.5):
    """Random (kernel, recurrent_kernel, bias) in Keras's shapes."""
    g = GATES[cell]
    kernel = rng.uniform(-scale, scale, (features, g * units))
    recurrent = rng.uniform(-scale, scale, (units, g * units))
    bias = rng.uniform(-scale, scale, (2, g * units) if cell == "gru" and reset_after else (g * units,))
    return kernel, recurrent, bias


def padding_mask(kind, batch, steps, rng):
    """A (batch, steps) boolean mask: "pre_padding" / "post_padding" (random lengths 0..steps,
    padding before / after the values), "holes" (random, with one fully masked row), or None."""
    if kind == "pre_padding":
        lengths = rng.integers(0, steps + 1, batch)
        return np.arange(steps)[None, :] >= (steps - lengths)[:, None]
    if kind == "post_padding":
        lengths = rng.integers(0, steps + 1, batch)
        return np.arange(steps)[None, :] < lengths[:, None]
    if kind == "holes":
        m = rng.random((batch, steps)) > 0.4
        if batch:
            m[0] = False  # a fully masked row
        return m
    return None


"""Property-based recurrent tests: hypothesis draws the cell (SimpleRNN, LSTM, GRU with
reset_after True and False), shapes (empty batch, no steps, no features, 1 and odd sizes),
masks (none, pre-padding, post-padding, holes with a fully masked row), input and
recurrent dropout masks, go_backwards, initial states, return_sequences and the gradients
given, and compares the forward pass and backpropagation through time of kernn.ops with
the float64 step-by-step reference.

CI runs the "ci" profile; for a long run:
    KERNN_HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import kernn
from reference import rnn as ref

CELLS = ["simple_rnn", "lstm", "gru", "gru_reset_before"]
ACTIVATIONS = ["tanh", "tanh", "sigmoid", "relu", "linear", "softsign", "hard_sigmoid", "elu", "selu", "relu6"]


def _mask(kind, B, S, rng):
    m = ref.padding_mask(kind, B, S, rng)
    if kind == "holes":  # any dtype the layers take as a mask
        m = m.astype(rng.choice([np.bool_, np.int64, np.float32]))
    return m


@given(cell=st.sampled_from(CELLS), B=st.integers(0, 5), S=st.integers(0, 6), F=st.integers(0, 6),
       u=st.integers(1, 9), mask_kind=st.sampled_from([None, "pre_padding", "post_padding", "holes"]),
       dropout=st.booleans(), recurrent_dropout=st.booleans(), go_backwards=st.booleans(), initial=st.booleans(),
       use_bias=st.booleans(), return_sequences=st.booleans(), grad_states=st.booleans(),
       activation=st.sampled_from(ACTIVATIONS), gates=st.sampled_from(["sigmoid", "sigmoid", "hard_sigmoid"]),
       input_grad=st.booleans(), th=st.sampled_from([1, 2]), seed=st.integers(0, 2**16))
def test_rnn_forward_and_bptt(cell, B, S, F, u, mask_kind, dropout, recurrent_dropout, go_backwards, initial,
                              use_bias, return_sequences, grad_states, activation, gates, input_grad, th, seed):
    rng = np.random.default_rng(seed)
    c = "gru" if cell.startswith("gru") else cell
    reset_after = cell != "gru_reset_before"
    x = rng.standard_normal((B, S, F)).astype(np.float32)
    kernel, recurrent, bias = (a.astype(np.float32) for a in ref.random_weights(rng, c, F, u, reset_after, 0.3))
    bias = bias if use_bias else None
    mask = _mask(mask_kind, B, S, rng)
    idm = rng.choice([0.0, 1.0 / 0.7], (B, F)).astype(np.float32) if dropout else None
    rdm = rng.choice([0.0, 1.0 / 0.8], (B, u)).astype(np.float32) if recurrent_dropout else None
    h0 = rng.standard_normal((B, u)).astype(np.float32) if initial else None
    c0 = rng.standard_normal((B, u)).astype(np.float32) if initial and c == "lstm" else None
    state = None if not initial else ([h0, c0] if c == "lstm" else [h0])
    kw = {"reset_after": reset_after} if c == "gru" else {}
    if c != "simple_rnn":
        kw["recurrent_activation"] = gates
    with kernn.threads(th):
        out, states, cache = getattr(kernn.ops, f"{c}_forward")(
            x, kernel, recurrent, bias, initial_state=state, mask=mask, dropout_mask=idm,
            recurrent_dropout_mask=rdm, activation=activation, go_backwards=go_backwards,
            return_sequences=return_sequences, training=True, **kw)
    want = ref.forward(c, x, kernel, recurrent, bias, h0, c0, mask, idm, rdm, activation, gates, reset_after,
                       go_backwards)
    tol = dict(rtol=5e-5, atol=1e-5 * (F + u + S + 4))
    np.testing.assert_allclose(out, want["sequence" if return_sequences else "last"], err_msg="outputs", **tol)
    np.testing.assert_allclose(states[0], want["h"], err_msg="h", **tol)
    if c == "lstm":
        np.testing.assert_allclose(states[1], want["c"], err_msg="c", **tol)

    d_out = rng.standard_normal(out.shape).astype(np.float32)
    d_h = rng.standard_normal((B, u)).astype(np.float32) if grad_states else None
    d_c = rng.standard_normal((B, u)).astype(np.float32) if grad_states and c == "lstm" else None
    with kernn.threads(th):
        got = getattr(kernn.ops, f"{c}_backward")(cache, d_out, [d_h, d_c] if c == "lstm" else [d_h],
                                                  input_grad=input_grad)
    want_g = ref.backward(want["tape"], d_out if return_sequences else None, None if return_sequences else d_out,
                          d_h, d_c)
    gtol = dict(rtol=2e-4, atol=4e-5 * (F + u + S + 4))
    names = ("x", "kernel", "recurrent_kernel", "bias") if input_grad else ("kernel", "recurrent_kernel", "bias")
    for name in names:
        if want_g[name] is None:
            assert got[name] is None, name
        else:
            np.testing.assert_allclose(got[name], want_g[name], err_msg=name, **gtol)
    if not input_grad:
        assert got["x"] is None
    np.testing.assert_allclose(got["initial_state"][0], want_g["h0"], err_msg="h0", **gtol)
    if c == "lstm":
        np.testing.assert_allclose(got["initial_state"][1], want_g["c0"], err_msg="c0", **gtol)


@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=3), vocab=st.integers(1, 9), dim=st.integers(0, 7),
       seed=st.integers(0, 2**16))
def test_embedding_lookup_and_grad(shape, vocab, dim, seed):
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((vocab, dim)).astype(np.float32)
    idx = rng.integers(0, vocab, shape)
    np.testing.assert_array_equal(kernn.ops.embedding_lookup(idx, table), table[idx])
    g = rng.standard_normal(tuple(shape) + (dim,)).astype(np.float32)
    acc = rng.standard_normal((vocab, dim)).astype(np.float32)
    want = acc.astype(np.float64)
    np.add.at(want, idx.reshape(-1), g.reshape(idx.size, dim))
    np.testing.assert_allclose(kernn.ops.embedding_grad(idx, g, acc), want, rtol=1e-5, atol=1e-5)

"""Recurrent and sequence layers: outputs against the float64 reference with weights in
Keras's layout, return_state, stateful carry-over, Bidirectional merge modes, masks from
Embedding/Masking, gradients, parameter counts, configs and argument errors."""
import numpy as np
import pytest

import kernn.layers as L
from reference import rnn as ref

TOL = dict(rtol=2e-5, atol=2e-5)


def _layer(kind, units, **kw):
    if kind == "gru_reset_before":
        return L.GRU(units, reset_after=False, **kw)
    return {"simple_rnn": L.SimpleRNN, "lstm": L.LSTM, "gru": L.GRU}[kind](units, **kw)


def _ref(kind, x, weights, **kw):
    cell = "gru" if kind.startswith("gru") else kind
    return ref.forward(cell, x, *weights, reset_after=kind != "gru_reset_before", **kw)


KINDS = ["simple_rnn", "lstm", "gru", "gru_reset_before"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
def test_outputs_match_reference_with_keras_weights(rng, kind, go_backwards):
    x = rng.standard_normal((5, 7, 3)).astype(np.float32)
    layer = _layer(kind, 4, return_sequences=True, return_state=True, go_backwards=go_backwards)
    layer(x)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    mask = rng.random((5, 7)) > 0.3
    n_states = 2 if kind == "lstm" else 1
    init = [rng.standard_normal((5, 4)).astype(np.float32) for _ in range(n_states)]
    out = layer(x, mask=mask, initial_state=init)
    want = _ref(kind, x, weights, h0=init[0], c0=init[1] if kind == "lstm" else None, mask=mask,
                go_backwards=go_backwards)
    assert len(out) == 1 + n_states
    np.testing.assert_allclose(out[0], want["sequence"], **TOL)
    np.testing.assert_allclose(out[1], want["h"], **TOL)
    if kind == "lstm":
        np.testing.assert_allclose(out[2], want["c"], **TOL)


def test_return_state_shapes_and_compute_output_shape():
    x = np.ones((3, 6, 2), np.float32)
    out = L.LSTM(5, return_state=True)(x)
    assert [o.shape for o in out] == [(3, 5), (3, 5), (3, 5)]
    out = L.GRU(5, return_sequences=True, return_state=True)(x)
    assert [o.shape for o in out] == [(3, 6, 5), (3, 5)]
    assert L.LSTM(5, return_state=True).compute_output_shape((None, 6, 2)) == [(None, 5), (None, 5), (None, 5)]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_stateful_carries_state_between_batches(rng, kind):
    x = rng.standard_normal((4, 10, 3)).astype(np.float32)
    whole = _layer(kind, 6, return_sequences=True)
    full = whole(x)
    stateful = _layer(kind, 6, return_sequences=True, stateful=True, batch_input_shape=(4, 10, 3))
    stateful(x[:, :5])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    a = stateful(x[:, :5])
    b = stateful(x[:, 5:])
    np.testing.assert_allclose(np.concatenate([a, b], axis=1), full, **TOL)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, :5]), a, **TOL)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(rng, merge_mode):
    x = rng.standard_normal((3, 6, 2)).astype(np.float32)
    bi = L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode=merge_mode)
    bi(x)
    wf, wb = bi.forward_layer.get_weights(), bi.backward_layer.get_weights()
    f = _ref("gru", x, wf)["sequence"]
    b = _ref("gru", x, wb, go_backwards=True)["sequence"][:, ::-1]
    want = {"concat": np.concatenate([f, b], -1), "sum": f + b, "mul": f * b, "ave": (f + b) / 2,
            None: [f, b]}[merge_mode]
    got = bi(x)
    if merge_mode is None:
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, **TOL)
    else:
        np.testing.assert_allclose(got, want, **TOL)
    assert bi.count_params() == 2 * 3 * 4 * (4 + 2 + 2)


def test_embedding_mask_through_bidirectional_lstm_equals_unpadded_sequences(rng):
    lengths = [6, 3, 1, 4]
    seqs = [rng.integers(1, 50, n) for n in lengths]
    padded = np.zeros((4, 6), np.int64)
    for i, s in enumerate(seqs):
        padded[i, 6 - len(s):] = s  # pre-padding, as pad_sequences does
    emb = L.Embedding(50, 8, mask_zero=True)
    bi = L.Bidirectional(L.LSTM(5))
    out = bi(emb(padded), mask=emb.compute_mask(padded))
    for i, s in enumerate(seqs):
        alone = bi(emb(s[None, :]))
        np.testing.assert_allclose(out[i], alone[0], rtol=1e-5, atol=1e-6)


def test_bidirectional_return_sequences_zeroes_masked_outputs(rng):
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)
    out = L.Bidirectional(L.SimpleRNN(4, return_sequences=True))(x, mask=mask)
    assert np.all(out[~mask] == 0) and np.all(out[mask] != 0)


def test_masking_layer_masks_timesteps(rng):
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    x[0, 1] = 0.0
    m = L.Masking()
    y = m(x)
    mask = m.compute_mask(x)
    assert mask.tolist() == [[True, False, True, True], [True] * 4]
    lstm = L.LSTM(3, return_sequences=True)
    out = lstm(y, mask=mask)
    np.testing.assert_array_equal(out[0, 1], out[0, 0])


def _fd_check(layer, x, w_out, idx, eps=1e-2, tol=2e-3):
    def loss():
        y = layer.forward(x, training=True)
        return float(np.sum(np.asarray(y, np.float64) * w_out))
    loss()
    for v in layer.weights:
        v.zero_grad()
    dx = layer.backward(w_out.astype(np.float32))
    for i in idx:
        old = x.flat[i]
        x.flat[i] = old + eps
        p = loss()
        x.flat[i] = old - eps
        m = loss()
        x.flat[i] = old
        assert abs(dx.flat[i] - (p - m) / (2 * eps)) < tol
    return dx


@pytest.mark.parametrize("make", [lambda: L.Bidirectional(L.GRU(4, return_sequences=True)),
                                  lambda: L.Bidirectional(L.LSTM(4), merge_mode="mul"),
                                  lambda: L.TimeDistributed(L.Dense(3)),
                                  lambda: L.SimpleRNN(5, go_backwards=True)],
                         ids=["bi_gru_seq", "bi_lstm_mul", "time_distributed", "simple_backwards"])
def test_layer_input_gradients_by_finite_differences(rng, make):
    layer = make()
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    y = layer(x)
    _fd_check(layer, x, rng.standard_normal(np.shape(y)), idx=[0, 5, 11, 23])


def test_layer_weight_gradients_match_reference(rng):
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    layer = L.LSTM(3, return_sequences=True)
    layer(x)
    w = layer.get_weights()
    layer.forward(x, training=True)
    g = rng.standard_normal((3, 4, 3)).astype(np.float32)
    layer.backward(g)
    want = ref.backward(ref.forward("lstm", x, *w)["tape"], d_sequence=g)
    np.testing.assert_allclose(layer.kernel.grad, want["kernel"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.recurrent_kernel.grad, want["recurrent_kernel"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad, want["bias"], rtol=1e-4, atol=1e-5)


def test_embedding_gradient_scatter_adds():
    emb = L.Embedding(5, 2)
    idx = np.array([[1, 3, 1]])
    emb(idx)
    emb.forward(idx, training=True)
    emb.embeddings.zero_grad()
    emb.backward(np.ones((1, 3, 2), np.float32))
    np.testing.assert_array_equal(emb.embeddings.grad[:, 0], [0, 2, 0, 1, 0])


def test_parameter_counts_match_keras():
    def count(layer, features):
        layer(np.ones((1, 2, features), np.float32))
        return layer.count_params()
    assert count(L.LSTM(7), 3) == 4 * 7 * (7 + 3 + 1)
    assert count(L.GRU(10), 1) == 390
    assert count(L.GRU(10, reset_after=False), 1) == 360
    assert count(L.SimpleRNN(6), 4) == 6 * (6 + 4 + 1)
    assert count(L.Bidirectional(L.LSTM(7)), 3) == 2 * 4 * 7 * (7 + 3 + 1)


def test_weight_order_and_unit_forget_bias():
    layer = L.LSTM(3)
    layer(np.ones((1, 2, 4), np.float32))
    assert [w.shape for w in layer.get_weights()] == [(4, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(layer.bias.value, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    gru = L.GRU(3)
    gru(np.ones((1, 2, 4), np.float32))
    assert [w.shape for w in gru.get_weights()] == [(4, 9), (3, 9), (2, 9)]


@pytest.mark.parametrize("make", [lambda: L.LSTM(3, dropout=0.2, return_sequences=True, go_backwards=True),
                                  lambda: L.GRU(4, reset_after=False, recurrent_activation="hard_sigmoid"),
                                  lambda: L.SimpleRNN(2, activation="relu", stateful=True),
                                  lambda: L.Bidirectional(L.LSTM(3), merge_mode="sum"),
                                  lambda: L.Embedding(10, 4, mask_zero=True), lambda: L.Masking(-1.0),
                                  lambda: L.TimeDistributed(L.Dense(2))],
                         ids=["lstm", "gru", "simple", "bidirectional", "embedding", "masking", "time_distributed"])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config


def test_keras_keyword_arguments_accepted():
    x = np.ones((2, 3, 4), np.float32)
    assert L.LSTM(3, implementation=1)(x).shape == (2, 3)
    out = L.GRU(2, return_sequences=True, zero_output_for_mask=True)(x, mask=np.array([[1, 0, 1], [1, 1, 1]], bool))
    assert np.all(out[0, 1] == 0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="expected a positive integer, got 0"):
        L.LSTM(0)
    with pytest.raises(ValueError, match=r"`activation` must be one of .* Received: activation=gelu"):
        L.SimpleRNN(3, activation="gelu")
    with pytest.raises(ValueError, match="Invalid merge mode"):
        L.Bidirectional(L.LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="expects 2 initial state"):
        L.LSTM(3)(np.ones((2, 3, 1), np.float32), initial_state=[np.zeros((2, 3), np.float32)])


def test_symbolic_inputs_give_symbolic_outputs():
    x = L.Input((5, 3))
    out = L.LSTM(4, return_sequences=True, return_state=True)(x)
    assert [o.shape for o in out] == [(None, 5, 4), (None, 4), (None, 4)]
    assert L.Bidirectional(L.GRU(2), merge_mode=None)(x)[1].shape == (None, 2)
    assert L.Bidirectional(L.GRU(2))(x).shape == (None, 4)
    with pytest.raises(ValueError, match="needs return_sequences=True"):
        L.GRU(3)(L.LSTM(4)(x))


def test_stacking_without_return_sequences_says_so(rng):
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    first, second = L.LSTM(4), L.GRU(3)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2.*needs return_sequences=True"):
        second(first(x))
    np.testing.assert_equal(L.GRU(3)(L.LSTM(4, return_sequences=True)(x)).shape, (2, 3))


def test_training_applies_dropout_masks_and_inference_does_not(rng):
    x = rng.standard_normal((8, 5, 6)).astype(np.float32)
    layer = L.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=3)
    a = layer(x)
    c = layer(x)
    b = layer(x, training=True)
    np.testing.assert_array_equal(a, c)
    assert not np.allclose(a, b)
    layer.backward(np.ones_like(b))  # the training call kept its cache

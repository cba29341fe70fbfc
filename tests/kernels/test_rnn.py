"""kernn.ops recurrent kernels (SimpleRNN, LSTM, GRU, forward and BPTT) against the float64
NumPy reference, over shapes, masks, dropout masks, go_backwards and initial states, on
every ISA."""
import numpy as np
import pytest

import kernn
from reference import rnn as ref

CELLS = ["simple_rnn", "lstm", "gru", "gru_reset_before"]

SHAPES = {  # (batch, steps, features, units)
    "all_ones": (1, 1, 1, 1),
    "batch1_odd_steps": (1, 7, 3, 5),
    "one_step": (5, 1, 4, 9),
    "odd": (13, 9, 6, 17),
    "larger_batch": (37, 5, 7, 20),
    "wide_units": (6, 3, 5, 70),
    "many_features": (5, 4, 20, 9),  # >= 16 features: the input product runs inside the time loop
    "deep_k_chunks": (3, 2, 4, 260),  # backward's k = G * units > 4 KC: the packed kernel in chunks, wide tiles
    "features_64_dx_in_loop": (4, 5, 64, 7),  # LSTM/SimpleRNN backward: dx from the per-step product
    # AVX-512 LSTM/SimpleRNN forward: [x_t, h] (k = 132) in 8x32 tiles; LSTM and GRU backward:
    # dZ_t U^T (k = 448, 336) in 8x32 tiles, a 16-column last panel
    "tall_tiles": (16, 3, 20, 112),
    # forward's packed [W; U] (k = 800) in two k chunks, the first holding all of W and part of U;
    # backward's [W; U]^T with a panel whose columns start in W and end in U
    "stacked_k_chunks": (2, 2, 300, 500),
    "no_features": (3, 4, 0, 6),
    "empty_batch": (0, 3, 2, 4),
    "no_steps": (3, 0, 2, 4),
}


def _run(cell, shape, rng, *, mask_kind=None, dropout=False, go_backwards=False, initial=False,
         activation="tanh", recurrent_activation="sigmoid", return_sequences=True, grad_last=True,
         weight_scale=0.5):
    c = "gru" if cell.startswith("gru") else cell
    reset_after = cell != "gru_reset_before"
    B, S, F, u = shape
    x = rng.standard_normal((B, S, F)).astype(np.float32)
    kernel, recurrent, bias = (a.astype(np.float32) for a in ref.random_weights(rng, c, F, u, reset_after,
                                                                                  weight_scale))
    mask = ref.padding_mask(mask_kind, B, S, rng)
    idm = rng.choice([0.0, 1.0 / 0.7], (B, F)).astype(np.float32) if dropout else None
    rdm = rng.choice([0.0, 1.0 / 0.8], (B, u)).astype(np.float32) if dropout else None
    h0 = rng.standard_normal((B, u)).astype(np.float32) if initial else None
    c0 = rng.standard_normal((B, u)).astype(np.float32) if initial and c == "lstm" else None
    state = None if not initial else ([h0, c0] if c == "lstm" else [h0])
    kw = {"reset_after": reset_after} if c == "gru" else {}
    if c != "simple_rnn":
        kw["recurrent_activation"] = recurrent_activation
    out, states, cache = getattr(kernn.ops, f"{c}_forward")(
        x, kernel, recurrent, bias, initial_state=state, mask=mask, dropout_mask=idm, recurrent_dropout_mask=rdm,
        activation=activation, go_backwards=go_backwards, return_sequences=return_sequences, training=True, **kw)
    want = ref.forward(c, x, kernel, recurrent, bias, h0, c0, mask, idm, rdm, activation, recurrent_activation,
                       reset_after, go_backwards)
    tol = dict(rtol=2e-5, atol=5e-6 * (F + u + 4))
    np.testing.assert_allclose(out, want["sequence" if return_sequences else "last"], **tol)
    np.testing.assert_allclose(states[0], want["h"], **tol)
    if c == "lstm":
        np.testing.assert_allclose(states[1], want["c"], **tol)

    d_out = rng.standard_normal(out.shape).astype(np.float32)
    d_h = rng.standard_normal((B, u)).astype(np.float32) if grad_last else None
    d_c = rng.standard_normal((B, u)).astype(np.float32) if grad_last and c == "lstm" else None
    got = getattr(kernn.ops, f"{c}_backward")(cache, d_out, [d_h, d_c] if c == "lstm" else [d_h])
    want_g = ref.backward(want["tape"], d_out if return_sequences else None, None if return_sequences else d_out,
                          d_h, d_c)
    gtol = dict(rtol=1e-4, atol=2e-5 * (F + u + S + 4))
    for name in ("x", "kernel", "recurrent_kernel", "bias"):
        np.testing.assert_allclose(got[name], want_g[name], err_msg=name, **gtol)
    np.testing.assert_allclose(got["initial_state"][0], want_g["h0"], err_msg="h0", **gtol)
    if c == "lstm":
        np.testing.assert_allclose(got["initial_state"][1], want_g["c0"], err_msg="c0", **gtol)
    return out


@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
@pytest.mark.parametrize("cell", CELLS)
def test_shapes(isa, rng, cell, shape):
    _run(cell, shape, rng, return_sequences=shape[0] % 2 == 1)


OPTIONS = {
    "pre_padding": dict(mask_kind="pre_padding"),
    "post_padding": dict(mask_kind="post_padding"),
    "holes_fully_masked_row": dict(mask_kind="holes"),
    "dropout_masks": dict(dropout=True),
    "go_backwards": dict(go_backwards=True),
    "initial_state": dict(initial=True),
    "last_output_only": dict(return_sequences=False, grad_last=False),
    "everything": dict(mask_kind="holes", dropout=True, go_backwards=True, initial=True),
    "everything_pre_padding_last": dict(mask_kind="pre_padding", dropout=True, initial=True,
                                        return_sequences=False),
}


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm"])
def test_dx_in_loop_with_everything(isa, rng, cell):
    _run(cell, (7, 6, 70, 5), rng, mask_kind="holes", dropout=True, go_backwards=True, initial=True)


@pytest.mark.parametrize("opts", list(OPTIONS.values()), ids=list(OPTIONS))
@pytest.mark.parametrize("cell", CELLS)
def test_options(isa, rng, cell, opts):
    _run(cell, (11, 8, 17, 13), rng, **opts)  # 17 features: input product in the time loop


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "go_backwards"])
@pytest.mark.parametrize("mask_kind", ["pre_padding", "post_padding", "holes"])
@pytest.mark.parametrize("cell", CELLS)
def test_masked_rows_of_different_lengths(isa, rng, cell, mask_kind, go_backwards):
    # 26 rows of random lengths: the kernels run them longest first (tiles of rows then share
    # their masked steps) and hand every result back in batch order
    _run(cell, (26, 12, 17, 9), rng, mask_kind=mask_kind, dropout=True, initial=True, go_backwards=go_backwards)


ACTIVATIONS = ["linear", "tanh", "sigmoid", "relu", "hard_sigmoid", "softsign", "elu", "selu", "exponential",
               "relu6"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
def test_activations(isa, rng, cell, activation):
    gates = "sigmoid" if cell == "simple_rnn" or activation == "exponential" else activation  # exp(exp) overflows
    _run(cell, (4, 5, 3, 11), rng, activation=activation, recurrent_activation=gates, mask_kind="holes", weight_scale=0.15)


def _assert_same_for_any_thread_count(c, x, k, r, b, **kw):
    results = []
    for n in (1, 2, 3):
        kernn.set_num_threads(n)
        out, _, cache = getattr(kernn.ops, f"{c}_forward")(x, k, r, b, return_sequences=True, training=True, **kw)
        g = getattr(kernn.ops, f"{c}_backward")(cache, np.ones_like(out))
        results.append((out, g["x"], g["kernel"], g["recurrent_kernel"], g["bias"]))
    for other in results[1:]:
        for a, bb in zip(results[0], other):
            np.testing.assert_array_equal(a, bb)


@pytest.mark.parametrize("batch", [32, 29, 7, 1], ids=["batch32_4row_tails", "batch29", "batch7_lone_row", "batch1"])
@pytest.mark.parametrize("cell", CELLS)
def test_same_result_for_any_thread_count(rng, cell, batch):
    c = "gru" if cell.startswith("gru") else cell
    kw = {"reset_after": cell == "gru"} if c == "gru" else {}
    x = rng.standard_normal((batch, 6, 5)).astype(np.float32)
    k, r, b = ref.random_weights(rng, c, 5, 24, cell == "gru")
    _assert_same_for_any_thread_count(c, x, k, r, b, **kw)


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm"])
def test_tall_tiles_same_result_for_any_thread_count(rng, cell):
    """24 rows of 8-row tiles (AVX-512's deep forward product, and LSTM's backward one) split
    12 + 12 and 8 + 8 + 8."""
    x = rng.standard_normal((24, 4, 20)).astype(np.float32)
    k, r, b = ref.random_weights(rng, cell, 20, 112)
    _assert_same_for_any_thread_count(cell, x, k, r, b)


@pytest.mark.parametrize("cell", CELLS)
def test_masked_batch_same_result_for_any_thread_count(rng, cell):
    c = "gru" if cell.startswith("gru") else cell
    kw = {"reset_after": cell == "gru"} if c == "gru" else {}
    x = rng.standard_normal((31, 9, 5)).astype(np.float32)
    mask = ref.padding_mask("pre_padding", 31, 9, rng)
    k, r, b = ref.random_weights(rng, c, 5, 24, cell == "gru")
    _assert_same_for_any_thread_count(c, x, k, r, b, mask=mask, **kw)


def test_backward_without_input_gradient(rng):
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    k, r, b = ref.random_weights(rng, "gru", 2, 5)
    out, _, cache = kernn.ops.gru_forward(x, k, r, b, training=True)
    full = kernn.ops.gru_backward(cache, np.ones_like(out))
    part = kernn.ops.gru_backward(cache, np.ones_like(out), input_grad=False)
    assert part["x"] is None
    for name in ("kernel", "recurrent_kernel", "bias"):
        np.testing.assert_array_equal(part[name], full[name])


@pytest.mark.parametrize("shape", [(5, 6, 3, 9), (4, 5, 20, 7), (4, 5, 64, 7)], ids=["few_features",
                                                                                 "x_in_loop", "dx_in_loop"])
@pytest.mark.parametrize("initial", [False, True], ids=["zero_state", "initial_state"])
@pytest.mark.parametrize("cell", CELLS)
def test_backward_without_state_gradient(isa, rng, cell, initial, shape):
    """state_grad=False skips the first step's recurrent input gradient where it only feeds
    the initial states' gradients: every other gradient stays bit for bit the same."""
    c = "gru" if cell.startswith("gru") else cell
    B, S, F, u = shape
    x = rng.standard_normal((B, S, F)).astype(np.float32)
    k, r, b = ref.random_weights(rng, c, F, u, cell != "gru_reset_before")
    kw = {"reset_after": cell != "gru_reset_before"} if c == "gru" else {}
    n_states = 2 if c == "lstm" else 1
    state = [rng.standard_normal((B, u)).astype(np.float32) for _ in range(n_states)] if initial else None
    mask = ref.padding_mask("holes", B, S, rng)
    out, _, cache = getattr(kernn.ops, f"{c}_forward")(x, k, r, b, initial_state=state, mask=mask,
                                                       return_sequences=True, training=True, **kw)
    d_out = rng.standard_normal(out.shape).astype(np.float32)
    full = getattr(kernn.ops, f"{c}_backward")(cache, d_out)
    part = getattr(kernn.ops, f"{c}_backward")(cache, d_out, state_grad=False)
    assert part["initial_state"] == [None] * n_states
    assert all(g is not None for g in full["initial_state"])
    for name in ("x", "kernel", "recurrent_kernel", "bias"):
        np.testing.assert_array_equal(part[name], full[name], err_msg=name)


def test_workspace_reuse(rng):
    k, r, b = ref.random_weights(rng, "lstm", 3, 5)
    big = rng.standard_normal((6, 9, 3)).astype(np.float32)
    _, _, cache = kernn.ops.lstm_forward(big, k, r, b, training=True)
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    out, _, fresh = kernn.ops.lstm_forward(x, k, r, b, training=True)
    out2, _, reused = kernn.ops.lstm_forward(x, k, r, b, training=True, workspace=cache.workspace)
    assert reused.workspace is cache.workspace
    np.testing.assert_array_equal(out, out2)
    g1, g2 = kernn.ops.lstm_backward(fresh, np.ones_like(out)), kernn.ops.lstm_backward(reused, np.ones_like(out))
    for name in ("x", "kernel", "recurrent_kernel", "bias"):
        np.testing.assert_array_equal(g1[name], g2[name])
    with pytest.raises(TypeError, match="workspace must be a 1-D contiguous float32 array"):
        kernn.ops.lstm_forward(x, k, r, b, training=True, workspace=np.zeros(10))


def test_inference_matches_training_and_bool_int_masks(rng):
    x = rng.standard_normal((4, 6, 3)).astype(np.float32)
    k, r, b = ref.random_weights(rng, "lstm", 3, 5)
    m = rng.random((4, 6)) > 0.5
    a, sa, cache = kernn.ops.lstm_forward(x, k, r, b, mask=m, return_sequences=True)
    assert cache is None
    b2, sb, _ = kernn.ops.lstm_forward(x, k, r, b, mask=m.astype(np.int64), return_sequences=True, training=True)
    np.testing.assert_array_equal(a, b2)
    np.testing.assert_array_equal(sa[1], sb[1])


def test_errors_name_the_argument(rng):
    x = np.zeros((2, 3, 7), np.float32)
    with pytest.raises(ValueError, match=r"lstm: kernel has shape \(8, 40\) but units=10 .* and 7 input "
                                         r"features need \(7, 40\)"):
        kernn.ops.lstm_forward(x, np.zeros((8, 40)), np.zeros((10, 40)))
    with pytest.raises(ValueError, match=r"gru: bias has shape \(9,\) but units=3 with reset_after=True need "
                                         r"\(2, 9\)"):
        kernn.ops.gru_forward(x, np.zeros((7, 9)), np.zeros((3, 9)), np.zeros(9))
    with pytest.raises(ValueError, match=r"simple_rnn: mask has shape \(3, 3\)"):
        kernn.ops.simple_rnn_forward(x, np.zeros((7, 4)), np.zeros((4, 4)), mask=np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"activation must be one of .* Received: activation='gelu'"):
        kernn.ops.simple_rnn_forward(x, np.zeros((7, 4)), np.zeros((4, 4)), activation="gelu")
    with pytest.raises(ValueError, match=r"x must have 3 dimensions"):
        kernn.ops.gru_forward(x[0], np.zeros((7, 9)), np.zeros((3, 9)))
    with pytest.raises(ValueError, match=r"initial_state must hold 2"):
        kernn.ops.lstm_forward(x, np.zeros((7, 40)), np.zeros((10, 40)), initial_state=[np.zeros((2, 10))])
    _, _, cache = kernn.ops.gru_forward(x, np.zeros((7, 9)), np.zeros((3, 9)), training=True)
    with pytest.raises(ValueError, match=r"lstm_backward: cache must come from lstm_forward"):
        kernn.ops.lstm_backward(cache, np.zeros((2, 3)))

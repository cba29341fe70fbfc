"""Recurrent layers over whole sequences: kernn.ops.simple_rnn_forward/backward,
lstm_forward/backward and gru_forward/backward.

Each forward call runs the whole sequence in C++ (one GEMM for the inputs of all steps,
the time loop with the gate non-linearities fused, masks and dropout masks inside the
same kernel). With `training=True` it also returns a cache that the matching backward
call turns into the gradients of the inputs, the weights and the initial states.
"""
import numpy as np

from kernn import _core
from kernn.ops._common import as_float32

_CELLS = {"simple_rnn": (0, 1), "lstm": (1, 4), "gru": (2, 3)}
_ACTIVATIONS = ["linear", "tanh", "sigmoid", "relu", "hard_sigmoid", "softsign", "elu", "selu",
                "exponential", "relu6"]


def _activation_code(fn, name, value):
    if value is None:
        return 0
    key = value if isinstance(value, str) else getattr(value, "__name__", None)
    if key not in _ACTIVATIONS:
        raise ValueError(
            f"{fn}: {name} must be one of {', '.join(_ACTIVATIONS)} (or None for linear). "
            f"Received: {name}={value!r}"
        )
    return _ACTIVATIONS.index(key)


def _array(fn, name, value, shape, need):
    arr = as_float32(value, name, fn)
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    if arr.shape != tuple(shape):
        raise ValueError(f"{fn}: {name} has shape {arr.shape} but {need} need {tuple(shape)}")
    return arr


class RnnCache:
    """What a training-mode forward call keeps for its backward call (opaque)."""

    __slots__ = ("cell", "args", "workspace", "return_sequences", "shape")

    def __init__(self, cell, args, workspace, return_sequences, shape):
        self.cell, self.args, self.workspace = cell, args, workspace
        self.return_sequences, self.shape = return_sequences, shape


def _forward(fn, x, kernel, recurrent_kernel, bias, initial_state, mask, dropout_mask,
             recurrent_dropout_mask, activation, recurrent_activation, reset_after, go_backwards,
             return_sequences, training, workspace=None):
    code, gates = _CELLS[fn]
    x = as_float32(x, "x", fn)
    if x.ndim != 3:
        raise ValueError(
            f"{fn}: x must have 3 dimensions (batch, timesteps, features). Received: x.shape={x.shape}"
        )
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    batch, steps, features = x.shape
    recurrent_kernel = as_float32(recurrent_kernel, "recurrent_kernel", fn)
    if recurrent_kernel.ndim != 2 or recurrent_kernel.shape[0] < 1:
        raise ValueError(
            f"{fn}: recurrent_kernel must be 2-D (units, {gates} * units). "
            f"Received: recurrent_kernel.shape={recurrent_kernel.shape}"
        )
    units = recurrent_kernel.shape[0]
    gu = gates * units
    need = f"units={units} (from recurrent_kernel) and {features} input features"
    recurrent_kernel = _array(fn, "recurrent_kernel", recurrent_kernel, (units, gu), f"units={units}")
    kernel = _array(fn, "kernel", kernel, (features, gu), need)
    if bias is not None:
        bshape = (2, gu) if (fn == "gru" and reset_after) else (gu,)
        extra = " with reset_after=True" if fn == "gru" and reset_after else ""
        bias = _array(fn, "bias", bias, bshape, f"units={units}{extra}")
    n_states = 2 if fn == "lstm" else 1
    h0 = c0 = None
    if initial_state is not None:
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != n_states:
            raise ValueError(
                f"{fn}: initial_state must hold {n_states} array(s) of shape ({batch}, {units}). "
                f"Received: {len(states)} array(s)"
            )
        h0 = _array(fn, "initial_state[0]", states[0], (batch, units), f"batch={batch} and units={units}")
        if n_states == 2:
            c0 = _array(fn, "initial_state[1]", states[1], (batch, units), f"batch={batch} and units={units}")
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype.kind not in "biuf":
            raise TypeError(f"{fn}: mask must hold booleans or numbers. Received: mask.dtype={m.dtype}")
        if m.shape != (batch, steps):
            raise ValueError(f"{fn}: mask has shape {m.shape} but x of shape {x.shape} needs ({batch}, {steps})")
        mask = np.ascontiguousarray(m != 0, dtype=np.uint8) if m.dtype != np.uint8 else np.ascontiguousarray(m)
    if dropout_mask is not None:
        dropout_mask = _array(fn, "dropout_mask", dropout_mask, (batch, features),
                              f"batch={batch} and {features} input features")
    if recurrent_dropout_mask is not None:
        recurrent_dropout_mask = _array(fn, "recurrent_dropout_mask", recurrent_dropout_mask, (batch, units),
                                        f"batch={batch} and units={units}")
    act = _activation_code(fn, "activation", activation)
    ract = _activation_code(fn, "recurrent_activation", recurrent_activation)
    args = (code, x, kernel, recurrent_kernel, bias, h0, c0, mask, dropout_mask, recurrent_dropout_mask, act,
            ract, bool(reset_after), bool(go_backwards))
    if workspace is not None and not (isinstance(workspace, np.ndarray) and workspace.dtype == np.float32
                                      and workspace.ndim == 1 and workspace.flags.c_contiguous):
        raise TypeError(f"{fn}: workspace must be a 1-D contiguous float32 array (a previous cache's). "
                        f"Received: {type(workspace).__name__}")
    seq, last, h, c, ws = _core.rnn_forward(*args, bool(return_sequences), bool(training), workspace)
    outputs = seq if return_sequences else last
    states = [h, c] if fn == "lstm" else [h]
    cache = RnnCache(fn, args, ws, bool(return_sequences), (batch, steps, units)) if training else None
    return outputs, states, cache


def _backward(fn, cache, d_outputs, d_states, input_grad=True, state_grad=True):
    if not isinstance(cache, RnnCache) or cache.cell != fn:
        raise ValueError(f"{fn}_backward: cache must come from {fn}_forward(..., training=True). "
                         f"Received: cache={type(cache).__name__}")
    batch, steps, units = cache.shape
    d_seq = d_last = d_h = d_c = None
    if d_outputs is not None:
        shape = (batch, steps, units) if cache.return_sequences else (batch, units)
        d_out = _array(fn, "d_outputs", d_outputs, shape, "the forward outputs")
        d_seq, d_last = (d_out, None) if cache.return_sequences else (None, d_out)
    if d_states is not None:
        states = list(d_states) if isinstance(d_states, (list, tuple)) else [d_states]
        n = 2 if fn == "lstm" else 1
        if len(states) != n:
            raise ValueError(f"{fn}_backward: d_states must hold {n} array(s). Received: {len(states)}")
        if states[0] is not None:
            d_h = _array(fn, "d_states[0]", states[0], (batch, units), "the final state")
        if n == 2 and states[1] is not None:
            d_c = _array(fn, "d_states[1]", states[1], (batch, units), "the final carry")
    dx, dk, dr, db, dh0, dc0 = _core.rnn_backward(*cache.args, cache.workspace, d_seq, d_last, d_h, d_c,
                                                         bool(input_grad), bool(state_grad))
    return {"x": dx, "kernel": dk, "recurrent_kernel": dr, "bias": db,
            "initial_state": [dh0, dc0] if fn == "lstm" else [dh0]}


_FORWARD_DOC = """{title} over a whole sequence, in C++.

    Args:
        x: inputs (batch, timesteps, features); real dtypes become float32.
        kernel: input weights (features, {g} * units){gates}.
        recurrent_kernel: recurrent weights (units, {g} * units); `units` is read from it.
        bias: {bias_doc} Defaults to `None` (no bias).
        initial_state: {state_doc} Defaults to `None` (zeros).
        mask: (batch, timesteps) booleans or integers, nonzero = use the step. At a masked step
            the state and output repeat the previous ones (the output is zero before a row's
            first unmasked step), as Keras. Any pattern. Defaults to `None`.
        dropout_mask: (batch, features) multiplier of the inputs at every step (Keras's
            dropout mask, 0 or 1 / (1 - rate)). Defaults to `None`.
        recurrent_dropout_mask: (batch, units) multiplier of the previous state where it
            enters the recurrent product, the same for every gate and step. Defaults to `None`.
        activation: {act_doc} Defaults to `"tanh"`.
{ract}        go_backwards: process the steps from last to first; the output sequence is in
            processing order (reversed), as Keras. Defaults to `False`.
        return_sequences: return the whole output sequence (batch, timesteps, units) rather
            than the last output (batch, units). Defaults to `False`.
        training: keep what backward needs and return it as `cache`. Defaults to `False`.
        workspace: the `workspace` of an earlier cache to reuse for this call's (when it is
            big enough), which saves allocating and faulting in a fresh buffer; that earlier
            cache must not be used for backward afterwards. Defaults to `None`.

    Returns:
        `(outputs, states, cache)`: outputs as `return_sequences` asks, the final states
        {states_doc}, and the cache for `{name}_backward` (`None` unless training).

    Raises:
        ValueError: shapes that do not fit together (the message names the argument, its
            shape and the shape needed), or an activation the kernels do not have.
    """

_BACKWARD_DOC = """Backward through time of `{name}_forward(..., training=True)`.

    Args:
        cache: the third value returned by the forward call.
        d_outputs: gradient of the forward `outputs` (same shape), or `None` for zero.
        d_states: gradients of the final states {states_doc} (entries may be `None`), or `None`.
        input_grad: compute the gradient of `x` (skip it for a model's first layer, saving
            one GEMM over all steps). Defaults to `True`.
        state_grad: compute the gradients of the initial states (skip them when no initial
            state was given or it needs none, saving the first step's product). Defaults to
            `True`.

    Returns:
        A dict with the gradients `"x"` (`None` without `input_grad`), `"kernel"`,
        `"recurrent_kernel"`, `"bias"` (`None` without bias) and `"initial_state"` (a list
        like the forward states, of `None` without `state_grad`).
    """


def simple_rnn_forward(x, kernel, recurrent_kernel, bias=None, *, initial_state=None, mask=None,
                       dropout_mask=None, recurrent_dropout_mask=None, activation="tanh",
                       go_backwards=False, return_sequences=False, training=False, workspace=None):
    return _forward("simple_rnn", x, kernel, recurrent_kernel, bias, initial_state, mask, dropout_mask,
                    recurrent_dropout_mask, activation, None, False, go_backwards, return_sequences, training,
                    workspace)


def lstm_forward(x, kernel, recurrent_kernel, bias=None, *, initial_state=None, mask=None, dropout_mask=None,
                 recurrent_dropout_mask=None, activation="tanh", recurrent_activation="sigmoid",
                 go_backwards=False, return_sequences=False, training=False, workspace=None):
    return _forward("lstm", x, kernel, recurrent_kernel, bias, initial_state, mask, dropout_mask,
                    recurrent_dropout_mask, activation, recurrent_activation, False, go_backwards,
                    return_sequences, training, workspace)


def gru_forward(x, kernel, recurrent_kernel, bias=None, *, initial_state=None, mask=None, dropout_mask=None,
                recurrent_dropout_mask=None, activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                go_backwards=False, return_sequences=False, training=False, workspace=None):
    return _forward("gru", x, kernel, recurrent_kernel, bias, initial_state, mask, dropout_mask,
                    recurrent_dropout_mask, activation, recurrent_activation, reset_after, go_backwards,
                    return_sequences, training, workspace)


def simple_rnn_backward(cache, d_outputs=None, d_states=None, *, input_grad=True, state_grad=True):
    return _backward("simple_rnn", cache, d_outputs, d_states, input_grad, state_grad)


def lstm_backward(cache, d_outputs=None, d_states=None, *, input_grad=True, state_grad=True):
    return _backward("lstm", cache, d_outputs, d_states, input_grad, state_grad)


def gru_backward(cache, d_outputs=None, d_states=None, *, input_grad=True, state_grad=True):
    return _backward("gru", cache, d_outputs, d_states, input_grad, state_grad)


_RACT = "        recurrent_activation: activation of the gates. Defaults to `\"sigmoid\"`.\n"
_ACT = "one of " + ", ".join(f"`{a}`" for a in _ACTIVATIONS) + " (or `None` = linear)."
simple_rnn_forward.__doc__ = _FORWARD_DOC.format(
    title="SimpleRNN: h_t = activation(x_t W + b + h_{t-1} U)", g=1, gates="", name="simple_rnn",
    bias_doc="(units,).", state_doc="`[h0]`, h0 of shape (batch, units).", act_doc=_ACT, ract="",
    states_doc="`[h]`")
lstm_forward.__doc__ = _FORWARD_DOC.format(
    title="LSTM (Keras's gate order i, f, c, o)", g=4, gates=", gates i, f, c, o", name="lstm",
    bias_doc="(4 * units,).", state_doc="`[h0, c0]`, each (batch, units).", act_doc=_ACT, ract=_RACT,
    states_doc="`[h, c]`")
gru_forward.__doc__ = _FORWARD_DOC.format(
    title="GRU (Keras's gate order z, r, h; h = z h_prev + (1 - z) hh)", g=3, gates=", gates z, r, h",
    name="gru",
    bias_doc="(2, 3 * units) with reset_after (row 0 input bias, row 1 recurrent bias), else (3 * units,).",
    state_doc="`[h0]`, h0 of shape (batch, units).", act_doc=_ACT,
    ract=_RACT + "        reset_after: apply the reset gate after the recurrent product (Keras's default)"
                 " rather than to the state before it. Defaults to `True`.\n",
    states_doc="`[h]`")
simple_rnn_backward.__doc__ = _BACKWARD_DOC.format(name="simple_rnn", states_doc="`[d_h]`")
lstm_backward.__doc__ = _BACKWARD_DOC.format(name="lstm", states_doc="`[d_h, d_c]`")
gru_backward.__doc__ = _BACKWARD_DOC.format(name="gru", states_doc="`[d_h]`")


def embedding_lookup(indices, embeddings):
    """`embeddings[indices]` in C++: rows of the (vocab, dim) table gathered for each index.

    Args:
        indices: integer array of any shape; every value in [0, vocab).
        embeddings: float32 (vocab, dim) table.

    Returns:
        float32 array `indices.shape + (dim,)`.

    Raises:
        ValueError: an index outside [0, vocab) (the message names it), or a table that is not 2-D.
    """
    fn = "embedding"
    table = np.ascontiguousarray(as_float32(embeddings, "embeddings", fn))
    if table.ndim != 2:
        raise ValueError(f"{fn}: embeddings must be 2-D (vocab, dim). Received: embeddings.shape={table.shape}")
    idx = _indices(indices, fn, table.shape[0])
    flat = np.ascontiguousarray(idx.reshape(-1), dtype=np.int64)
    return _core.embedding_forward(flat, table).reshape(idx.shape + (table.shape[1],))


def _indices(indices, fn, vocab):
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iub" and not (idx.dtype.kind == "f" and np.all(np.mod(idx, 1) == 0)):
        raise TypeError(f"{fn}: indices must be integers. Received: indices.dtype={idx.dtype}")
    if idx.dtype.kind in "uf" and idx.size:  # values that int64 cannot hold would wrap around
        out = (idx < 0) | (idx >= vocab)
        if out.any():
            i = int(np.flatnonzero(out.reshape(-1))[0])
            raise ValueError(f"{fn}: index {idx.reshape(-1)[i].item()!r} at position {i} is outside the vocabulary "
                             f"[0, {vocab})")
    return idx


def embedding_grad(indices, grad, grad_table):
    """Scatter-add the gradient of `embedding_lookup` into `grad_table` (vocab, dim), in place.

    Repeated indices sum their rows, in index order (deterministic for any thread count).
    """
    fn = "embedding_backward"
    if not (isinstance(grad_table, np.ndarray) and grad_table.dtype == np.float32 and grad_table.ndim == 2):
        raise TypeError(f"{fn}: grad_table must be a 2-D float32 numpy array (vocab, dim), updated in place. "
                        f"Received: {type(grad_table).__name__} of shape {np.shape(grad_table)}")
    idx = _indices(indices, fn, grad_table.shape[0])
    g = as_float32(grad, "grad", fn)
    if g.shape != idx.shape + grad_table.shape[1:]:
        raise ValueError(f"{fn}: grad has shape {g.shape} but indices of shape {idx.shape} and grad_table of shape "
                         f"{grad_table.shape} need {idx.shape + grad_table.shape[1:]}")
    _core.embedding_backward(np.ascontiguousarray(idx.reshape(-1), dtype=np.int64),
                             np.ascontiguousarray(g).reshape(idx.size, grad_table.shape[1]), grad_table)
    return grad_table

"""LSTM (Hochreiter 1997), Keras's layout: kernel (in, 4u), recurrent (u, 4u), bias (4u),
gates i, f, c, o; on kernn's fused recurrent kernel."""
import numpy as np

from kernn import initializers
from kernn.layers.rnn.rnn import RNNBase


class _UnitForgetBias(initializers.Initializer):
    """Keras's LSTM bias: the bias initializer, with the forget-gate block set to ones."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        u = self.units
        return np.concatenate([np.asarray(self.base((u,), dtype="float32")), np.ones(u, np.float32),
                               np.asarray(self.base((2 * u,), dtype="float32"))]).astype(np.float32)


class LSTM(RNNBase):
    """Long Short-Term Memory layer (Keras's LSTM).

    `c_t = f c_{t-1} + i g`, `h_t = o activation(c_t)` with `i, f, o =
    recurrent_activation(...)` and `g = activation(...)`; the gates of a step are computed
    from one product `x_t W + h_{t-1} U + b` (gate order i, f, c, o). The whole sequence
    runs in one C++ call, masks and dropout masks included.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation of the candidate and the cell output. Defaults to `"tanh"`.
        recurrent_activation: activation of the gates. Defaults to `"sigmoid"`.
        use_bias: whether the layer uses a bias vector. Defaults to `True`.
        kernel_initializer: Defaults to "glorot_uniform".
        recurrent_initializer: Defaults to "orthogonal" (over the whole (units, 4 units) matrix).
        bias_initializer: Defaults to "zeros".
        unit_forget_bias: set the forget gate's bias to 1 at initialization. Defaults to `True`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: Default to `None`.
        dropout, recurrent_dropout, seed, return_sequences, return_state, go_backwards,
        stateful, unroll: as in SimpleRNN.
        use_cudnn: accepted for compatibility ("auto", True or False). Defaults to "auto".

    Call arguments:
        inputs: (batch, timesteps, features).
        mask: (batch, timesteps) booleans. Defaults to `None`.
        training: whether dropout applies. Defaults to `False`.
        initial_state: `[h0, c0]`. Defaults to zeros.

    Example:
    >>> import numpy as np, kernn
    >>> out, h, c = kernn.layers.LSTM(4, return_sequences=True, return_state=True)(np.ones((32, 10, 8)))
    >>> out.shape, h.shape, c.shape
    ((32, 10, 4), (32, 4), (32, 4))
    """

    _cell, _gates, _n_states = "lstm", 4, 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, **kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of {'auto', True, "
                             f"False}}. Received: use_cudnn={use_cudnn}")
        self.unit_forget_bias = bool(unit_forget_bias)
        self.use_cudnn = use_cudnn

    def _bias_initializer(self):
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer, self.units)
        return self.bias_initializer

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}

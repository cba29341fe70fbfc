"""GRU (Cho et al. 2014), Keras's layout: gates z, r, h; h = z h_prev + (1 - z) hh; bias
(2, 3u) with reset_after (row 0 input bias, row 1 recurrent bias) else (3u)."""
from kernn.layers.rnn.rnn import RNNBase


class GRU(RNNBase):
    """Gated Recurrent Unit (Keras's GRU).

    `z, r = recurrent_activation(...)`, `hh = activation(x_t W_h + r * (h_{t-1} U_h + b_rh))`
    with `reset_after=True` (Keras's default, cuDNN compatible), or
    `activation(x_t W_h + (r * h_{t-1}) U_h + b_h)` without; `h_t = z h_{t-1} + (1 - z) hh`.
    The whole sequence runs in one C++ call, masks and dropout masks included.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: Defaults to `"tanh"`.
        recurrent_activation: Defaults to `"sigmoid"`.
        use_bias: Defaults to `True`.
        kernel_initializer, recurrent_initializer, bias_initializer, regularizers,
        constraints, dropout, recurrent_dropout, seed, return_sequences, return_state,
        go_backwards, stateful, unroll: as in LSTM.
        reset_after: apply the reset gate after the recurrent product. Defaults to `True`.
        use_cudnn: accepted for compatibility. Defaults to "auto".

    Call arguments:
        inputs: (batch, timesteps, features).
        mask: (batch, timesteps) booleans. Defaults to `None`.
        training: whether dropout applies. Defaults to `False`.
        initial_state: `[h0]`. Defaults to zeros.

    Example:
    >>> import numpy as np, kernn
    >>> layer = kernn.layers.GRU(10)
    >>> _ = layer(np.ones((2, 5, 1)))
    >>> layer.count_params()
    390
    """

    _cell, _gates, _n_states = "gru", 3, 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
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
        self.reset_after = bool(reset_after)
        self.use_cudnn = use_cudnn

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _extra_kernel_kwargs(self):
        return {"reset_after": self.reset_after}

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}

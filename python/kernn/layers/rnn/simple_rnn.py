"""SimpleRNN: h_t = activation(x_t W + b + h_{t-1} U), on kernn's fused recurrent kernel."""
from kernn.layers.rnn.rnn import RNNBase


class SimpleRNN(RNNBase):
    """Fully-connected RNN where the output is fed back as the next input (Keras's SimpleRNN).

    The whole sequence runs in one C++ call: one GEMM projects the inputs of all steps,
    then the time loop does one small GEMM per step with the activation fused.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation function. Defaults to `"tanh"`.
        use_bias: whether the layer uses a bias vector. Defaults to `True`.
        kernel_initializer: initializer of `kernel` (features, units). Defaults to "glorot_uniform".
        recurrent_initializer: initializer of `recurrent_kernel` (units, units). Defaults to
            "orthogonal".
        bias_initializer: initializer of the bias (units,). Defaults to "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            regularizers. Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints. Default to `None`.
        dropout: fraction of the inputs to drop (the same mask at every step). Defaults to 0.
        recurrent_dropout: fraction of the state to drop where it enters the recurrent
            product (the same mask at every step). Defaults to 0.
        seed: seed of the dropout masks. Defaults to `None`.
        return_sequences: return the whole output sequence. Defaults to `False`.
        return_state: also return the last state. Defaults to `False`.
        go_backwards: process the input backwards and return the reversed sequence.
            Defaults to `False`.
        stateful: carry the last state of each sample into the next batch. Defaults to `False`.
        unroll: accepted for compatibility; kernn always runs the fused loop. Defaults to `False`.

    Call arguments:
        inputs: (batch, timesteps, features).
        mask: (batch, timesteps) booleans; at a masked step the output and state repeat the
            previous ones. Defaults to `None`.
        training: whether dropout applies. Defaults to `False`.
        initial_state: list with the initial state (batch, units). Defaults to zeros.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.SimpleRNN(4)(np.ones((32, 10, 8))).shape
    (32, 4)
    """

    _cell, _gates, _n_states = "simple_rnn", 1, 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         seed=seed, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)

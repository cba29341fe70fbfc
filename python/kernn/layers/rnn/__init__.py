"""Recurrent and sequence layers on kernn's whole-sequence C++ kernels."""
from kernn.layers.rnn.bidirectional import Bidirectional
from kernn.layers.rnn.embedding import Embedding
from kernn.layers.rnn.gru import GRU
from kernn.layers.rnn.lstm import LSTM
from kernn.layers.rnn.masking import Masking
from kernn.layers.rnn.rnn import RNNBase
from kernn.layers.rnn.simple_rnn import SimpleRNN
from kernn.layers.rnn.time_distributed import TimeDistributed

__all__ = ["GRU", "LSTM", "Bidirectional", "Embedding", "Masking", "RNNBase", "SimpleRNN", "TimeDistributed"]

"""Masks flow through a Sequential model as in Keras: Embedding(mask_zero) -> RNN -> Dense."""
import numpy as np

import kernn


def test_padded_and_unpadded_sequences_agree_through_sequential():
    kernn.utils.set_random_seed(0)
    model = kernn.Sequential([
        kernn.layers.Embedding(50, 8, mask_zero=True),
        kernn.layers.Bidirectional(kernn.layers.LSTM(6)),
        kernn.layers.Dense(1, activation="sigmoid"),
    ])
    padded = model.predict(np.array([[0, 0, 3, 4, 5], [1, 2, 3, 4, 5]]), verbose=0)
    plain = model.predict(np.array([[3, 4, 5]]), verbose=0)
    np.testing.assert_allclose(padded[0], plain[0], atol=1e-6)


def test_masking_layer_feeds_the_rnn_in_training():
    kernn.utils.set_random_seed(1)
    x = np.random.default_rng(0).standard_normal((32, 6, 3)).astype(np.float32)
    x[:, :2] = 0.0  # pre-padding
    model = kernn.Sequential([kernn.layers.Masking(0.0), kernn.layers.GRU(4), kernn.layers.Dense(1)])
    model.compile("adam", "mse")
    hist = model.fit(x, np.ones((32, 1)), epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    np.testing.assert_allclose(model.predict(x[:1], verbose=0), model.predict(x[:1, 2:], verbose=0), atol=1e-6)

"""Recurrent layers in functional graphs, including initial states fed from another layer."""
import numpy as np

import kernn
from kernn import layers


def _seq2seq():
    kernn.utils.set_random_seed(0)
    enc_in, dec_in = kernn.Input((5, 3)), kernn.Input((4, 2))
    _, h, c = layers.LSTM(6, return_state=True)(enc_in)
    dec = layers.LSTM(6, return_sequences=True)(dec_in, initial_state=[h, c])
    return kernn.Model([enc_in, dec_in], layers.Dense(1)(dec))


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((8, 5, 3)).astype(np.float32), rng.standard_normal((8, 4, 2)).astype(np.float32),
            rng.standard_normal((8, 4, 1)).astype(np.float32))


def test_rnn_layers_in_a_functional_model():
    i = kernn.Input((5, 3))
    model = kernn.Model(i, layers.Dense(1)(layers.Bidirectional(layers.GRU(4))(i)))
    assert model.predict(np.ones((2, 5, 3)), verbose=0).shape == (2, 1)
    assert model.count_params() == 2 * (3 * 4 * (4 + 3 + 2)) + 9


def test_initial_state_from_an_encoder_matches_eager_calls():
    model = _seq2seq()
    xe, xd, _ = _data()
    enc, dec, dense = model.layers[2], model.layers[3], model.layers[4]
    _, h, c = enc(xe)
    want = dense(dec(xd, initial_state=[h, c]))
    np.testing.assert_allclose(model.predict([xe, xd], verbose=0), want, rtol=1e-5, atol=1e-6)


def test_gradients_flow_into_the_encoder_through_the_states():
    model = _seq2seq()
    xe, xd, y = _data()
    model.compile(kernn.optimizers.SGD(learning_rate=1.0), "mse")
    enc_kernel = model.layers[2].kernel
    w0 = enc_kernel.numpy().astype(np.float64)

    def loss_at(w):
        enc_kernel.assign(w)
        return float(np.mean((model.predict([xe, xd], verbose=0).astype(np.float64) - y) ** 2))

    idx = [(0, 0), (1, 5), (2, 17)]
    fd = []
    for i in idx:
        wp, wm = w0.copy(), w0.copy()
        wp[i] += 1e-2
        wm[i] -= 1e-2
        fd.append((loss_at(wp) - loss_at(wm)) / 2e-2)
    enc_kernel.assign(w0)
    model.train_on_batch([xe, xd], y)
    grad = w0 - enc_kernel.numpy()  # one SGD step with learning rate 1
    np.testing.assert_allclose([grad[i] for i in idx], fd, rtol=2e-2, atol=2e-4)

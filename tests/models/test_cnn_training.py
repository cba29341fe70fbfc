"""A small CNN trained with fit on the digits images (8x8x1)."""
import numpy as np

import kernn
from kernn import layers


def test_digits_cnn_reaches_97_percent_validation_accuracy():
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    t = d.target.astype(np.int64)
    perm = np.random.default_rng(0).permutation(len(x))
    x, t = x[perm], t[perm]
    kernn.utils.set_random_seed(0)
    model = kernn.Sequential([
        kernn.Input(shape=(8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=kernn.optimizers.Adam(learning_rate=2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, t, epochs=7, batch_size=32, validation_split=0.2, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert max(history.history["val_accuracy"][-3:]) >= 0.97
    # inference uses the moving statistics: evaluate agrees with the last validation score
    loss, acc = model.evaluate(x[-360:], t[-360:], verbose=0)
    assert acc >= 0.95


def test_conv_autoencoder_with_fused_sigmoid_crossentropy_trains():
    """E5's shape in miniature: the last Conv2D's sigmoid is fused into binary crossentropy."""
    rng = np.random.default_rng(1)
    x = (rng.random((64, 8, 8, 1)) > 0.5).astype(np.float32)
    x[:, 2:6, 2:6] = 1.0
    kernn.utils.set_random_seed(1)
    model = kernn.Sequential([
        kernn.Input(shape=(8, 8, 1)),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.UpSampling2D(),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert model.output_shape == (None, 8, 8, 1)
    history = model.fit(x, x, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x[:4], verbose=0).shape == (4, 8, 8, 1)

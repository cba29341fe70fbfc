"""A denoising convolutional autoencoder on the digits; its encoder then serves as a model of its own.

    python examples/denoising_autoencoder.py [--short] [--plots DIR]

Noisy digits go in, clean digits are the target. The encoder (Conv2D, MaxPooling2D)
squeezes an 8x8 image into a 2x2x16 code; the decoder (UpSampling2D, Conv2D,
Conv2DTranspose) rebuilds it. Because the model is functional, `keras.Model(inputs,
code)` gives the trained encoder as a separate model sharing the same weights, and the
codes it produces are good features: a logistic regression on them classifies digits.
Ends by printing the reconstruction error against the noise level, and that accuracy.
"""
import argparse
import os

import numpy as np

import kernn as keras
from kernn import layers

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--short", action="store_true", help="a tiny run, for tests")
p.add_argument("--plots", metavar="DIR", help="save figures there (needs matplotlib)")
args = p.parse_args()
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train[..., None].astype("float32") / 16.0
x_test = x_test[..., None].astype("float32") / 16.0
if args.short:
    x_train, y_train = x_train[:256], y_train[:256]


def add_noise(x):
    return np.clip(x + 0.35 * rng.standard_normal(x.shape), 0.0, 1.0).astype("float32")


noisy_train, noisy_test = add_noise(x_train), add_noise(x_test)

inputs = keras.Input(shape=(8, 8, 1), name="noisy")
h = layers.Conv2D(32, 3, padding="same", activation="relu", name="enc_conv_1")(inputs)
h = layers.MaxPooling2D(2, name="enc_pool_1")(h)  # 4x4
h = layers.Conv2D(16, 3, padding="same", activation="relu", name="enc_conv_2")(h)
code = layers.MaxPooling2D(2, name="code")(h)  # 2x2x16
h = layers.UpSampling2D(2, name="dec_up")(code)  # 4x4
h = layers.Conv2D(32, 3, padding="same", activation="relu", name="dec_conv")(h)
h = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu", name="dec_deconv")(h)  # 8x8
outputs = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="clean")(h)

autoencoder = keras.Model(inputs, outputs, name="denoiser")
autoencoder.summary()
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
history = autoencoder.fit(noisy_train, x_train, batch_size=32, epochs=2 if args.short else 20,
                          validation_data=(noisy_test, x_test), verbose=0 if args.short else 2)

encoder = keras.Model(inputs, code, name="encoder")  # the trained encoder, as its own model
codes_train = encoder.predict(x_train, verbose=0).reshape(len(x_train), -1)
codes_test = encoder.predict(x_test, verbose=0).reshape(len(x_test), -1)
probe = keras.Sequential([keras.Input(shape=(codes_train.shape[1],)), layers.Dense(10, activation="softmax")])
probe.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
probe.fit(codes_train, y_train, batch_size=32, epochs=2 if args.short else 40, verbose=0)
probe_acc = probe.evaluate(codes_test, y_test, verbose=0)[1]

denoised = autoencoder.predict(noisy_test, verbose=0)
mse_noisy = float(np.mean((noisy_test - x_test) ** 2))
mse_denoised = float(np.mean((denoised - x_test) ** 2))
if args.plots:
    try:
        keras.utils.plot_images(np.concatenate([x_test[:12], noisy_test[:12], denoised[:12]]), ncols=12,
                                to_file=os.path.join(args.plots, "denoising_autoencoder.png"))
        keras.utils.plot_history(history, to_file=os.path.join(args.plots, "denoising_autoencoder_history.png"))
        keras.utils.plot_model(autoencoder, to_file=os.path.join(args.plots, "denoising_autoencoder_model.png"),
                               show_shapes=True, show_layer_names=True)
    except ImportError as e:
        print(f"no plots: {e}")
print(f"encoder output: {encoder.output_shape}; digits from the codes alone: test accuracy {probe_acc:.4f}")
print(f"test MSE: noisy input {mse_noisy:.4f} -> denoised {mse_denoised:.4f}")

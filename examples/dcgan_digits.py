"""A DCGAN on the 8x8 digits, with the classic frozen-discriminator recipe.

    python examples/dcgan_digits.py [--short] [--plots DIR]

The generator maps 32 random numbers to an 8x8 image through Dense, BatchNormalization,
LeakyReLU, a strided Conv2DTranspose and a tanh output (images are scaled to [-1, 1]).
The discriminator is a small strided CNN. As in the Keras tutorials of old: compile the
discriminator, set `discriminator.trainable = False`, then compile the stacked
`gan = Sequential([generator, discriminator])`; the freeze is fixed at compile time, so
`gan.train_on_batch` moves only the generator while `discriminator.train_on_batch` still
trains the discriminator.

Ends by printing a digit score of the generated images: an inception-score-style figure
from a digits classifier, exp(E[KL(p(y|x) || p(y))]), between 1 (noise, or one digit
only) and 10 (ten distinct, confidently recognised digits); real test digits score about 9.
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
LATENT = 32

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
images = x_train[..., None].astype("float32") / 8.0 - 1.0  # [-1, 1], as tanh produces
if args.short:
    images = images[:128]

generator = keras.Sequential([
    keras.Input(shape=(LATENT,)),
    layers.Dense(4 * 4 * 64, use_bias=False),
    layers.BatchNormalization(),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Reshape((4, 4, 64)),
    layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False),  # 8x8
    layers.BatchNormalization(),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Conv2D(1, 3, padding="same", activation="tanh"),
], name="generator")

discriminator = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Conv2D(32, 3, strides=2, padding="same"),  # 4x4
    layers.LeakyReLU(negative_slope=0.2),
    layers.Conv2D(64, 3, strides=2, padding="same"),  # 2x2
    layers.LeakyReLU(negative_slope=0.2),
    layers.Flatten(),
    layers.Dropout(0.3),
    layers.Dense(1, activation="sigmoid"),
], name="discriminator")
discriminator.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5), loss="binary_crossentropy")

discriminator.trainable = False  # frozen inside `gan` only: it was compiled trainable above
gan = keras.Sequential([generator, discriminator], name="gan")
gan.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5), loss="binary_crossentropy")
gan.summary()

batch, epochs = 64, 1 if args.short else 50
steps = len(images) // batch
real_y, fake_y = np.full((batch, 1), 0.9, "float32"), np.zeros((batch, 1), "float32")  # one-sided label smoothing
logs = {"d_loss": [], "g_loss": []}
for epoch in range(epochs):
    order = rng.permutation(len(images))
    d_losses, g_losses = [], []
    for s in range(steps):
        real = images[order[s * batch:(s + 1) * batch]]
        fake = generator.predict(rng.standard_normal((batch, LATENT)).astype("float32"), verbose=0)
        d_loss = discriminator.train_on_batch(np.concatenate([real, fake]), np.concatenate([real_y, fake_y]))
        g_loss = gan.train_on_batch(rng.standard_normal((batch, LATENT)).astype("float32"),
                                    np.ones((batch, 1), "float32"))
        d_losses.append(d_loss)
        g_losses.append(g_loss)
    logs["d_loss"].append(float(np.mean(d_losses)))
    logs["g_loss"].append(float(np.mean(g_losses)))
    if not args.short and (epoch + 1) % 5 == 0:
        print(f"epoch {epoch + 1}/{epochs}  d_loss {logs['d_loss'][-1]:.3f}  g_loss {logs['g_loss'][-1]:.3f}")

# The quality figure: how recognisable and varied the generated digits are to a digits classifier.
judge = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Flatten(), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
judge.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
judge.fit(x_train[..., None] / 8.0 - 1.0, y_train, epochs=3 if args.short else 30, batch_size=32, verbose=0)


def digit_score(x):
    prob = judge.predict(x, verbose=0).astype(np.float64) + 1e-12
    marginal = prob.mean(axis=0)
    return float(np.exp(np.mean(np.sum(prob * (np.log(prob) - np.log(marginal)), axis=1))))


samples = generator.predict(rng.standard_normal((500, LATENT)).astype("float32"), verbose=0)
if args.plots:
    try:
        keras.utils.plot_images(samples[:64], ncols=16, to_file=os.path.join(args.plots, "dcgan_samples.png"))
        keras.utils.plot_history(logs, to_file=os.path.join(args.plots, "dcgan_history.png"))
        keras.utils.plot_model(generator, to_file=os.path.join(args.plots, "dcgan_generator.png"), show_shapes=True)
    except ImportError as e:
        print(f"no plots: {e}")
print(f"digit score of generated images: {digit_score(samples):.2f} "
      f"(real test digits: {digit_score(x_test[..., None] / 8.0 - 1.0):.2f}, max 10)")

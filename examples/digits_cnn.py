"""A small convolutional network on the 8x8 digits, trained on augmented images.

    python examples/digits_cnn.py [--short] [--plots DIR]

ImageDataGenerator shifts, rotates and zooms the training images a little each epoch;
`fit` takes its `.flow(...)` directly. Ends by printing the test accuracy (about 0.98).
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

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train[..., None].astype("float32") / 16.0  # (samples, 8, 8, 1): channels_last
x_test = x_test[..., None].astype("float32") / 16.0
if args.short:
    x_train, y_train = x_train[:256], y_train[:256]

model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.BatchNormalization(),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dropout(0.3),
    layers.Dense(10, activation="softmax"),
])
model.summary()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

augment = keras.utils.ImageDataGenerator(rotation_range=8, width_shift_range=0.1, height_shift_range=0.1,
                                         zoom_range=0.05, fill_mode="constant", cval=0.0)
batches = augment.flow(x_train, y_train, batch_size=32, shuffle=True, seed=0)
history = model.fit(batches, epochs=1 if args.short else 15, validation_data=(x_test, y_test),
                    verbose=0 if args.short else 2)

loss, acc = model.evaluate(x_test, y_test, verbose=0)
if args.plots:
    try:
        xb, yb = next(iter(augment.flow(x_train[:16], y_train[:16], batch_size=16, shuffle=False, seed=1)))
        keras.utils.plot_images(np.concatenate([x_train[:16], xb]), ncols=16,
                                to_file=os.path.join(args.plots, "digits_cnn_augmented.png"))
        keras.utils.plot_history(history, to_file=os.path.join(args.plots, "digits_cnn_history.png"))
        keras.utils.plot_model(model, to_file=os.path.join(args.plots, "digits_cnn_model.png"), show_shapes=True)
    except ImportError as e:
        print(f"no plots: {e}")
print(f"test accuracy: {acc:.4f}")

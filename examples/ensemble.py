"""An ensemble in one functional model: three branches on the same input, merged with Concatenate, then softmax.

    python examples/ensemble.py [--short] [--plots DIR]

A dense branch, a convolutional branch and a wide shallow branch each read the 8x8
digits; their features are concatenated and one softmax layer decides. The branches
train together through the shared loss. Ends by printing the ensemble's test accuracy.
"""
import argparse
import os

import kernn as keras
from kernn import layers

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--short", action="store_true", help="a tiny run, for tests")
p.add_argument("--plots", metavar="DIR", help="save figures there (needs matplotlib)")
args = p.parse_args()
keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train[..., None].astype("float32") / 16.0
x_test = x_test[..., None].astype("float32") / 16.0
if args.short:
    x_train, y_train = x_train[:256], y_train[:256]

inputs = keras.Input(shape=(8, 8, 1), name="digit")
flat = layers.Flatten(name="flatten")(inputs)
# branch 1: a deeper dense network
a = layers.Dense(64, activation="relu", name="mlp_1")(flat)
a = layers.Dense(32, activation="relu", name="mlp_2")(a)
# branch 2: convolutions
b = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv")(inputs)
b = layers.MaxPooling2D(2, name="pool")(b)
b = layers.Flatten(name="conv_features")(b)
b = layers.Dense(32, activation="relu", name="conv_dense")(b)
# branch 3: one wide layer
c = layers.Dense(128, activation="tanh", name="wide")(flat)
merged = layers.Concatenate(name="merge")([a, b, c])
merged = layers.Dropout(0.2, name="dropout")(merged)
outputs = layers.Dense(10, activation="softmax", name="vote")(merged)
model = keras.Model(inputs, outputs, name="ensemble")
model.summary()

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2 if args.short else 25, validation_split=0.1,
                    verbose=0 if args.short else 2)
loss, acc = model.evaluate(x_test, y_test, verbose=0)
if args.plots:
    try:
        keras.utils.plot_model(model, to_file=os.path.join(args.plots, "ensemble_model.png"), show_shapes=True,
                               show_layer_names=True)
        keras.utils.plot_history(history, to_file=os.path.join(args.plots, "ensemble_history.png"))
    except ImportError as e:
        print(f"no plots: {e}")
print(f"test accuracy: {acc:.4f}")

"""A multilayer perceptron on the 8x8 handwritten digits (scikit-learn's, no download).

    python examples/digits_mlp.py [--short] [--plots DIR]

Ends by printing the test accuracy (about 0.97).
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
x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
y_train = keras.utils.to_categorical(y_train, 10)
y_test = keras.utils.to_categorical(y_test, 10)

model = keras.Sequential([
    keras.Input(shape=(64,)),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.summary()
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2 if args.short else 40, validation_split=0.1,
                    verbose=0 if args.short else 2)

loss, acc = model.evaluate(x_test, y_test, verbose=0)
if args.plots:
    try:
        keras.utils.plot_history(history, to_file=os.path.join(args.plots, "digits_mlp_history.png"))
        keras.utils.plot_model(model, to_file=os.path.join(args.plots, "digits_mlp_model.png"), show_shapes=True)
    except ImportError as e:
        print(f"no plots: {e}")
print(f"test accuracy: {acc:.4f}")

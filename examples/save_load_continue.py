"""Save a trained model, load it back, add layers on top and keep training.

    python examples/save_load_continue.py [--short] [--plots DIR]

1. Train a small digits classifier and `model.save("digits.keras")` (Keras 3 format).
2. `keras.models.load_model` gives back the same predictions and the optimizer state, so
   `fit` continues where it stopped.
3. Reuse the loaded network's hidden layers as a frozen feature extractor under a new
   head (the usual transfer-learning move) and train only the head.
Ends by printing the test accuracy at each stage.
"""
import argparse
import os
import tempfile

import numpy as np

import kernn as keras
from kernn import layers

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--short", action="store_true", help="a tiny run, for tests")
p.add_argument("--plots", metavar="DIR", help="save figures there (needs matplotlib)")
args = p.parse_args()
keras.utils.set_random_seed(0)
epochs = 1 if args.short else 15

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
x_test = x_test.reshape(-1, 64).astype("float32") / 16.0

model = keras.Sequential([
    keras.Input(shape=(64,)),
    layers.Dense(64, activation="relu", name="hidden_1"),
    layers.Dense(32, activation="relu", name="hidden_2"),
    layers.Dense(10, activation="softmax", name="digits"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0)
acc_1 = model.evaluate(x_test, y_test, verbose=0)[1]

with tempfile.TemporaryDirectory(prefix="kernn_save_") as folder:
    path = os.path.join(folder, "digits.keras")
    model.save(path)
    restored = keras.models.load_model(path)
same = np.allclose(model.predict(x_test, verbose=0), restored.predict(x_test, verbose=0), atol=1e-6)
print(f"saved to {path}; loaded model predicts the same: {same}")

# Keep training the loaded model: its optimizer state came back with it.
history = restored.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0)
acc_2 = restored.evaluate(x_test, y_test, verbose=0)[1]

# A new task on the same features: is the digit even? Freeze the loaded hidden layers, add a new head.
features = keras.Sequential([keras.Input(shape=(64,)), restored.get_layer("hidden_1"), restored.get_layer("hidden_2")])
features.trainable = False
parity = keras.Sequential([features, layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")])
parity.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
frozen_before = [w.numpy().copy() if hasattr(w, "numpy") else np.array(w) for w in features.weights]
parity.fit(x_train, (y_train % 2 == 0).astype("float32"), batch_size=32, epochs=epochs, verbose=0)
frozen_after = [w.numpy() if hasattr(w, "numpy") else np.array(w) for w in features.weights]
unchanged = all(np.array_equal(a, b) for a, b in zip(frozen_before, frozen_after))
acc_3 = parity.evaluate(x_test, (y_test % 2 == 0).astype("float32"), verbose=0)[1]
parity.summary()

if args.plots:
    try:
        keras.utils.plot_history(history, to_file=os.path.join(args.plots, "save_load_continue_history.png"))
    except ImportError as e:
        print(f"no plots: {e}")
print(f"frozen feature layers unchanged by the new head's training: {unchanged}")
print(f"test accuracy: trained {acc_1:.4f}, after load + more training {acc_2:.4f}, "
      f"new even/odd head on frozen features {acc_3:.4f}")

"""Classify short synthetic "reviews" with Embedding(mask_zero=True) + Bidirectional(LSTM).

    python examples/text_classification.py [--short] [--plots DIR]

The texts are generated offline: sentences of neutral filler words with a few
positive and negative words, where "not" flips the word after it. The label is the
sign of the resulting sentiment, so word order matters. Sequences of different lengths
are padded with zeros at the end (pad_sequences), and mask_zero=True makes the LSTMs
skip the padding. Ends by printing the test accuracy (about 0.95).
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

# Vocabulary: 0 is padding, 1 "not", 2-21 positive words, 22-41 negative words, 42-299 neutral filler.
NOT, POS, NEG, VOCAB, MAXLEN = 1, np.arange(2, 22), np.arange(22, 42), 300, 30


def make_text():
    length = rng.integers(6, MAXLEN + 1)
    words = list(rng.integers(42, VOCAB, size=length))
    score = 0
    for pos in rng.choice(length - 1, size=rng.integers(1, 4), replace=False):
        positive = rng.random() < 0.5
        negated = rng.random() < 0.3
        words[pos + 1] = int(rng.choice(POS if positive else NEG))
        if negated:
            words[pos] = NOT
        score += (1 if positive else -1) * (-1 if negated else 1)
    if score == 0:  # break ties with one more plain sentiment word at the end
        positive = rng.random() < 0.5
        words.append(int(rng.choice(POS if positive else NEG)))
        score = 1 if positive else -1
    return words, int(score > 0)


n = 400 if args.short else 3000
texts, labels = zip(*(make_text() for _ in range(n)))
x = keras.utils.pad_sequences(texts, maxlen=MAXLEN, padding="post", truncating="pre")
y = np.array(labels)
cut = int(0.8 * n)

model = keras.Sequential([
    keras.Input(shape=(MAXLEN,), dtype="int32"),
    layers.Embedding(VOCAB, 16, mask_zero=True),
    layers.Bidirectional(layers.LSTM(16)),
    layers.Dense(1, activation="sigmoid"),
])
model.summary()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x[:cut], y[:cut], batch_size=64, epochs=1 if args.short else 8, validation_split=0.1,
                    verbose=0 if args.short else 2)
loss, acc = model.evaluate(x[cut:], y[cut:], verbose=0)
if args.plots:
    try:
        keras.utils.plot_history(history, to_file=os.path.join(args.plots, "text_classification_history.png"))
        keras.utils.plot_model(model, to_file=os.path.join(args.plots, "text_classification_model.png"),
                               show_shapes=True, show_layer_names=True)
    except ImportError as e:
        print(f"no plots: {e}")
print(f"test accuracy: {acc:.4f}")

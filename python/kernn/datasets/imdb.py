"""IMDB movie reviews, labeled by sentiment, as sequences of word indices."""
import json

import numpy as np

from kernn.datasets._common import fetch, load_npz, object_array

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras lists it


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """Loads the IMDB dataset (downloaded once, as Keras does).

    25,000 movie reviews for training and 25,000 for testing, labeled by
    sentiment (1 positive, 0 negative). Each review is a list of word
    indices; words are indexed by overall frequency, so "3" is the 3rd most
    frequent word. "0" is not a word: it is the padding token.

    Args:
        path: where to cache the data (relative to the kernn cache's
            `datasets` folder).
        num_words: integer or None. Only the `num_words` most frequent words
            are kept; rarer words become `oov_char`. Defaults to `None` (all).
        skip_top: skip the top N most frequent words (they become
            `oov_char`). Defaults to `0`.
        maxlen: int or None. Sequences longer than this are dropped.
            Defaults to `None`.
        seed: int. Seed for reproducible data shuffling (Keras's shuffle).
        start_char: int. The start of a sequence is marked with this value.
            Defaults to `1`.
        oov_char: int. The out-of-vocabulary value. Defaults to `2`.
        index_from: int. Index actual words with this index and higher.
            Defaults to `3`.

    Returns:
        Tuple `(x_train, y_train), (x_test, y_test)`: `x_*` are 1-D object
        arrays of lists of ints, `y_*` integer arrays of labels.

    Raises:
        ValueError: if no sequence is shorter than `maxlen`.
        TypeError: for an unknown keyword argument.
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
    arrays = load_npz(fetch(path, "imdb.npz", FILE_HASH))
    x_train, labels_train = arrays["x_train"], arrays["y_train"]
    x_test, labels_test = arrays["x_test"], arrays["y_test"]

    rng = np.random.RandomState(seed)   # Keras's shuffle, for the same order
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    def shift(xs):
        if start_char is not None:
            return [[start_char] + [int(w) + index_from for w in x] for x in xs]
        return [[int(w) + index_from for w in x] for x in xs]

    x_train, x_test = shift(x_train), shift(x_test)
    if maxlen:
        keep = [i for i, x in enumerate(x_train) if len(x) < maxlen]
        x_train, labels_train = [x_train[i] for i in keep], labels_train[keep]
        keep = [i for i, x in enumerate(x_test) if len(x) < maxlen]
        x_test, labels_test = [x_test[i] for i in keep], labels_test[keep]
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = len(x_train)
    return (object_array(xs[:idx]), labels[:idx]), (object_array(xs[idx:]), labels[idx:])


def get_word_index(path="imdb_word_index.json"):
    """Retrieves a dict mapping words to their index in the IMDB dataset.

    Args:
        path: where to cache the data (relative to the kernn cache's
            `datasets` folder).

    Returns:
        The word index dictionary (word -> index; add `index_from` to match
        `load_data`'s sequences).
    """
    with open(fetch(path, "imdb_word_index.json", WORD_INDEX_HASH)) as f:
        return json.load(f)

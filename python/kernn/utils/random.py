"""Seeds: one place that makes kernn's random numbers repeatable.

`set_random_seed(n)` seeds Python's `random`, NumPy's global generator and kernn's own
generator. Every random draw kernn makes (initializers, dropout masks, shuffling) goes
through `new_rng()` or `make_default_seed()`, so after `set_random_seed(n)` a script
draws the same numbers run after run.
"""
import random as _py_random

import numpy as np

_state = {"seed": None, "root": np.random.default_rng()}


def set_random_seed(seed):
    """Seed Python's `random`, NumPy and kernn's generators for a repeatable run.

    Args:
        seed: a non-negative integer.

    Example:

    >>> from kernn.utils import set_random_seed
    >>> set_random_seed(42)
    >>> a = new_rng().standard_normal()
    >>> set_random_seed(42)
    >>> a == new_rng().standard_normal()
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"Expected `seed` argument to be a non-negative integer. Received: seed={seed!r}"
        )
    seed = int(seed)
    _py_random.seed(seed)
    np.random.seed(seed % (2**32))
    _state["seed"] = seed
    _state["root"] = np.random.default_rng(seed)


def get_random_seed():
    """The seed last given to `set_random_seed`, or `None`."""
    return _state["seed"]


def make_default_seed():
    """A fresh integer seed drawn from kernn's global generator (repeatable after a seed)."""
    return int(_state["root"].integers(0, 2**31 - 1))


def new_rng(seed=None):
    """A `numpy.random.Generator`.

    Args:
        seed: integer seed, or `None` to derive one from kernn's global generator (so the
            sequence of generators is repeatable after `set_random_seed`). A
            `numpy.random.Generator` is returned as is.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        seed = make_default_seed()
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Expected `seed` argument to be a non-negative integer. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))


__all__ = ["get_random_seed", "make_default_seed", "new_rng", "set_random_seed"]

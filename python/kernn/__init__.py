"""kernn: Keras-style deep learning whose kernels are C++17 with OpenMP and SIMD.

>>> import kernn
>>> kernn.isa() in ("scalar", "avx2", "avx512")
True
"""
import os as _os
import warnings as _warnings

from kernn import _core

__version__ = _core.__version__

# Validate KERNN_ISA now (an unknown value raises ValueError at import) and surface the
# warning given when it asks for more than the CPU has.
_core.active_isa()
if _core.dispatch_warning():
    _warnings.warn(_core.dispatch_warning(), RuntimeWarning, stacklevel=2)

from kernn import ops  # noqa: E402
from kernn import activations  # noqa: E402
from kernn import callbacks, layers, models  # noqa: E402
from kernn.layers import Input  # noqa: E402
from kernn.models import Model, Sequential  # noqa: E402


def isa():
    """The instruction set kernn's kernels use now: "scalar", "avx2" or "avx512"."""
    return _core.active_isa()


def get_num_threads():
    """Number of threads kernn's kernels use."""
    return _core.get_num_threads()


def set_num_threads(n):
    """Set the number of threads kernn's kernels use (a positive integer).

    The default is the smaller of the CPUs this process may run on and its container's
    CPU quota, or `OMP_NUM_THREADS` when set. In a child process forked after kernels ran
    threaded, kernels use one thread whatever is set (OpenMP workers do not survive fork).

    Args:
        n: thread count, `>= 1`.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"The number of threads must be a positive integer. Received: n={n!r}")
    _core.set_num_threads(n)


class threads:
    """Context manager that sets kernn's thread count inside a `with` block.

    >>> import kernn
    >>> with kernn.threads(1):
    ...     kernn.get_num_threads()
    1
    """

    def __init__(self, n):
        self.n = n
        self._saved = None

    def __enter__(self):
        self._saved = get_num_threads()
        set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        set_num_threads(self._saved)
        return False


def cpu_info():
    """A dict describing the CPU and how kernn uses it.

    Keys: `vendor`, `brand`, `features` (dict of detected flags: avx2, fma, avx512f,
    avx512bw, avx512dq, avx512vl), `best_isa` (best the CPU supports), `isa` (the one in
    use, after any `KERNN_ISA` cap) and `num_threads`.
    """
    f = dict(_core.cpu_features())
    return {
        "vendor": f.pop("vendor"),
        "brand": f.pop("brand"),
        "features": f,
        "best_isa": _core.best_isa(),
        "isa": _core.active_isa(),
        "num_threads": _core.get_num_threads(),
    }


def get_include():
    """Folder holding the C++ headers (`#include <kernn/kernn.h>`)."""
    here = _os.path.dirname(_os.path.abspath(__file__))
    inside = _os.path.join(here, "include")
    if _os.path.isdir(inside):
        return inside
    return _os.path.join(here, "..", "..", "cpp", "include")  # developer checkout


def get_cmake_dir():
    """Folder holding kernnConfig.cmake: pass it as `-Dkernn_DIR=...` to `find_package(kernn)`."""
    here = _os.path.dirname(_os.path.abspath(__file__))
    return _os.path.join(here, "share", "cmake", "kernn")


__all__ = ["__version__", "cpu_info", "get_cmake_dir", "get_include", "get_num_threads", "isa", "ops",
           "set_num_threads", "threads"]
__all__ += ["Input", "Model", "Sequential", "callbacks", "layers", "models"]

from kernn import constraints, initializers, losses, metrics, optimizers, regularizers, utils  # noqa: E402

__all__ += ["constraints", "initializers", "losses", "metrics", "optimizers", "regularizers", "utils"]

from kernn import datasets, preprocessing  # noqa: E402

__all__ += ["datasets", "preprocessing"]

from kernn import saving  # noqa: E402

__all__ += ["saving"]

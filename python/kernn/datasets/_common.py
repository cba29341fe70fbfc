"""What the dataset loaders share: where files come from, and reading them without running code."""
import io
import os
import pickle
import zipfile

import numpy as np

from kernn.utils.file_utils import get_file

#: The public folder Keras downloads its datasets from.
KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

#: When set (or when the environment variable KERNN_DATASETS_URL is set), every dataset file is
#: fetched from `BASE_URL + <file name>` instead of its usual location: a mirror, or a test server.
BASE_URL = None


def origin(filename, default_base=KERAS_DATASETS_URL):
    """URL of a dataset file: `BASE_URL` / `$KERNN_DATASETS_URL` when set, else `default_base`."""
    base = BASE_URL or os.environ.get("KERNN_DATASETS_URL") or default_base
    return base.rstrip("/") + "/" + filename


def fetch(fname, filename, file_hash, default_base=KERAS_DATASETS_URL, cache_subdir="datasets"):
    """Downloads (once) and verifies one dataset file; returns its local path."""
    return get_file(fname, origin=origin(filename, default_base), file_hash=file_hash, cache_subdir=cache_subdir)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays and plain containers and refuses every other global."""

    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct"),
                ("_codecs", "encode")}  # how Python 3 writes bytes in protocol-2 pickles; a pure function

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to load `{module}.{name}` from a dataset file: "
                                     "it may be corrupted or malicious.")


def _read_npy(buf):
    try:
        return np.lib.format.read_array(buf, allow_pickle=False)
    except ValueError:
        # An object array (ragged sequences): a .npy header followed by a pickle stream.
        buf.seek(0)
        major, _ = np.lib.format.read_magic(buf)
        if major == 1:
            np.lib.format.read_array_header_1_0(buf)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(buf)
        else:
            raise ValueError(f"Unsupported .npy format version {major}") from None
        return RestrictedUnpickler(buf).load()


def load_npz(path):
    """Reads an `.npz` archive into a dict of arrays; object arrays are unpickled with `RestrictedUnpickler`."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.endswith(".npy"):
                with archive.open(info) as raw:
                    arrays[info.filename[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return arrays


def object_array(seqs):
    """A 1-D object array holding each sequence (never a 2-D array when the lengths happen to match)."""
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = s
    return out


def missing_extra(module, package, dataset):
    return ImportError(f"kernn.datasets.{dataset} needs {package}, which is not installed: "
                       f"pip install {package}  (or pip install \"kernn[datasets]\"). "
                       f"(import of {module} failed)")

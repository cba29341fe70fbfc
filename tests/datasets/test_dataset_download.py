"""Dataset downloads, offline: a local HTTP server on 127.0.0.1 serves small files made here."""
import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

from kernn.datasets import boston_housing, cifar10, fashion_mnist, imdb, mnist
from kernn.datasets._common import load_npz
from kernn.utils.file_utils import get_file


class _Server:
    """Serves a folder on 127.0.0.1 in a daemon thread; counts GET requests per file; stops itself."""

    def __init__(self, root, lifetime=60.0):
        self.root = root
        self.hits = {}
        owner = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):
                name = self.path.lstrip("/")
                owner.hits[name] = owner.hits.get(name, 0) + 1
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 5
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.timer = threading.Timer(lifetime, self.httpd.shutdown)   # never outlives a stuck test
        self.timer.daemon = True

    def __enter__(self):
        self.thread.start()
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server(tmp_path, monkeypatch, capsys):
    root = tmp_path / "served"
    root.mkdir()
    monkeypatch.setenv("KERNN_HOME", str(tmp_path / "home"))
    with _Server(root) as srv:
        monkeypatch.setenv("KERNN_DATASETS_URL", srv.url)
        yield srv


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cache(tmp_path, *parts):
    return tmp_path.joinpath("home", "datasets", *parts)


def _leftovers(folder):
    return [p for p in folder.rglob("*") if p.is_file() and p.name.endswith(".part")]


def _make_mnist(root, rng):
    arrays = dict(x_train=rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), y_train=np.arange(6, dtype=np.uint8),
                  x_test=rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), y_test=np.arange(2, dtype=np.uint8))
    np.savez(root / "mnist.npz", **arrays)
    return arrays


def test_mnist_download_verify_and_cache(server, tmp_path, monkeypatch):
    arrays = _make_mnist(server.root, np.random.default_rng(0))
    monkeypatch.setattr(mnist, "FILE_HASH", _sha(server.root / "mnist.npz"))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 28, 28) and y_train.shape == (6,)
    cached = _cache(tmp_path, "mnist.npz")
    assert cached.is_file() and _sha(cached) == mnist.FILE_HASH
    assert server.hits == {"mnist.npz": 1}
    mnist.load_data()                                   # second call: from the cache
    assert server.hits == {"mnist.npz": 1}


def test_corrupted_download_is_refused_and_leaves_no_file(server, tmp_path, monkeypatch):
    _make_mnist(server.root, np.random.default_rng(1))
    good = _sha(server.root / "mnist.npz")
    data = bytearray((server.root / "mnist.npz").read_bytes())
    data[100] ^= 0xFF                                     # one flipped byte in transit
    (server.root / "mnist.npz").write_bytes(bytes(data))
    bad = _sha(server.root / "mnist.npz")
    monkeypatch.setattr(mnist, "FILE_HASH", good)
    with pytest.raises(ValueError, match=rf"'mnist\.npz'.*{bad}.*{good}"):
        mnist.load_data()
    folder = _cache(tmp_path)
    assert not (folder / "mnist.npz").exists()
    assert list(folder.iterdir()) == []


def test_http_error_leaves_no_file(server, tmp_path):
    with pytest.raises(OSError, match="404"):
        get_file("missing.bin", origin=server.url + "missing.bin", file_hash="0" * 64)
    assert list(_cache(tmp_path).iterdir()) == []


def test_stale_cached_file_is_downloaded_again(server, tmp_path, monkeypatch):
    _make_mnist(server.root, np.random.default_rng(2))
    monkeypatch.setattr(mnist, "FILE_HASH", _sha(server.root / "mnist.npz"))
    cached = _cache(tmp_path, "mnist.npz")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a file")
    with pytest.warns(UserWarning, match="will re-download"):
        mnist.load_data()
    assert _sha(cached) == mnist.FILE_HASH and server.hits == {"mnist.npz": 1}


def test_get_file_md5_and_cache_dir(server, tmp_path):
    (server.root / "words.json").write_text(json.dumps({"the": 1}))
    md5 = hashlib.md5((server.root / "words.json").read_bytes()).hexdigest()
    path = get_file("w.json", origin=server.url + "words.json", file_hash=md5, cache_dir=str(tmp_path / "c"))
    assert path == str(tmp_path / "c" / "datasets" / "w.json")
    with pytest.raises(ValueError, match="md5 hash is"):
        get_file("w2.json", origin=server.url + "words.json", file_hash="f" * 32)


def test_fashion_mnist(server, monkeypatch):
    rng = np.random.default_rng(3)
    hashes = {}
    for split, n in (("train", 5), ("t10k", 3)):
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        for kind, header, payload in (("labels-idx1", b"\0" * 8, labels), ("images-idx3", b"\0" * 16, images)):
            name = f"{split}-{kind}-ubyte.gz"
            with gzip.open(server.root / name, "wb") as f:
                f.write(header + payload.tobytes())
            hashes[name] = _sha(server.root / name)
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", hashes)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (5, 28, 28) and x_test.shape == (3, 28, 28) and y_train.shape == (5,)
    assert x_train.dtype == np.uint8 and y_test.dtype == np.uint8


def test_cifar10(server, monkeypatch):
    rng = np.random.default_rng(4)
    buf = io.BytesIO()
    expect = {}
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            data = rng.integers(0, 256, (2, 3072), dtype=np.uint8)
            labels = [int(v) for v in rng.integers(0, 10, 2)]
            expect[name] = (data, labels)
            blob = pickle.dumps({b"batch_label": b"x", b"labels": labels, b"data": data}, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    (server.root / cifar10.FILENAME).write_bytes(buf.getvalue())
    monkeypatch.setattr(cifar10, "FILE_HASH", _sha(server.root / cifar10.FILENAME))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (2, 1) and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_test[1], expect["test_batch"][0][1].reshape(3, 32, 32).transpose(1, 2, 0))
    assert y_train[:2, 0].tolist() == expect["data_batch_1"][1]


def _imdb_npz(path):
    def seqs(lists):
        out = np.empty(len(lists), dtype=object)
        for i, s in enumerate(lists):
            out[i] = s
        return out

    x_train = seqs([[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [2, 2]])
    x_test = seqs([[3, 1], [9, 9, 9, 9, 9, 9]])
    np.savez(path, x_train=x_train, y_train=np.array([1, 0, 1, 0]), x_test=x_test, y_test=np.array([0, 1]))


def test_imdb(server, monkeypatch):
    _imdb_npz(server.root / "imdb.npz")
    monkeypatch.setattr(imdb, "FILE_HASH", _sha(server.root / "imdb.npz"))
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    assert x_train.dtype == object and x_train.shape == (4,) and x_test.shape == (2,)
    order = np.arange(4)
    rs = np.random.RandomState(113)
    rs.shuffle(order)
    raw = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [2, 2]]
    assert x_train[0] == [1] + [w + 3 for w in raw[order[0]]]
    np.testing.assert_array_equal(y_train, np.array([1, 0, 1, 0])[order])
    (x_train, _), (x_test, _) = imdb.load_data(num_words=8, maxlen=5, start_char=None)
    assert len(x_train) == 3 and all(len(s) < 5 for s in x_train) and len(x_test) == 1
    assert all(w < 8 or w == 2 for s in x_train for w in s)
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.load_data(maxlen=1)
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        imdb.load_data(nb_words=5)


def test_imdb_word_index(server, monkeypatch):
    (server.root / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2}))
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH",
                        hashlib.md5((server.root / "imdb_word_index.json").read_bytes()).hexdigest())
    assert imdb.get_word_index() == {"the": 1, "and": 2}


def test_boston_housing_split_matches_keras_shuffle(server, monkeypatch):
    x = np.arange(10 * 13, dtype=np.float64).reshape(10, 13)
    y = np.arange(10, dtype=np.float64) * 1.5
    np.savez(server.root / "boston_housing.npz", x=x, y=y)
    monkeypatch.setattr(boston_housing, "FILE_HASH", _sha(server.root / "boston_housing.npz"))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13) and y_train.dtype == np.float64
    np.testing.assert_array_equal(y_train, y[order[:8]])
    np.testing.assert_array_equal(x_test, x[order[8:]])
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_npz_with_code_in_a_pickle_is_refused(tmp_path):
    arr = np.empty(1, dtype=object)
    arr[0] = _Evil()
    np.savez(tmp_path / "evil.npz", x=arr)
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load"):
        load_npz(tmp_path / "evil.npz")


def test_base_url_module_attribute(server, tmp_path, monkeypatch):
    from kernn.datasets import _common

    _make_mnist(server.root, np.random.default_rng(5))
    monkeypatch.setattr(mnist, "FILE_HASH", _sha(server.root / "mnist.npz"))
    monkeypatch.delenv("KERNN_DATASETS_URL")
    monkeypatch.setattr(_common, "BASE_URL", server.url.rstrip("/"))
    assert _common.origin("mnist.npz") == server.url + "mnist.npz"
    mnist.load_data()
    assert server.hits == {"mnist.npz": 1}
    monkeypatch.setattr(_common, "BASE_URL", None)
    assert _common.origin("mnist.npz") == _common.KERAS_DATASETS_URL + "mnist.npz"
    assert _common.origin(cifar10.FILENAME, cifar10.ORIGIN_BASE) == \
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"

import numpy as np
import pytest

from kernn.utils.py_dataset import IndexedBatches, PyDataset, Sequence


class Batches(PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.ends = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, idx):
        s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.ends += 1


def test_subclass_by_index_and_iteration():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    ds = Batches(x, y, 4, workers=2)
    assert Sequence is PyDataset
    assert len(ds) == 3 and ds.num_batches == 3
    assert ds.workers == 2 and ds.use_multiprocessing is False and ds.max_queue_size == 10
    assert ds[2][0].shape == (2, 2)
    got = np.concatenate([b[1] for b in ds])
    np.testing.assert_array_equal(got, y)


def test_defaults_without_super_init():
    class Bare(PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return np.zeros(1)

    ds = Bare()
    assert ds.workers == 1 and ds.max_queue_size == 10
    ds.on_epoch_begin()
    ds.on_epoch_end()
    with pytest.raises(NotImplementedError):
        PyDataset()[0]


class Rows(IndexedBatches):
    def __init__(self, x, **kwargs):
        super().__init__(len(x), **kwargs)
        self.x = x

    def _get_batch(self, indices, batch_index):
        return self.x[indices]


def test_array_batches_shuffle_each_epoch_and_seed():
    x = np.arange(50)
    a, b = Rows(x, batch_size=8, shuffle=True, seed=3), Rows(x, batch_size=8, shuffle=True, seed=3)
    e1 = np.concatenate(list(a))
    np.testing.assert_array_equal(e1, np.concatenate(list(b)))
    assert sorted(e1) == list(x) and list(e1) != list(x)
    a.on_epoch_end()
    e2 = np.concatenate([a[i] for i in range(len(a))])
    assert sorted(e2) == list(x) and list(e2) != list(e1)
    plain = Rows(x, batch_size=8)
    np.testing.assert_array_equal(np.concatenate(list(plain)), x)
    assert len(plain) == 7 and len(plain[6]) == 2
    np.testing.assert_array_equal(plain[-1], plain[6])
    with pytest.raises(IndexError, match="has length 7"):
        plain[7]
    with pytest.raises(ValueError, match="batch_size"):
        Rows(x, batch_size=0)

import numpy as np
import pytest

from kernn.utils.timeseries import split_sequences, timeseries_dataset_from_array

SEQ = np.arange(10, 100, 10)                 # 10, 20, ..., 90
IN1, IN2 = SEQ, SEQ + 5                      # 15, 25, ..., 95
OUT = IN1 + IN2                              # 25, 45, ..., 185
DATA = np.column_stack([IN1, IN2, OUT])      # (9, 3)


def test_univariate_one_step():
    X, y = split_sequences(SEQ, n_steps_in=3)
    assert X.shape == (6, 3, 1) and y.shape == (6,)
    np.testing.assert_array_equal(X[..., 0], [[10, 20, 30], [20, 30, 40], [30, 40, 50],
                                              [40, 50, 60], [50, 60, 70], [60, 70, 80]])
    np.testing.assert_array_equal(y, [40, 50, 60, 70, 80, 90])


def test_univariate_several_steps():
    X, y = split_sequences(SEQ, n_steps_in=3, n_steps_out=2)
    assert X.shape == (5, 3, 1) and y.shape == (5, 2)
    np.testing.assert_array_equal(X[-1, :, 0], [50, 60, 70])
    np.testing.assert_array_equal(y, [[40, 50], [50, 60], [60, 70], [70, 80], [80, 90]])


def test_several_inputs_one_target():
    X, y = split_sequences(DATA, n_steps_in=3, target=-1)
    assert X.shape == (7, 3, 2) and y.shape == (7,)
    np.testing.assert_array_equal(X[0], [[10, 15], [20, 25], [30, 35]])
    np.testing.assert_array_equal(X[-1], [[70, 75], [80, 85], [90, 95]])
    np.testing.assert_array_equal(y, [65, 85, 105, 125, 145, 165, 185])
    # next-step target instead of same-step
    X, y = split_sequences(DATA, n_steps_in=3, target=2, offset=1)
    assert X.shape == (6, 3, 2)
    np.testing.assert_array_equal(y, [85, 105, 125, 145, 165, 185])


def test_several_inputs_one_target_several_steps():
    X, y = split_sequences(DATA, n_steps_in=3, n_steps_out=2, target=-1)
    assert X.shape == (6, 3, 2) and y.shape == (6, 2)
    np.testing.assert_array_equal(X[0], [[10, 15], [20, 25], [30, 35]])
    np.testing.assert_array_equal(y, [[65, 85], [85, 105], [105, 125], [125, 145], [145, 165], [165, 185]])


def test_parallel_series():
    X, y = split_sequences(DATA, n_steps_in=3)
    assert X.shape == (6, 3, 3) and y.shape == (6, 3)
    np.testing.assert_array_equal(X[0], [[10, 15, 25], [20, 25, 45], [30, 35, 65]])
    np.testing.assert_array_equal(y[0], [40, 45, 85])
    np.testing.assert_array_equal(y[-1], [90, 95, 185])


def test_parallel_series_several_steps():
    X, y = split_sequences(DATA, n_steps_in=3, n_steps_out=2)
    assert X.shape == (5, 3, 3) and y.shape == (5, 2, 3)
    np.testing.assert_array_equal(y[0], [[40, 45, 85], [50, 55, 105]])
    np.testing.assert_array_equal(y[-1], [[80, 85, 165], [90, 95, 185]])


def test_middle_target_column_and_array_target():
    X, y = split_sequences(DATA[:, [0, 2, 1]], n_steps_in=3, target=1)
    np.testing.assert_array_equal(X[0], [[10, 15], [20, 25], [30, 35]])
    np.testing.assert_array_equal(y[0], 65)
    X, y = split_sequences(DATA[:, :2], n_steps_in=3, target=OUT)
    np.testing.assert_array_equal(X[0], [[10, 15], [20, 25], [30, 35]])
    np.testing.assert_array_equal(y, [65, 85, 105, 125, 145, 165, 185])


def test_zero_copy_and_any_layout():
    data = np.asfortranarray(DATA.astype(np.float64))
    X, y = split_sequences(data, n_steps_in=3, target=-1)
    assert np.shares_memory(X, data) and np.shares_memory(y, data)
    assert X.dtype == np.float64
    strided = np.repeat(DATA, 2, axis=0)[::2]      # non-contiguous view
    X2, y2 = split_sequences(strided, 3)
    np.testing.assert_array_equal(X2, split_sequences(DATA, 3)[0])
    np.testing.assert_array_equal(y2, split_sequences(DATA, 3)[1])


@pytest.mark.parametrize("args, kwargs, match", [
    ((SEQ, 9), {}, "too short"),
    ((SEQ, 0), {}, "n_steps_in"),
    ((SEQ, 3), {"n_steps_out": 0}, "n_steps_out"),
    ((SEQ, 3), {"target": 0}, "needs 2-D"),
    ((DATA, 3), {"target": 3}, "column index"),
    ((DATA, 3), {"target": np.arange(4)}, "len\\(data\\)=9"),
    ((np.zeros((2, 2, 2)), 1), {}, "1-D"),
    ((SEQ, 3), {"offset": -1}, "offset"),
], ids=["short", "steps_in", "steps_out", "target_1d", "target_range", "target_len", "rank", "offset"])
def test_split_sequences_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_sequences(*args, **kwargs)


def _windows(data, targets, length, stride, rate, start=0, end=None):
    end = len(data) if end is None else end
    xs, ys = [], []
    i = start
    while i + (length - 1) * rate < end and (targets is None or i < len(targets)):
        xs.append(data[i:i + length * rate:rate])
        if targets is not None:
            ys.append(targets[i])
        i += stride
    return np.array(xs), (np.array(ys) if targets is not None else None)


def test_timeseries_dataset_keras_example():
    data = np.arange(100)
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    x, y = ds[0]
    assert len(ds) == 1 and x.shape == (81, 10)
    np.testing.assert_array_equal(x[0], np.arange(10))
    assert y[0] == 10


@pytest.mark.parametrize("length, stride, rate, batch, start, end", [
    (5, 1, 1, 7, None, None), (4, 3, 2, 4, None, None), (3, 2, 1, 128, 5, 40), (6, 1, 3, 1, 2, None),
], ids=["basic", "stride_rate", "start_end", "batch1"])
def test_timeseries_dataset_matches_loops(length, stride, rate, batch, start, end):
    data = np.asfortranarray(np.arange(100, dtype=np.float64).reshape(50, 2) * 1.5)
    targets = np.arange(50) * 10
    ds = timeseries_dataset_from_array(data, targets, length, sequence_stride=stride, sampling_rate=rate,
                                       batch_size=batch, start_index=start, end_index=end)
    xs, ys = zip(*list(ds))
    assert all(len(b) <= batch for b in xs)
    ex, ey = _windows(data, targets, length, stride, rate, start or 0, end)
    np.testing.assert_array_equal(np.concatenate(xs), ex)
    np.testing.assert_array_equal(np.concatenate(ys), ey)
    assert np.concatenate(xs).dtype == np.float64 and len(ds) == -(-len(ex) // batch)


def test_timeseries_dataset_without_targets_or_batches():
    data = np.arange(20)
    ds = timeseries_dataset_from_array(data, None, sequence_length=4, batch_size=5)
    batch = ds[0]
    assert isinstance(batch, np.ndarray) and batch.shape == (5, 4)
    single = timeseries_dataset_from_array(data, data, sequence_length=4, batch_size=None)
    x, y = single[3]
    np.testing.assert_array_equal(x, [3, 4, 5, 6])
    assert y == 3 and len(single) == 17


def test_timeseries_dataset_shuffle_is_seeded_and_reshuffles():
    data = np.arange(60)
    make = lambda: timeseries_dataset_from_array(data, data, 5, batch_size=8, shuffle=True, seed=7)  # noqa: E731
    a, b = make(), make()
    ea = [y for _, y in a]
    eb = [y for _, y in b]
    for u, v in zip(ea, eb):
        np.testing.assert_array_equal(u, v)
    starts = np.concatenate(ea)
    assert sorted(starts) == list(range(56)) and list(starts) != list(range(56))
    second = np.concatenate([y for _, y in a])      # the next epoch is in a new order
    assert sorted(second) == list(range(56)) and list(second) != list(starts)
    for x, y in a:
        np.testing.assert_array_equal(x[:, 0], y)


@pytest.mark.parametrize("kwargs, match", [
    ({"start_index": -1}, "`start_index` must be 0 or greater"),
    ({"start_index": 20}, "`start_index` must be lower than the length"),
    ({"start_index": 5, "end_index": 5}, "`end_index` must be higher than `start_index`"),
    ({"end_index": 20}, "`end_index` must be lower than the length"),
    ({"sampling_rate": 0}, "`sampling_rate` must be higher than 0"),
    ({"sequence_stride": 0}, "`sequence_stride` must be higher than 0"),
    ({"sequence_stride": 20}, "`sequence_stride` must be lower than the length"),
], ids=["start_neg", "start_big", "end_le_start", "end_big", "rate", "stride", "stride_big"])
def test_timeseries_dataset_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        timeseries_dataset_from_array(np.arange(20), None, 3, **kwargs)

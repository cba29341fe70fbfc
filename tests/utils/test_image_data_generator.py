import numpy as np
import pytest

from kernn.utils.image import ImageDataGenerator, NumpyArrayIterator, apply_affine_transform
from kernn.utils.py_dataset import PyDataset

AUG = dict(rotation_range=25, width_shift_range=0.15, height_shift_range=2, shear_range=10, zoom_range=0.2,
           horizontal_flip=True, vertical_flip=True, channel_shift_range=0.1, brightness_range=(0.8, 1.2),
           fill_mode="reflect")


def _images(n=20, h=9, w=9, c=3, seed=0):
    return np.random.default_rng(seed).random((n, h, w, c))


def _all(it):
    xs, ys = zip(*(it[i] for i in range(len(it))))
    return np.concatenate(xs), np.concatenate(ys)


def test_flow_without_augmentation_keeps_images_with_their_labels():
    x = _images()
    it = ImageDataGenerator().flow(x, np.arange(20), batch_size=6, shuffle=True, seed=1)
    assert isinstance(it, PyDataset) and isinstance(it, NumpyArrayIterator) and len(it) == 4
    xb, yb = _all(it)
    assert xb.dtype == np.float32 and xb.shape == x.shape
    assert sorted(yb) == list(range(20)) and list(yb) != list(range(20))
    np.testing.assert_allclose(xb, x[yb].astype(np.float32))


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
def test_augmented_batches_keep_shapes_labels_and_weights(fill_mode):
    x = _images(h=10, w=7) * 255
    gen = ImageDataGenerator(**{**AUG, "fill_mode": fill_mode}, cval=3.0, rescale=1 / 255)
    it = gen.flow(x, np.arange(20), batch_size=8, seed=5, sample_weight=np.arange(20) / 10)
    for i in range(len(it)):
        xb, yb, wb = it[i]
        assert xb.shape == (len(yb), 10, 7, 3) and xb.dtype == np.float32
        np.testing.assert_allclose(wb, yb / 10)
        assert np.all(np.isfinite(xb))
    xb, yb = _all(ImageDataGenerator(**AUG).flow(x, np.arange(20), batch_size=8, seed=5))
    assert sorted(yb) == list(range(20))


def test_flow_is_reproducible_with_a_seed_in_any_order():
    x = _images()
    gen = ImageDataGenerator(**AUG)
    a, b = gen.flow(x, np.arange(20), batch_size=6, seed=42), gen.flow(x, np.arange(20), batch_size=6, seed=42)
    backwards = [b[i] for i in reversed(range(len(b)))][::-1]
    for i in range(len(a)):
        np.testing.assert_array_equal(a[i][0], backwards[i][0])
        np.testing.assert_array_equal(a[i][1], backwards[i][1])
        np.testing.assert_array_equal(a[i][0], a[i][0])   # re-reading a batch gives it again
    first = a[0][0]
    a.on_epoch_end()
    assert not np.array_equal(a[0][0], first)             # the next epoch differs
    c = gen.flow(x, np.arange(20), batch_size=6, seed=43)
    assert not np.array_equal(c[0][0], first)
    p1 = gen.get_random_transform((9, 9, 3), seed=3)
    assert p1 == gen.get_random_transform((9, 9, 3), seed=3)
    np.testing.assert_array_equal(gen.random_transform(x[0], seed=4), gen.random_transform(x[0], seed=4))


def test_fortran_and_non_contiguous_float64_inputs():
    x = _images(n=12, h=12, w=12)
    gen = ImageDataGenerator(**AUG)
    ref = gen.flow(x[:, ::2, ::2], np.arange(12), batch_size=5, seed=9)
    for variant in (np.asfortranarray(x[:, ::2, ::2]), np.ascontiguousarray(x[:, ::2, ::2])):
        it = gen.flow(variant, np.arange(12), batch_size=5, seed=9)
        for i in range(len(it)):
            np.testing.assert_array_equal(it[i][0], ref[i][0])
    gen.fit(np.asfortranarray(x))


def test_flips_and_shifts_move_pixels_the_right_way():
    img = np.zeros((5, 7, 1))
    img[1, 2, 0] = 1.0
    gen = ImageDataGenerator(fill_mode="constant")
    out = gen.apply_transform(img, {"flip_horizontal": True})
    assert out[1, 4, 0] == 1.0
    out = gen.apply_transform(img, {"flip_vertical": True})
    assert out[3, 2, 0] == 1.0
    out = gen.apply_transform(img, {"tx": 2})       # column shift (output(c) = input(c + 2))
    assert out[1, 0, 0] == 1.0 and out.sum() == 1.0
    out = gen.apply_transform(img, {"ty": -1})      # row shift
    assert out[2, 2, 0] == 1.0 and out.sum() == 1.0
    sq = np.arange(25.0).reshape(5, 5, 1)
    rot = gen.apply_transform(sq, {"theta": 90})
    assert np.allclose(rot[..., 0], np.rot90(sq[..., 0], 1)) or np.allclose(rot[..., 0], np.rot90(sq[..., 0], -1))


def test_width_shift_range_is_horizontal():
    gen = ImageDataGenerator(width_shift_range=0.4)
    for seed in range(5):
        p = gen.get_random_transform((10, 20, 1), seed=seed)
        assert p["ty"] == 0 and abs(p["tx"]) <= 8
    gen = ImageDataGenerator(height_shift_range=[-3, 3])
    p = gen.get_random_transform((10, 20, 1), seed=0)
    assert p["tx"] == 0 and abs(p["ty"]) == 3


def test_channels_first_matches_channels_last():
    x = _images(n=6)
    last = ImageDataGenerator(**AUG).flow(x, np.arange(6), batch_size=6, seed=2)[0][0]
    first = ImageDataGenerator(**AUG, data_format="channels_first").flow(
        x.transpose(0, 3, 1, 2), np.arange(6), batch_size=6, seed=2)[0][0]
    np.testing.assert_allclose(first, last.transpose(0, 3, 1, 2), rtol=1e-6, atol=1e-6)


def test_matches_scipy_on_keras_matrices():
    ndi = pytest.importorskip("scipy.ndimage")
    from kernn.utils.image import _compose, transform_matrix_offset_center

    rng = np.random.default_rng(0)
    for trial in range(12):
        n = int(rng.integers(4, 10))
        x = rng.random((n, n, 2))
        kw = dict(theta=rng.uniform(-90, 90), tx=rng.uniform(-3, 3), ty=rng.uniform(-3, 3),
                  shear=rng.uniform(-20, 20), zx=rng.uniform(0.7, 1.3), zy=rng.uniform(0.7, 1.3))
        m = transform_matrix_offset_center(_compose(**kw), n, n)
        m[:, [0, 1]] = m[:, [1, 0]]
        m[[0, 1]] = m[[1, 0]]
        for mode, smode in [("nearest", "nearest"), ("reflect", "reflect"), ("wrap", "grid-wrap"),
                            ("constant", "constant")]:
            for order in (0, 1):
                ours = apply_affine_transform(x, **kw, row_axis=0, col_axis=1, channel_axis=2, fill_mode=mode,
                                              cval=-1.0, order=order)
                ref = np.stack([ndi.affine_transform(x[..., c], m[:2, :2], m[:2, 2], order=order, mode=smode,
                                                     cval=-1.0) for c in range(2)], axis=-1)
                np.testing.assert_allclose(ours, ref, atol=1e-9, err_msg=f"{mode} order={order}")


def test_validation_split_subsets():
    x, y = _images(n=10), np.array([0, 1] * 5)
    gen = ImageDataGenerator(validation_split=0.3)
    val = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    tr = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    np.testing.assert_allclose(val[0][0], x[:3].astype(np.float32))
    np.testing.assert_array_equal(tr[0][1], y[3:])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.array([0] * 3 + [1] * 7), subset="training")
    gen.flow(x, np.array([0] * 3 + [1] * 7), subset="training", ignore_class_split=True)
    with pytest.raises(ValueError, match="Invalid subset name"):
        gen.flow(x, y, subset="test")


def test_fit_and_standardize():
    x = _images(n=30) * 10 + 3
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        gen = ImageDataGenerator(featurewise_std_normalization=True)
    gen.fit(x)
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    xb = np.concatenate([b for b in gen.flow(x, batch_size=7, shuffle=False)])
    np.testing.assert_allclose(xb.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(xb.std(axis=(0, 1, 2)), 1, atol=1e-3)
    sw = ImageDataGenerator(samplewise_center=True, rescale=0.5)
    xb = sw.flow(x, batch_size=5, shuffle=False)[0]
    np.testing.assert_allclose(xb.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    pre = ImageDataGenerator(preprocessing_function=lambda im: im * 0 + 2.0, rescale=3)
    np.testing.assert_allclose(pre.flow(x, batch_size=4)[0], 6.0)
    zca = ImageDataGenerator(zca_whitening=True, featurewise_center=True)
    zca.fit(_images(n=40, h=3, w=3, c=1))
    assert zca.zca_whitening_matrix.shape == (9, 9)
    unfit = ImageDataGenerator(featurewise_center=True)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        unfit.flow(x, batch_size=2)[0]


def test_tuple_inputs_and_no_labels():
    x = _images(n=8)
    misc = np.arange(8) * 2
    xb, yb = ImageDataGenerator().flow((x, misc), np.arange(8), batch_size=4, shuffle=False)[1]
    np.testing.assert_array_equal(xb[1], misc[4:])
    np.testing.assert_array_equal(yb, np.arange(4, 8))
    assert ImageDataGenerator().flow(x, batch_size=3)[0].shape == (3, 9, 9, 3)


@pytest.mark.parametrize("kwargs, match", [
    ({"fill_mode": "mirror"}, "fill_mode"),
    ({"zoom_range": (1, 2, 3)}, "zoom_range"),
    ({"data_format": "nhwc"}, "data_format"),
    ({"validation_split": 1.5}, "validation_split"),
    ({"brightness_range": 0.5}, "brightness_range"),
    ({"interpolation_order": 3}, "interpolation_order"),
    ({"width_shift_range": [[1, 2]]}, "width_shift_range"),
], ids=["fill_mode", "zoom", "data_format", "validation_split", "brightness", "order", "shift"])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)


def test_bad_flow_inputs():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="should have rank 4"):
        gen.flow(np.zeros((4, 5, 5)))
    with pytest.raises(ValueError, match="should have the same length"):
        gen.flow(np.zeros((4, 5, 5, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="should have rank 4"):
        gen.fit(np.zeros((4, 5, 5)))
    with pytest.raises(IndexError, match="has length 1"):
        gen.flow(np.zeros((4, 5, 5, 1)), batch_size=4)[1]
    with pytest.warns(UserWarning, match="2 channels"):
        gen.flow(np.zeros((4, 5, 5, 2)))

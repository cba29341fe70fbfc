"""`ImageDataGenerator`: real-time image augmentation in NumPy, as keras.preprocessing.image.

The affine part (rotation, shifts, shear, zoom) maps every output pixel back to
input coordinates and samples there (nearest or bilinear), for a whole batch at
once; SciPy is not needed.
"""
import os
import warnings

import numpy as np

from kernn.utils.py_dataset import IndexedBatches

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def flip_axis(x, axis):
    """Reverses `x` along `axis` (a view)."""
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix, x, y):
    """Conjugates a 3x3 transform so that it acts about the centre of an `x` by `y` grid."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset_matrix @ matrix @ reset_matrix


def _compose(theta=0, tx=0, ty=0, shear=0, zx=1, zy=1):
    """Keras's transform (rotation @ shift @ shear @ zoom) on (x=column, y=row) coordinates, or None."""
    m = None

    def then(a):
        return a if m is None else m @ a

    if theta != 0:
        t = np.deg2rad(theta)
        m = then(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        m = then(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=np.float64))
    if shear != 0:
        s = np.deg2rad(shear)
        m = then(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        m = then(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype=np.float64))
    return m


def _row_col_matrix(m, h, w):
    """(x, y) transform -> 2x2 matrix and offset acting on (row, col) output coordinates, about the centre."""
    m = transform_matrix_offset_center(m, w, h)
    return m[[1, 0]][:, [1, 0, 2]]  # swap x<->y in both the output and input coordinates


def _map_index(i, n, fill_mode):
    """Integer sample positions -> valid indices for the boundary mode (constant handled by a mask)."""
    if fill_mode == "reflect":        # half-sample symmetric: d c b a | a b c d | d c b a
        i = np.mod(i, 2 * n)
        return np.where(i >= n, 2 * n - 1 - i, i)
    if fill_mode == "wrap":           # periodic: a b c d | a b c d
        return np.mod(i, n)
    return np.clip(i, 0, n - 1)       # nearest (and constant, masked afterwards)


def _warp_batch(x, mats, fill_mode="nearest", cval=0.0, order=1):
    """Resamples each image of `x` (B, H, W, C) with its inverse map `mats` (B, 2, 3) on (row, col).

    Output pixel (r, c) of image b takes the input value at
    `mats[b, :, :2] @ (r, c) + mats[b, :, 2]`, interpolated with `order` 0
    (nearest) or 1 (bilinear); points outside the image follow `fill_mode`.
    """
    b, h, w, ch = x.shape
    rr = np.arange(h, dtype=np.float64)[:, None]
    cc = np.arange(w, dtype=np.float64)[None, :]
    src_r = mats[:, 0, 0, None, None] * rr + mats[:, 0, 1, None, None] * cc + mats[:, 0, 2, None, None]
    src_c = mats[:, 1, 0, None, None] * rr + mats[:, 1, 1, None, None] * cc + mats[:, 1, 2, None, None]
    # Gather through flat (pixel, channel) indices: one take per corner instead of 3-array fancy indexing.
    flat = np.ascontiguousarray(x).reshape(b * h * w, ch)
    base = (np.arange(b, dtype=np.int64) * (h * w))[:, None, None]

    def gather(r, c):
        return np.take(flat, (base + r * w + c).reshape(-1), axis=0).reshape(b, h, w, ch)

    if order == 0:
        out = gather(_map_index(np.floor(src_r + 0.5).astype(np.int64), h, fill_mode),
                     _map_index(np.floor(src_c + 0.5).astype(np.int64), w, fill_mode))
    else:
        fr, fc = np.floor(src_r), np.floor(src_c)
        wr = (src_r - fr).astype(x.dtype)[..., None]
        wc = (src_c - fc).astype(x.dtype)[..., None]
        r0, c0 = fr.astype(np.int64), fc.astype(np.int64)
        r1, c1 = _map_index(r0 + 1, h, fill_mode), _map_index(c0 + 1, w, fill_mode)
        r0, c0 = _map_index(r0, h, fill_mode), _map_index(c0, w, fill_mode)
        top = gather(r0, c0)
        top += (gather(r0, c1) - top) * wc
        bottom = gather(r1, c0)
        bottom += (gather(r1, c1) - bottom) * wc
        out = top + (bottom - top) * wr
    if fill_mode == "constant":
        eps = 1e-6
        outside = (src_r < -eps) | (src_r > h - 1 + eps) | (src_c < -eps) | (src_c > w - 1 + eps)
        out[outside] = cval
    return out.astype(x.dtype, copy=False)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1):
    """Applies an affine transformation specified by the parameters given.

    Args:
        x: 3D array, single image.
        theta: Rotation angle in degrees.
        tx: Width shift, in pixels.
        ty: Height shift, in pixels.
        shear: Shear angle in degrees.
        zx: Zoom in the x (column) direction.
        zy: Zoom in the y (row) direction.
        row_axis: Index of axis for rows in the input image.
        col_axis: Index of axis for columns in the input image.
        channel_axis: Index of axis for channels in the input image (0 or 2).
        fill_mode: Points outside the boundaries of the input are filled
            according to the given mode (one of `{'constant', 'nearest',
            'reflect', 'wrap'}`).
        cval: Value used for points outside the boundaries of the input if
            `mode='constant'`.
        order: Interpolation order: 0 (nearest) or 1 (bilinear).

    Returns:
        The transformed version of the input (same shape and dtype).
    """
    x = np.asarray(x)
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: {({row_axis, col_axis, channel_axis}) - {0, 1, 2}}")
    if x.ndim != 3:
        raise ValueError(f"Input arrays must be multi-channel 2D images. Received: x with shape {x.shape}")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    _check_fill_order(fill_mode, order)
    m = _compose(theta, tx, ty, shear, zx, zy)
    if m is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    img = np.moveaxis(x, (row_axis, col_axis, channel_axis), (0, 1, 2))
    if not np.issubdtype(img.dtype, np.floating):
        img = img.astype(np.float64)
    out = _warp_batch(img[None], _row_col_matrix(m, h, w)[None, :2], fill_mode, cval, order)[0]
    return np.moveaxis(out, (0, 1, 2), (row_axis, col_axis, channel_axis))


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's own min and max."""
    x = np.asarray(x)
    return np.clip(x + intensity, np.min(x), np.max(x))


def apply_brightness_shift(x, brightness, scale=True):
    """Multiplies the brightness by `brightness`, as PIL's ImageEnhance.Brightness on 0..255 pixels.

    Values are taken as 0..255 pixels (or rescaled into that range when they
    fall outside it, or when `scale=True`), multiplied by `brightness`, clipped
    to 0..255 and, unless `scale=True`, mapped back to the input's range.
    Unlike Keras (which goes through an 8-bit PIL image), no rounding to
    integers happens, and Pillow is not needed.
    """
    x = np.asarray(x)
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    if local_scale or scale:
        span = x_max - x_min
        y = (x - x_min) * (255.0 / span) if span != 0 else x - x_min
    else:
        y = x
    y = np.clip(y * brightness, 0, 255)
    if not scale and local_scale:
        y = y / 255 * (x_max - x_min) + x_min
    return y.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32, copy=False)


def _check_fill_order(fill_mode, order):
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}. Received: fill_mode={fill_mode!r}")
    if order not in (0, 1):
        raise ValueError("`interpolation_order` must be 0 (nearest) or 1 (bilinear): kernn implements "
                         f"those two without SciPy. Received: interpolation_order={order!r}")


def _check_shift_range(value, name):
    if isinstance(value, bool):
        raise ValueError(f"`{name}` must be a float, an int or a 1-D list of values. Received: {name}={value!r}")
    if isinstance(value, (int, np.integer, float, np.floating)):
        return value
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"`{name}` must be a float, an int or a 1-D list of values. Received: {name}={value!r}")
    return arr


class ImageDataGenerator:
    """Generates batches of image data with real-time data augmentation.

    Args:
        featurewise_center: Set input mean to 0 over the dataset, feature-wise.
        samplewise_center: Set each sample mean to 0.
        featurewise_std_normalization: Divide inputs by std of the dataset,
            feature-wise.
        samplewise_std_normalization: Divide each input by its std.
        zca_whitening: Apply ZCA whitening (fitted by `fit`). Defaults to `False`.
        zca_epsilon: Epsilon for ZCA whitening. Defaults to `1e-6`.
        rotation_range: Int. Degree range for random rotations.
        width_shift_range: Float, 1-D array-like or int
            - float: fraction of total width, if < 1, or pixels if >= 1.
            - 1-D array-like: random elements from the array.
            - int: integer number of pixels from interval
              `(-width_shift_range, +width_shift_range)`.
            With `width_shift_range=2` possible values are integers
            `[-1, 0, +1]`, same as with `width_shift_range=[-1, 0, +1]`,
            while with `width_shift_range=1.0` possible values are floats in
            the interval `[-1.0, +1.0)`.
        height_shift_range: Float, 1-D array-like or int, as
            `width_shift_range` for the height.
        brightness_range: Tuple or list of two floats. Range for picking a
            brightness shift value from.
        shear_range: Float. Shear angle in degrees (counter-clockwise).
        zoom_range: Float or [lower, upper]. Range for random zoom. If a float,
            `[lower, upper] = [1-zoom_range, 1+zoom_range]`.
        channel_shift_range: Float. Range for random channel shifts.
        fill_mode: One of `{"constant", "nearest", "reflect", "wrap"}`.
            Default is `"nearest"`. Points outside the boundaries of the input
            are filled according to the given mode:
            - `"constant"`: `kkkkkkkk|abcd|kkkkkkkk` (`cval=k`)
            - `"nearest"`:  `aaaaaaaa|abcd|dddddddd`
            - `"reflect"`:  `abcddcba|abcd|dcbaabcd`
            - `"wrap"`:  `abcdabcd|abcd|abcdabcd`
        cval: Float or Int. Value used for points outside the boundaries when
            `fill_mode = "constant"`.
        horizontal_flip: Boolean. Randomly flip inputs horizontally.
        vertical_flip: Boolean. Randomly flip inputs vertically.
        rescale: Rescaling factor. Defaults to `None`. If `None` or 0, no
            rescaling is applied, otherwise we multiply the data by the value
            provided (after applying all other transformations).
        preprocessing_function: Function applied to each input after it is
            augmented. It takes one image (NumPy array of rank 3) and returns
            an array of the same shape.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        validation_split: Float. Fraction of images reserved for validation
            (strictly between 0 and 1); `flow(..., subset="validation")` takes
            the first `int(n * validation_split)` samples, `subset="training"`
            the rest.
        interpolation_order: 0 (nearest) or 1 (bilinear, the default).
        dtype: Dtype to use for the generated arrays. Defaults to `"float32"`.

    Randomness comes from `numpy.random.default_rng`: `flow(..., seed=s)`
    gives the same batches (order and transforms) every time; without a seed
    each run differs. Keras's legacy code draws the `tx` parameter from
    `height_shift_range`; kernn draws `tx` (the column shift) from
    `width_shift_range` so that each range moves the image along the
    direction its name says.

    Example:

    >>> import numpy as np
    >>> gen = ImageDataGenerator(rotation_range=20, width_shift_range=0.1, horizontal_flip=True)
    >>> x, y = np.random.rand(10, 8, 8, 1), np.arange(10)
    >>> xb, yb = gen.flow(x, y, batch_size=4, seed=0)[0]
    >>> xb.shape, xb.dtype, yb.shape
    ((4, 8, 8, 1), dtype('float32'), (4,))
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        if data_format is None:
            data_format = "channels_last"
        if dtype is None:
            dtype = "float32"
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = _check_shift_range(width_shift_range, "width_shift_range")
        self.height_shift_range = _check_shift_range(height_shift_range, "height_shift_range")
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        _check_fill_order(fill_mode, interpolation_order)
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise ValueError("`preprocessing_function` must be callable. "
                             f"Received: preprocessing_function={preprocessing_function!r}")
        self.preprocessing_function = preprocessing_function
        self.dtype = np.dtype(dtype).name
        self.interpolation_order = interpolation_order

        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and column) or '
                             f'`"channels_first"` (channel before row and column). Received: {data_format}')
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1.  Received: {validation_split}")
        self._validation_split = validation_split

        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None

        if isinstance(zoom_range, (float, int)) and not isinstance(zoom_range, bool):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif isinstance(zoom_range, (tuple, list)) and len(zoom_range) == 2 and all(
                isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                             f"Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                              "`featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                              "`featurewise_std_normalization`.", stacklevel=2)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError("`brightness_range should be tuple or list of two floats. "
                                 f"Received: {brightness_range}")
        self.brightness_range = brightness_range
        self._rng = np.random.default_rng()

    # ------------------------------------------------------------------ flow
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """Takes data & label arrays, generates batches of augmented data.

        Args:
            x: Input data. NumPy array of rank 4 or a tuple. If tuple, the
                first element should contain the images and the second element
                another NumPy array or a list of NumPy arrays that gets passed
                to the output without any modifications.
            y: Labels.
            batch_size: Int. Defaults to `32`.
            shuffle: Boolean. Defaults to `True`.
            sample_weight: Sample weights.
            seed: Int. Seed for shuffling and transformations.
            save_to_dir: None or str. Optionally saves the augmented pictures
                there (needs Pillow).
            save_prefix: Str. Prefix of the saved pictures' filenames.
            save_format: one of "png", "jpeg", "bmp", "pdf", "ppm", "gif",
                "tif", "jpg". Defaults to `"png"`.
            ignore_class_split: Boolean. Whether to ignore a difference in the
                number of classes in labels across train and validation split.
            subset: Subset of data (`"training"` or `"validation"`) if
                `validation_split` is set.

        Returns:
            A `NumpyArrayIterator` (a `PyDataset`) yielding `(x, y)` batches
            (`x` alone when `y` is None, `(x, y, sample_weight)` with weights),
            which `fit` accepts directly.
        """
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    # ------------------------------------------------------------------ normalisation
    def standardize(self, x):
        """Applies the normalization configuration to a batch of inputs (or one image).

        Args:
            x: Batch of inputs to be normalized.

        Returns:
            The inputs, normalized.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x = x * self.rescale
        if self.samplewise_center:
            x = x - np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (np.std(x, keepdims=True) + 1e-6)
        return self._featurewise(x)

    def _featurewise(self, x):
        if self.featurewise_center:
            if self.mean is not None:
                x = x - self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                              "any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=3)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x = x / (self.std + 1e-6)
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                              "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=3)
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=3)
        return x

    def _standardize_batch(self, xb):
        """`standardize` applied to each image of the batch `xb` (vectorised where it can be)."""
        if self.preprocessing_function:
            xb = np.stack([np.asarray(self.preprocessing_function(im), dtype=xb.dtype) for im in xb])
        if self.rescale:
            xb = xb * np.asarray(self.rescale, dtype=xb.dtype)
        axes = tuple(range(1, xb.ndim))
        if self.samplewise_center:
            xb = xb - np.mean(xb, axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            xb = xb / (np.std(xb, axis=axes, keepdims=True) + 1e-6)
        return self._featurewise(xb)

    # ------------------------------------------------------------------ random transforms
    def _draw_shift(self, rng, value, size):
        if np.ndim(value) == 0 and not value:
            return 0
        if isinstance(value, (int, np.integer)):
            shift = rng.choice(value) * rng.choice([-1, 1])
        elif np.ndim(value) == 1:
            shift = rng.choice(value) * rng.choice([-1, 1])
        else:
            shift = rng.uniform(-value, value)
        if np.max(value) < 1:
            shift *= size
        return float(shift)

    def get_random_transform(self, img_shape, seed=None, rng=None):
        """Generates random parameters for a transformation.

        Args:
            img_shape: Tuple of integers. Shape of the image that is transformed.
            seed: Random seed (an int): the same seed gives the same parameters.
            rng: a `numpy.random.Generator` to draw from instead (kernn extension).

        Returns:
            A dictionary containing randomly chosen parameters describing the
            transformation: `theta`, `tx` (column shift), `ty` (row shift),
            `shear`, `zx`, `zy`, `flip_horizontal`, `flip_vertical`,
            `channel_shift_intensity`, `brightness`.
        """
        if rng is None:
            rng = np.random.default_rng(seed) if seed is not None else self._rng
        h, w = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        ty = self._draw_shift(rng, self.height_shift_range, h)
        tx = self._draw_shift(rng, self.width_shift_range, w)
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = bool(rng.random() < 0.5) and bool(self.horizontal_flip)
        flip_vertical = bool(rng.random() < 0.5) and bool(self.vertical_flip)
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = rng.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = rng.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Applies a transformation to an image according to given parameters.

        Args:
            x: 3D array, single image.
            transform_parameters: Dictionary with string - parameter pairs
                describing the transformation (see `get_random_transform`;
                missing keys mean no change).

        Returns:
            A transformed version of the input (same shape).
        """
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError(f"`x` must be a single image of rank 3. Received: x with shape {x.shape}")
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(self.dtype)
        return self._apply_transform_batch(x[None], [transform_parameters])[0]

    def _apply_transform_batch(self, xb, params):
        """Applies each dict of `params` to the matching image of the batch `xb` (a new array)."""
        nhwc = xb if self.data_format == "channels_last" else xb.transpose(0, 2, 3, 1)
        h, w = nhwc.shape[1], nhwc.shape[2]
        mats, which = [], []
        for i, p in enumerate(params):
            m = _compose(p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
                         p.get("zx", 1), p.get("zy", 1))
            if m is not None:
                mats.append(_row_col_matrix(m, h, w)[:2])
                which.append(i)
        out = np.array(nhwc, copy=True)
        if which:
            out[which] = _warp_batch(nhwc[which], np.stack(mats), self.fill_mode, self.cval,
                                     self.interpolation_order)
        for i, p in enumerate(params):
            if p.get("channel_shift_intensity") is not None:
                out[i] = apply_channel_shift(out[i], p["channel_shift_intensity"])
            if p.get("flip_horizontal", False):
                out[i] = out[i, :, ::-1]
            if p.get("flip_vertical", False):
                out[i] = out[i, ::-1]
            if p.get("brightness") is not None:
                out[i] = apply_brightness_shift(out[i], p["brightness"], False)
        return out if self.data_format == "channels_last" else out.transpose(0, 3, 1, 2)

    def random_transform(self, x, seed=None):
        """Applies a random transformation to an image.

        Args:
            x: 3D array, single image.
            seed: Random seed.

        Returns:
            A randomly transformed version of the input (same shape).
        """
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Fits the data generator to some sample data.

        Computes the statistics that `featurewise_center`,
        `featurewise_std_normalization` and `zca_whitening` need. When
        `rescale` is set, rescaling is applied to sample data before computing
        the statistics.

        Args:
            x: Sample data, rank 4.
            augment: Boolean (default: False). Whether to fit on randomly
                augmented samples.
            rounds: Int (default: 1). If using data augmentation
                (`augment=True`), this is how many augmentation passes over the
                data to use.
            seed: Int (default: None). Random seed.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: " + str(x.shape))
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(f'Expected input to be images (as Numpy array) following the data format convention '
                          f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either '
                          f"1, 3 or 4 channels on axis {self.channel_axis}. However, it was passed an array with "
                          f"shape {x.shape} ({x.shape[self.channel_axis]} channels).", stacklevel=2)
        x = np.array(x, copy=True)
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.default_rng(seed)
            parts = []
            for _ in range(rounds):
                params = [self.get_random_transform(x.shape[1:], rng=rng) for _ in range(len(x))]
                parts.append(self._apply_transform_batch(x, params))
            x = np.concatenate(parts).astype(self.dtype, copy=False)
        stat_axes = (0, self.row_axis, self.col_axis)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=stat_axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=stat_axes), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat_x = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat_x.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv) @ u.T


class NumpyArrayIterator(IndexedBatches):
    """Batches of augmented images from NumPy arrays: what `ImageDataGenerator.flow` returns.

    A `PyDataset`: `len(it)` batches per epoch, `it[i]` is batch `i`,
    `on_epoch_end()` reshuffles. With a `seed`, batch `i` of epoch `e` is the
    same whatever order the batches are read in (its transforms are drawn
    from `default_rng([seed, e, i])`).
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 ignore_class_split=False, subset=None, dtype=None):
        if data_format is None:
            data_format = "channels_last"
        if dtype is None:
            dtype = "float32"
        self.dtype = dtype
        if isinstance(x, (tuple, list)):
            if not isinstance(x[1], list):
                x_misc = [np.asarray(x[1])]
            else:
                x_misc = [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError("All of the arrays in `x` should have the same length. Found a pair with: "
                                     f"len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, sample_weight.shape = "
                             f"{np.asarray(sample_weight).shape}")
        if y is not None:
            y = np.asarray(y)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
            split_idx = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:]))):
                raise ValueError("Training and validation subsets have different number of classes after the "
                                 "split. If your numpy arrays are sorted by the label, you might want to shuffle "
                                 "them.")
            part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[part]
            x_misc = [np.asarray(xx[part]) for xx in x_misc]
            if y is not None:
                y = y[part]
            if sample_weight is not None:
                sample_weight = sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4. You passed an array with "
                             f"shape {self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                          f"(channels on axis {channels_axis}), i.e. expected either 1, 3, or 4 channels on axis "
                          f"{channels_axis}. However, it was passed an array with shape {self.x.shape} "
                          f"({self.x.shape[channels_axis]} channels).", stacklevel=3)
        self.y = y
        self.sample_weight = sample_weight
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        if save_to_dir is not None:
            try:
                import PIL.Image  # noqa: F401
            except ImportError as e:
                raise ImportError("`save_to_dir` needs Pillow: pip install pillow") from e
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _get_batch(self, indices, batch_index):
        gen = self.image_data_generator
        rng = (np.random.default_rng([self.seed, self.epoch, batch_index]) if self.seed is not None
               else np.random.default_rng())
        batch_x = self.x[indices]
        params = [gen.get_random_transform(batch_x.shape[1:], rng=rng) for _ in range(len(batch_x))]
        batch_x = gen._apply_transform_batch(batch_x, params)
        batch_x = gen._standardize_batch(batch_x).astype(self.dtype, copy=False)
        if self.save_to_dir:
            self._save(batch_x, indices, rng)
        batch_x_miscs = [xx[indices] for xx in self.x_misc]
        output = (batch_x if not batch_x_miscs else [batch_x] + batch_x_miscs,)
        if self.y is None:
            return output[0]
        output += (self.y[indices],)
        if self.sample_weight is not None:
            output += (self.sample_weight[indices],)
        return output

    def _save(self, batch_x, indices, rng):
        from PIL import Image

        for img, j in zip(batch_x, indices):
            a = img if self.data_format == "channels_last" else np.moveaxis(img, 0, -1)
            a = a - a.min()
            top = a.max()
            a = (a / top * 255 if top > 0 else a).astype(np.uint8)
            mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(a.shape[-1])
            if mode is None:
                raise ValueError(f"Cannot save an image with {a.shape[-1]} channels")
            pic = Image.fromarray(a[..., 0] if mode == "L" else a, mode)
            fname = f"{self.save_prefix}_{int(j)}_{int(rng.integers(10**7))}.{self.save_format}"
            pic.save(os.path.join(self.save_to_dir, fname))

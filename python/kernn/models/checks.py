"""Checks of what fit/evaluate/predict receive: cardinality, NaN, labels against the loss."""
import numpy as np

from kernn.models import data_adapter as da


def _is_int_valued(y):
    return y.dtype.kind in "iub" or (y.size > 0 and bool(np.all(np.floor(y) == y)))


class InputChecks:
    """Data checks mixed into the trainer; errors name the layer, the expected and the received."""

    def _prepare_arrays(self, x, y, sample_weight, class_weight=None):
        x = self._as_x(x)
        y = self._as_y(y)
        if isinstance(sample_weight, (list, tuple, dict)) and (isinstance(y, list) or isinstance(sample_weight, dict)):
            sw = self._split_sw(sample_weight, len(y) if isinstance(y, list) else 1)
        else:
            sw = None if sample_weight is None else np.ascontiguousarray(np.asarray(sample_weight, dtype=np.float32))
        for a in (x if isinstance(x, list) else [x]):
            if a is None or a.ndim == 0:
                raise ValueError(f"Expected `x` to be an array with a batch axis. Received: x={a!r}")
        da.check_cardinality(x=x, y=y, sample_weight=sw)
        if class_weight is not None:
            if sw is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            if y is None:
                raise ValueError("`class_weight` needs targets `y`.")
            if isinstance(y, list):
                raise ValueError("`class_weight` is only supported for Models with a single output.")
            sw = da.class_weight_to_sample_weight(y, class_weight)
        return x, y, sw

    def _check_nan(self, x):
        if isinstance(x, list):
            for a in x:
                self._check_nan(a)
            return
        if x.dtype.kind == "f" and x.size and not np.isfinite(x.sum(dtype=np.float64)):
            bad = np.argwhere(~np.isfinite(x))
            if len(bad):
                first = self._first_layer_name()
                raise ValueError(
                    f"Input to layer '{first}' contains NaN or infinite values: {len(bad)} of {x.size} entries "
                    f"(first at index {tuple(int(i) for i in bad[0])}). Expected finite numbers. "
                    f"Received: x with shape {x.shape}"
                )

    def _first_layer_name(self):
        layers = self.layers
        return layers[0].name if layers else self.name

    def _check_targets(self, y, out_shape, values=False):
        """ValueError when labels `y` do not fit the loss and the model's output shape.

        The shape check is cached per label shape; `values=True` also checks the label
        values (integer class indices in range), which entry points do on all their data.
        """
        loss = self._loss_fn
        if y is None or loss is None:
            return
        key = (y.shape[1:], y.dtype.kind)
        if key in self._checked_y and not values:
            return
        cls = type(loss).__name__
        yshape = (None,) + tuple(y.shape[1:])
        oshape = (None,) + tuple(out_shape[1:])
        if cls == "SparseCategoricalCrossentropy":
            ok = (len(yshape) == len(oshape) - 1 and yshape == oshape[:-1]) or \
                 (len(yshape) == len(oshape) and yshape[:-1] == oshape[:-1] and yshape[-1] == 1)
            if not ok:
                hint = ""
                if yshape == oshape:
                    hint = " (labels look one-hot encoded: use loss='categorical_crossentropy')"
                raise ValueError(
                    "Arguments `target` and `output` must have the same shape up until the last dimension: "
                    f"target.shape={yshape}, output.shape={oshape}{hint}"
                )
            if values:
                self._check_label_values(y, oshape)
        else:
            ys, os_ = yshape, oshape
            if len(ys) == len(os_) + 1 and ys[-1] == 1:
                ys = ys[:-1]
            if len(os_) == len(ys) + 1 and os_[-1] == 1:
                os_ = os_[:-1]
            if ys != os_:
                hint = ""
                if cls == "CategoricalCrossentropy" and (len(yshape) == len(oshape) - 1 or yshape[-1:] == (1,)):
                    hint = " (labels look like integer class indices: use loss='sparse_categorical_crossentropy')"
                raise ValueError("Arguments `target` and `output` must have the same shape. "
                                 f"Received: target.shape={yshape}, output.shape={oshape}{hint}")
        self._checked_y.add(key)

    def _check_label_values(self, y, oshape):
        if not _is_int_valued(y):
            raise ValueError(f"Loss '{self._loss_fn.name}' expects integer class indices as labels. Received: y "
                             f"with dtype {y.dtype} and non-integer values")
        n_cls = oshape[-1]
        if y.size and (y.min() < 0 or (n_cls is not None and y.max() >= n_cls)):
            bad = y.min() if y.min() < 0 else y.max()
            raise ValueError(f"Received a label value of {bad:g} which is outside the valid range of [0, {n_cls}). "
                             f"The model's last layer '{self._last_layer_name()}' has output shape {oshape}.")

    def _last_layer_name(self):
        layers = self.layers
        return layers[-1].name if layers else self.name

"""The Loss base class: reductions, sample weights and the value-and-gradient protocol."""
import numpy as np

_EPSILON = 1e-7  # keras.config.epsilon()
ALLOWED_REDUCTIONS = (None, "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    if reduction not in ALLOWED_REDUCTIONS:
        allowed = {r for r in ALLOWED_REDUCTIONS}
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {allowed}. "
            f"Received: reduction={reduction}"
        )
    return reduction


def _as_float(x, dtype=np.float32):
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Expected an array of real numbers. Received: dtype={arr.dtype}")
    return arr.astype(dtype, copy=False)


def squeeze_or_expand(y_true, y_pred):
    """Make y_true's rank match y_pred's as Keras does (a trailing 1 axis is added or
    dropped); then the shapes must agree, else a ValueError naming both shapes."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape + (1,))
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "Arguments `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
    return y_true, y_pred


def reduction_weights(loss_shape, sample_weight, reduction, mask=None):
    """Per-loss-element weights w such that the reduced loss is sum(w * losses), and the
    `divisor` semantics of Keras 3 (`reduce_weighted_values`)."""
    size = int(np.prod(loss_shape))
    w = np.ones(loss_shape, np.float64)
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        while sw.ndim > len(loss_shape) and sw.shape[-1] == 1:
            sw = sw.reshape(sw.shape[:-1])
        while sw.ndim < len(loss_shape) and sw.ndim >= 1:
            sw = sw.reshape(sw.shape + (1,))
        try:
            w = w * sw
        except ValueError:
            raise ValueError(
                f"`sample_weight` of shape {np.shape(sample_weight)} does not match the per-sample "
                f"losses of shape {tuple(loss_shape)}"
            ) from None
    if mask is not None:
        m = mask.astype(np.float64)
        if reduction in ("mean", "sum_over_batch_size"):
            m = m * (size / (m.sum() + _EPSILON))
        w = w * m
    if reduction == "sum":
        divisor = 1.0
    elif reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(np.sum(w))
    elif reduction in (None, "none"):
        divisor = 1.0
    else:
        divisor = float(size)
    return w, divisor


class Loss:
    """Base class of losses (Keras 3 API).

    Subclasses give `_per_sample(y_true, y_pred, need_grad)`, which returns the per-sample
    losses (y_pred's shape without the last axis) and, when asked, the gradient of each
    sample's loss with respect to y_pred (`jac`, shaped like y_pred). The base class then
    applies sample weights and the reduction, and scales the gradient to match.

    Args:
        name: name of the loss instance.
        reduction: "sum_over_batch_size" (mean over all per-sample losses), "sum",
            "mean" (same as sum_over_batch_size), "mean_with_sample_weight" (divide by
            the sum of the weights) or "none"/`None` (no reduction). Defaults to
            `"sum_over_batch_size"`.
        dtype: dtype of the loss computation. Defaults to `None` (float32).
    """

    fused_activation = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _snake_case(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype

    @property
    def dtype(self):
        return self._dtype or "float32"

    # -- Keras API --------------------------------------------------------------------
    def __call__(self, y_true, y_pred, sample_weight=None):
        value, _ = self._compute(y_true, y_pred, sample_weight, need_grad=False)
        return value

    def call(self, y_true, y_pred):
        """Per-sample losses (no weights, no reduction)."""
        y_true, y_pred = self._prepare(y_true, y_pred)
        return self._per_sample(y_true, y_pred, False)[0].astype(np.float32)

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self._dtype is not None:
            config["dtype"] = self._dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name} reduction={self.reduction}>"

    # -- kernn training protocol ----------------------------------------------------------
    def value_and_grad(self, y_true, y_pred, sample_weight=None):
        """`(value, grad)`: the reduced loss as a float and its gradient with respect to
        `y_pred` (float32, shaped like y_pred). With reduction "none" the value is the
        array of per-sample losses and the gradient is that of their sum."""
        return self._compute(y_true, y_pred, sample_weight, need_grad=True)

    def value_and_grad_from_logits(self, y_true, logits, sample_weight=None):
        """As `value_and_grad`, for a model whose last layer applies `fused_activation`
        to `logits`: the value from the logits, the gradient with respect to the logits."""
        if self.fused_activation is None:
            raise ValueError(f"Loss {self.name} cannot be fused with an output activation.")
        return self._compute(y_true, logits, sample_weight, need_grad=True, logits=True)

    # -- internals ------------------------------------------------------------------------
    def _prepare(self, y_true, y_pred):
        y_pred = _as_float(y_pred)
        y_true = _as_float(y_true)
        y_true, y_pred = squeeze_or_expand(y_true, y_pred)
        if y_pred.ndim == 0:
            y_true, y_pred = y_true.reshape(1, 1), y_pred.reshape(1, 1)
        elif y_pred.ndim == 1:
            y_true, y_pred = y_true[:, None], y_pred[:, None]
        return y_true, y_pred

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        raise NotImplementedError

    def _mask(self, y_true):
        return None

    def _compute(self, y_true, y_pred, sample_weight, need_grad, logits=False):
        if self._custom_call():
            if need_grad:
                raise ValueError(
                    f"Loss {self.name!r} ({self.__class__.__name__}) defines only `call`, so kernn "
                    "cannot compute its gradient for training. Use one of kernn.losses' classes, "
                    "or give the subclass a `value_and_grad(y_true, y_pred, sample_weight=None)` "
                    "method that returns (loss, d loss / d y_pred)."
                )
            losses = np.asarray(self.call(_as_float(y_true), _as_float(y_pred)), dtype=np.float64)
            jac, mask, shape_pred = None, None, None
        else:
            shape_pred = np.shape(y_pred)
            y_true_p, y_pred_p = self._prepare(y_true, y_pred)
            losses, jac = self._per_sample(y_true_p, y_pred_p, need_grad, logits)
            mask = self._mask(y_true_p)
        if sample_weight is None and mask is None and self.reduction not in (None, "none") and losses.size:
            # Fast path (the common training step): no weights, a plain mean or sum.
            divisor = 1.0 if self.reduction == "sum" else float(losses.size)
            value = float(np.sum(losses, dtype=np.float64)) / divisor
            if not need_grad:
                return value, None
            grad = np.asarray(jac, dtype=np.float32)
            grad *= np.float32(1.0 / divisor)
            return value, self._restore_grad(grad, shape_pred)
        loss_shape = losses.shape
        w, divisor = reduction_weights(loss_shape, sample_weight, self.reduction, mask)
        weighted = losses * w
        if self.reduction in (None, "none"):
            value = weighted.astype(np.float32)
        else:
            total = float(np.sum(weighted))
            value = total / divisor if divisor != 0 else 0.0
        if not need_grad:
            return value, None
        scale = w / divisor if divisor != 0 else np.zeros_like(w)
        grad = jac * scale.reshape(scale.shape + (1,)).astype(np.float32)
        return value, self._restore_grad(grad, shape_pred)

    def _restore_grad(self, grad, shape_pred):
        axis = getattr(self, "axis", -1)
        if axis not in (-1, None) and grad.ndim > 1:
            grad = np.moveaxis(grad, -1, axis)  # _prepare moved `axis` last
        if grad.shape != shape_pred:
            grad = grad.reshape(shape_pred)
        return np.ascontiguousarray(grad, dtype=np.float32)

    def _custom_call(self):
        """True when a user subclass overrides `call` (kernn's own classes never do): its
        values then come from that `call`, and kernn has no gradient for it."""
        return type(self).call is not Loss.call


class LossFunctionWrapper(Loss):
    """A plain function `fn(y_true, y_pred, **kwargs) -> per-sample losses` as a Loss.

    It can be evaluated (value and reduction as Keras) but kernn cannot differentiate an
    arbitrary Python function, so `value_and_grad` raises a ValueError saying so.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return np.asarray(self.fn(y_true, y_pred, **self._fn_kwargs), dtype=np.float32)

    def _custom_call(self):
        return True

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        config["fn"] = getattr(self.fn, "__name__", repr(self.fn))
        return config


def _snake_case(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)

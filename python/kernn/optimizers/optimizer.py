"""The Optimizer base class (Keras 3 semantics).

`apply_gradients` does, in Keras 3's order: lazily create the slots of new variables,
accumulate gradients when `gradient_accumulation_steps` is set, clip
(clipnorm / global_clipnorm / clipvalue), apply decoupled weight decay
(`w -= w * weight_decay * lr`), run the update of every variable in ONE call of the C++
kernel (kernn.ops.<name>_update), update the moving averages when `use_ema`, increment
`iterations`, then apply each variable's constraint.
"""
import math
import numbers
import re

import numpy as np

from kernn.optimizers import schedules as _schedules


def _positive_or_none(value, name):
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise ValueError(f"Argument `{name}` must be a float or None. Received: {name}={value!r}")
    return None if value is None else float(value)


class Optimizer:
    """Base class of optimizers.

    Args:
        learning_rate: float, a `LearningRateSchedule`, or a callable taking no argument.
        weight_decay: decoupled weight decay factor. Defaults to `None`.
        clipnorm: clip each gradient to this L2 norm. Defaults to `None`.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue]. Defaults to `None`.
        global_clipnorm: clip all gradients together to this global L2 norm. Only one of
            the three clipping arguments may be set. Defaults to `None`.
        use_ema: keep an exponential moving average of the weights. Defaults to `False`.
        ema_momentum: Defaults to `0.99`.
        ema_overwrite_frequency: every this many steps the weights are overwritten with
            their moving average. Defaults to `None`.
        loss_scale_factor: accepted for compatibility: kernn computes float32 gradients of
            the unscaled loss, so it does not change the update. Defaults to `None`.
        gradient_accumulation_steps: apply the mean gradient once every this many steps.
            Defaults to `None`.
        name: Defaults to the optimizer's lowercase name.
    """

    _KERN_NAME = None  # kernn.ops.<name>_update

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            raise ValueError("Argument `decay` is no longer supported; use a learning rate schedule "
                             "(kernn.optimizers.schedules) instead.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        set_clips = [x for x in (clipnorm, clipvalue, global_clipnorm) if x is not None]
        if len(set_clips) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        if gradient_accumulation_steps is not None and (
                isinstance(gradient_accumulation_steps, bool) or not isinstance(gradient_accumulation_steps, int)
                or gradient_accumulation_steps < 2):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency is not None and (
                    not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.name = name or self.__class__.__name__.lower()
        self.weight_decay = _positive_or_none(weight_decay, "weight_decay")
        self.clipnorm = _positive_or_none(clipnorm, "clipnorm")
        self.clipvalue = _positive_or_none(clipvalue, "clipvalue")
        self.global_clipnorm = _positive_or_none(global_clipnorm, "global_clipnorm")
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.iterations = 0
        self._slots = {}  # variable path -> {slot name: float32 array}
        self._order = []  # variable paths in build order
        self._accumulated = {}
        self._ema = {}
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_cache = {}

    # -- learning rate ------------------------------------------------------------------------
    @staticmethod
    def _build_learning_rate(learning_rate):
        if isinstance(learning_rate, dict):
            learning_rate = _schedules.deserialize(learning_rate)
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or callable(learning_rate):
            return learning_rate
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a "
                f"callable (that takes in the current iteration value and returns the corresponding "
                f"learning rate value). Received instead: learning_rate={learning_rate!r}"
            )
        return float(learning_rate)

    def _current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            return float(lr(self.iterations))
        if callable(lr):
            return float(lr())
        return lr

    @property
    def learning_rate(self):
        """The current learning rate as a float (a schedule is evaluated at `iterations`)."""
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, _schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, _schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                "constructor argument, hence its learning rate is not settable. If you need the learning "
                "rate to be settable, you should instantiate the optimizer with a float `learning_rate` argument."
            )
        self._learning_rate = self._build_learning_rate(value)

    # -- state --------------------------------------------------------------------------------
    def _slot_specs(self):
        """[(slot name, initial value)] of each variable, given the hyper-parameters."""
        return []

    @staticmethod
    def _key(variable):
        return getattr(variable, "path", None) or id(variable)

    def build(self, var_list):
        """Create the slots of the variables not seen yet (done lazily by apply_gradients)."""
        for v in var_list:
            key = self._key(v)
            if key in self._slots:
                continue
            shape = np.shape(v.value)
            self._slots[key] = {name: np.full(shape, init, dtype=np.float32) for name, init in self._slot_specs()}
            self._order.append(key)
            if self.gradient_accumulation_steps:
                self._accumulated[key] = np.zeros(shape, np.float32)
            if self.use_ema:
                self._ema[key] = np.array(v.value, dtype=np.float32, copy=True)

    @property
    def variables(self):
        """The optimizer state: [iterations] then each variable's slots in build order."""
        out = [np.array(self.iterations, dtype=np.int64)]
        for key in self._order:
            out.extend(self._slots[key].values())
        return out

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables (objects, or names matched as regular expressions against
        `variable.name`) from weight decay."""
        if var_list:
            self._exclude_ids.update(self._key(v) for v in var_list)
        if var_names:
            self._exclude_pattern = re.compile("|".join(set(var_names)))
        self._decay_cache = {}

    def _use_weight_decay(self, variable):
        key = self._key(variable)
        if key not in self._decay_cache:
            use = key not in self._exclude_ids
            if use and self._exclude_pattern is not None:
                use = self._exclude_pattern.search(str(getattr(variable, "name", ""))) is None
            self._decay_cache[key] = use
        return self._decay_cache[key]

    # -- the step -------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply one update step. `grads_and_vars`: iterable of (gradient ndarray, Variable);
        pairs whose gradient is None are skipped. Returns the new `iterations`."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        grads = []
        for g, v in pairs:
            g = np.asarray(g)
            if g.shape != np.shape(v.value):
                raise ValueError(
                    f"Gradient for variable '{self._key(v)}' has shape {g.shape} but the variable has shape "
                    f"{np.shape(v.value)}"
                )
            if g.dtype != np.float32 or not g.flags.c_contiguous:
                g = np.ascontiguousarray(g, dtype=np.float32)
            grads.append(g)
        variables = [v for _, v in pairs]
        return self.apply(grads, variables)

    def apply(self, grads, trainable_variables):
        """Keras 3's `apply(grads, trainable_variables)`."""
        variables = list(trainable_variables)
        grads = list(grads)
        self.build(variables)
        if not variables:
            self.iterations += 1
            return self.iterations
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            accs = [self._accumulated[self._key(v)] for v in variables]
            if (self.iterations + 1) % steps != 0:
                for a, g in zip(accs, grads):
                    a += g
                self.iterations += 1
                return self.iterations
            grads = [(a + g) / np.float32(steps) for a, g in zip(accs, grads)]
            for a in accs:
                a[...] = 0.0
        lr = self._current_learning_rate()
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(variables, lr)
        self._update([v.value for v in variables], grads, variables, lr)
        if self.use_ema:
            self._update_ema(variables)
        self.iterations += 1
        for v in variables:
            c = getattr(v, "constraint", None)
            if c is not None:
                v.value[...] = c(v.value)
        return self.iterations

    def _slot_lists(self, variables):
        return {name: [self._slots[self._key(v)][name] for v in variables] for name, _ in self._slot_specs()}

    def _update(self, params, grads, variables, lr):
        raise NotImplementedError(f"{self.__class__.__name__} must implement _update.")

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            out = []
            for g in grads:
                l2 = math.sqrt(float(np.dot(g.ravel().astype(np.float64), g.ravel().astype(np.float64))))
                out.append((g * np.float32(self.clipnorm / max(l2, self.clipnorm))).astype(np.float32))
            return out
        if self.global_clipnorm and self.global_clipnorm > 0:
            norm = math.sqrt(sum(float(np.dot(g.ravel().astype(np.float64), g.ravel().astype(np.float64)))
                                 for g in grads))
            if not math.isfinite(norm):
                return [np.full_like(g, np.nan) for g in grads]
            scale = self.global_clipnorm * min(1.0 / norm if norm > 0 else math.inf, 1.0 / self.global_clipnorm)
            return [g * np.float32(scale) for g in grads] if scale != 1.0 else grads
        if self.clipvalue and self.clipvalue > 0:
            return [np.clip(g, -self.clipvalue, self.clipvalue).astype(np.float32) for g in grads]
        return grads

    def _apply_weight_decay(self, variables, lr):
        if not self.weight_decay:
            return
        wd_lr = np.float32(self.weight_decay) * np.float32(lr)
        for v in variables:
            if self._use_weight_decay(v):
                v.value -= v.value * wd_lr

    def _update_ema(self, variables):
        momentum = np.float32(self.ema_momentum if self.iterations != 0 else 0.0)
        for v in variables:
            avg = self._ema[self._key(v)]
            avg *= momentum
            avg += (np.float32(1.0) - momentum) * v.value
        if self.ema_overwrite_frequency and (self.iterations + 1) % self.ema_overwrite_frequency == 0:
            self.finalize_variable_values(variables)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, overwrite the variables with their moving averages (Keras calls
        this at the end of `fit`)."""
        if not self.use_ema:
            return
        for v in var_list:
            avg = self._ema.get(self._key(v))
            if avg is not None:
                v.value[...] = avg

    def scale_loss(self, loss):
        """Keras's loss scaling hook: the loss times `loss_scale_factor` (if set)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- config ---------------------------------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif callable(lr):
            lr = float(lr())
        return {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name} learning_rate={self.learning_rate}>"

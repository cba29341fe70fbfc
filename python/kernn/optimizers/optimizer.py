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
import warnings

import numpy as np

from kernn.optimizers import schedules as _schedules


def _positive_or_none(value, name):
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise ValueError(f"Argument `{name}` must be a float or None. Received: {name}={value!r}")
    return None if value is None else float(value)


class _LearningRate(float):
    """The current learning rate: a float that also answers `.numpy()` and `.assign(v)`,
    as scripts written for Keras's learning-rate variable use them."""

    def __new__(cls, value, optimizer):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        return np.float32(self)

    def assign(self, value):
        self._optimizer.learning_rate = float(value)
        return self


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
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=3)
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
        self._iterations = 0  # steps applied (with accumulation, also the accumulating ones)
        self._slots = {}  # variable path -> {slot name: float32 array}
        self._order = []  # variable paths in build order
        self._accumulated = {}
        self._ema = {}
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_cache = {}
        self._plan = None

    @property
    def iterations(self):
        """Number of updates applied (with `gradient_accumulation_steps`, the number of
        accumulated updates, as Keras 3 counts them)."""
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value)

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
            return float(lr(self._iterations))
        if callable(lr):
            return float(lr())
        return lr

    @property
    def learning_rate(self):
        """The current learning rate as a float (a schedule is evaluated at the step count);
        `.numpy()` and `.assign(v)` work on it as on Keras's variable."""
        return _LearningRate(self._current_learning_rate(), self)

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

    def _slot_groups(self):
        """Slot names grouped as Keras 3 creates them: within a group the slots of each
        variable are interleaved (m0, v0, m1, v1, ...); groups follow one another."""
        return [[name for name, _ in self._slot_specs()]]

    def _state_arrays(self):
        """The per-variable state arrays in Keras 3's creation order."""
        out = []
        if self.use_ema:
            out.extend(self._ema[k] for k in self._order)
        if self.gradient_accumulation_steps:
            out.extend(self._accumulated[k] for k in self._order)
        for group in self._slot_groups():
            for key in self._order:
                out.extend(self._slots[key][name] for name in group)
        return out

    def _extra_state(self):
        """(getter, setter) pairs of scalar state after the arrays (Nadam's u_product)."""
        return []

    @property
    def variables(self):
        """The optimizer state in Keras 3's order: iterations, the learning rate (when it is
        a float), then the slot arrays (views: writing them changes the state)."""
        out = [np.array(self._iterations, dtype=np.int64)]
        if isinstance(self._learning_rate, float):
            out.append(np.array(self._learning_rate, dtype=np.float32))
        out.extend(self._state_arrays())
        out.extend(np.array(get(), dtype=np.float32) for get, _ in self._extra_state())
        return out

    def save_own_variables(self, store):
        """Write the state into `store` ("0", "1", ... -> arrays), as Keras 3 does."""
        for i, value in enumerate(self.variables):
            store[str(i)] = np.array(value)

    def load_own_variables(self, store):
        """Read the state written by `save_own_variables`. The optimizer must have been
        built on the same variables; on a count mismatch it warns and skips, as Keras."""
        n = len(self.variables)
        if len(store.keys()) != n:
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has {n} variables whereas "
                   f"the saved optimizer has {len(store.keys())} variables. ")
            if not self._order:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        i = 0
        self._iterations = int(np.asarray(store["0"]))
        i = 1
        if isinstance(self._learning_rate, float):
            self._learning_rate = float(np.asarray(store["1"]))
            i = 2
        for arr in self._state_arrays():
            arr[...] = np.asarray(store[str(i)], dtype=np.float32).reshape(arr.shape)
            i += 1
        for _, setter in self._extra_state():
            setter(float(np.asarray(store[str(i)])))
            i += 1

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables (objects, or names matched as regular expressions against
        `variable.name`) from weight decay."""
        if var_list:
            self._exclude_ids.update(self._key(v) for v in var_list)
        if var_names:
            self._exclude_pattern = re.compile("|".join(set(var_names)))
        self._decay_cache = {}
        self._plan = None

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
        grads, variables, missing = [], [], []
        for g, v in grads_and_vars:
            if g is None:
                missing.append(self._key(v))
            else:
                grads.append(g)
                variables.append(v)
        if missing:
            if not grads:
                raise ValueError("No gradients provided for any variable.")
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                          "`model.compile()`, did you forget to provide a `loss` argument?", stacklevel=2)
        return self.apply(grads, variables)

    def _check_grads(self, grads, variables):
        out = []
        for g, v in zip(grads, variables):
            if type(g) is not np.ndarray or g.dtype != np.float32 or not g.flags.c_contiguous:
                g = np.ascontiguousarray(g, dtype=np.float32)
            if g.shape != v.value.shape:
                raise ValueError(
                    f"Gradient for variable '{self._key(v)}' has shape {g.shape} but the variable has shape "
                    f"{v.value.shape}"
                )
            out.append(g)
        return out

    def _step_plan(self, variables):
        """Per-variable-list structures, rebuilt only when the list of variables changes."""
        ids = tuple(map(id, variables))
        plan = self._plan
        if plan is None or plan["ids"] != ids or any(p is not v.value for p, v in zip(plan["params"], variables)):
            self.build(variables)
            plan = {
                "ids": ids,
                "variables": variables,  # keeps the ids unique while cached
                "params": [v.value for v in variables],
                "slots": self._slot_lists(variables),
                "decay": [v.value for v in variables if self._use_weight_decay(v)],
                "constrained": [v for v in variables if getattr(v, "constraint", None) is not None],
                "acc": [self._accumulated[self._key(v)] for v in variables] if self.gradient_accumulation_steps
                else None,
            }
            self._plan = plan
        return plan

    def apply(self, grads, trainable_variables):
        """Keras 3's `apply(grads, trainable_variables)`: one step (a no-op without gradients)."""
        variables = list(trainable_variables)
        grads = list(grads)
        if len(grads) != len(variables):
            raise ValueError(f"Got {len(grads)} gradients for {len(variables)} variables.")
        if not variables:
            return self._iterations
        grads = self._check_grads(grads, variables)
        plan = self._step_plan(variables)
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            accs = plan["acc"]
            if (self._iterations + 1) % steps != 0:
                for a, g in zip(accs, grads):
                    a += g
                self._iterations += 1
                return self._iterations
            grads = [(a + g) / np.float32(steps) for a, g in zip(accs, grads)]
            for a in accs:
                a[...] = 0.0
        lr = self._current_learning_rate()
        grads = self._clip_gradients(grads)
        if self.weight_decay:
            wd_lr = np.float32(self.weight_decay) * np.float32(lr)
            for value in plan["decay"]:
                value -= value * wd_lr
        self._update(plan["params"], grads, plan["slots"], lr)
        if self.use_ema:
            self._update_ema(variables)
        self._iterations += 1
        for v in plan["constrained"]:
            v.value[...] = v.constraint(v.value)
        return self._iterations

    def _slot_lists(self, variables):
        return {name: [self._slots[self._key(v)][name] for v in variables] for name, _ in self._slot_specs()}

    def _update(self, params, grads, slots, lr):
        """One kernn.ops.<name>_update call: `slots` maps slot name -> list of arrays."""
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
        for legacy in ("jit_compile", "is_legacy_optimizer"):  # written by older Keras versions
            config.pop(legacy, None)
        if config.get("decay") in (0, 0.0, None):
            config.pop("decay", None)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name} learning_rate={self.learning_rate}>"

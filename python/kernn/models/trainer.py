"""compile/fit/evaluate/predict and the *_on_batch methods, as keras.Model has them.

One training step: forward with training=True, the loss value and its gradient with
respect to the output (or, when the last layer applies exactly the activation the loss
can fuse, with respect to the logits), backward through the layers in reverse order,
the regularizers' gradients, then one `optimizer.apply_gradients` call. Layers reuse
their output and gradient buffers between steps of the same batch shape.
"""
import contextlib

import numpy as np

from kernn.callbacks.callback_list import CallbackList
from kernn.models import data_adapter as da
from kernn.models.checks import InputChecks
from kernn.models.graph_trainer import GraphTrainer


_LAST_PREPARED = [None]  # the model whose _prepare_train last set its layers' flags


class Trainer(GraphTrainer, InputChecks):
    """The training API mixed into Model."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._loss_fn = None
        self._loss_weight = 1.0
        self._metric_ids = []
        self._weighted_metric_ids = []
        self._compile_metrics = None
        self._loss_tracker = None
        self.stop_training = False
        self.history = None
        self._train_ready = None
        self._checked_x = set()
        self._checked_y = set()

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training.

        Args:
            optimizer: optimizer name or instance. Defaults to "rmsprop".
            loss: loss name, function or Loss instance. Defaults to `None`.
            loss_weights: a scalar (or a one-element list/dict) scaling the loss. Defaults to `None`.
            metrics: list of metrics evaluated during training and testing, e.g. ["accuracy"].
                Defaults to `None`.
            weighted_metrics: list of metrics weighted by `sample_weight`/`class_weight`.
                Defaults to `None`.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted for
                compatibility with Keras; kernn always runs its kernels directly.
        """
        from kernn import losses, metrics as metrics_module, optimizers
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compiled_state = self._trainable_state() if self.built else None
        self._multi = None
        self._loss_trackers = []
        if isinstance(loss, (list, tuple, dict)) and len(loss) == 1 and not self._n_outputs_gt1():
            loss = list(loss.values())[0] if isinstance(loss, dict) else loss[0]
        self._multi_args = None
        if isinstance(loss, (list, tuple, dict)) or self._n_outputs_gt1():
            # several outputs: parsed against the outputs' names when the graph is known
            self._multi_args = (loss, loss_weights, metrics, weighted_metrics)
            self._loss_fn = None
            self._loss_weight = 1.0
            self._metric_ids = []
            self._weighted_metric_ids = []
            self._compile_metrics = None
            self._loss_tracker = metrics_module.Mean(name="loss")
            self.compiled = True
            self._train_ready = None
            self._checked_y = set()
            self._compile_config = dict(optimizer=optimizer, loss=loss, loss_weights=loss_weights, metrics=metrics,
                                        weighted_metrics=weighted_metrics)
            return
        self._compile_config = dict(optimizer=optimizer, loss=loss, loss_weights=loss_weights, metrics=metrics,
                                    weighted_metrics=weighted_metrics)
        self._loss_fn = losses.get(loss) if loss is not None else None
        w = loss_weights
        if isinstance(w, dict):
            w = list(w.values())
        if isinstance(w, (list, tuple)):
            if len(w) != 1:
                raise ValueError(f"For a model with 1 output, `loss_weights` must have 1 entry. Received: "
                                 f"loss_weights={loss_weights}")
            w = w[0]
        self._loss_weight = 1.0 if w is None else float(w)
        self._metric_ids = self._metric_list(metrics, "metrics")
        self._weighted_metric_ids = self._metric_list(weighted_metrics, "weighted_metrics")
        self._compile_metrics = None
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.compiled = True
        self._train_ready = None
        self._checked_y = set()

    @staticmethod
    def _metric_list(metrics, arg):
        if metrics is None:
            return []
        if isinstance(metrics, dict):
            values = list(metrics.values())
            if len(values) != 1:
                raise ValueError(f"For a model with 1 output, `{arg}` given as a dict must have 1 entry. "
                                 f"Received: {arg}={metrics}")
            metrics = values[0]
            metrics = metrics if isinstance(metrics, (list, tuple)) else [metrics]
        if not isinstance(metrics, (list, tuple)):
            raise ValueError(f"Expected `{arg}` argument to be a list, tuple, or dict. Received instead: "
                             f"{arg}={metrics} of type {type(metrics)}")
        return list(metrics)

    @property
    def metrics(self):
        out = []
        if self._loss_tracker is not None and self._has_loss():
            out.append(self._loss_tracker)
        return out + list(self._loss_trackers) + [m for m, _ in (self._compile_metrics or [])]

    def _has_loss(self):
        return self._loss_fn is not None or self._multi_args is not None

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model. (`{method}()` was called.)")

    def _build_metrics(self, y, out):
        from kernn import metrics as metrics_module
        if self._compile_metrics is not None:
            return
        ms = []
        for ids, weighted in ((self._metric_ids, False), (self._weighted_metric_ids, True)):
            for ident in ids:
                m = metrics_module.resolve(ident, self._loss_fn, None if y is None else y.shape, out.shape)
                ms.append((m, weighted))
        if self._weighted_metric_ids:  # Keras names the weighted copy of a metric "weighted_<name>"
            plain = {m.name for m, w in ms if not w}
            for m, w in ms:
                if w and m.name in plain:
                    m.name = "weighted_" + m.name
        self._compile_metrics = ms

    def get_metrics_result(self):
        """The current value of each metric: {name: float}, sorted by name as Keras logs are."""
        return {k: v for k, v in sorted((m.name, float(m.result())) for m in self.metrics)}

    def _flatten_logs(self, logs):
        names = [self._loss_tracker.name] if self._has_loss() else []
        out = [logs[n] for n in names if n in logs] + [logs[k] for k in sorted(logs) if k not in names]
        return out[0] if len(out) == 1 else out

    # ------------------------------------------------------------------ steps
    def _prepare_train(self):
        """Decide loss fusion, where backward stops, and the (grad, var) list for the optimizer."""
        _LAST_PREPARED[0] = self
        self._reset_nested_flags()
        if getattr(self, "_is_graph", False):
            return self._prepare_graph_train()
        if self._loss_fn is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        layers = self.layers
        last = layers[-1] if layers else None
        fused = False
        act_of = getattr(last, "_output_activation", None)
        want = getattr(self._loss_fn, "fused_activation", None)
        if want and act_of is not None and act_of() == want and last.activity_regularizer is None:
            fused = True
        for layer in layers:
            if hasattr(layer, "_keep_logits"):
                layer._keep_logits = False
            if hasattr(layer, "_needs_input_grad"):
                layer._needs_input_grad = True
        if fused and hasattr(last, "_keep_logits"):
            last._keep_logits = True
        stop = len(layers)
        for i, layer in enumerate(layers):
            if layer.trainable_weights:
                stop = i
                break
        if stop < len(layers) and hasattr(layers[stop], "_needs_input_grad"):
            layers[stop]._needs_input_grad = False
        tvars = self.trainable_weights
        self._train_ready = {
            "fused": fused, "stop": stop, "tvars": tvars,
            "grads_and_vars": [(v.grad, v) for v in tvars],
            "reg_vars": [v for v in self.weights if v.regularizer is not None],
            "activity": [layer for layer in layers if layer.activity_regularizer is not None],
            "key": self._train_key(),
        }

    def _train_key(self):
        from kernn.layers.layer import structure_version
        return (structure_version(), id(self._loss_fn), id(self.optimizer), len(self.layers))

    def _ensure_train_ready(self):
        if self._train_ready is None or self._train_ready["key"] != self._train_key() or \
                _LAST_PREPARED[0] is not self:
            self._prepare_train()
        return self._train_ready

    @contextlib.contextmanager
    def _loop_mode(self, reuse=True):
        """Layers reuse their buffers between steps while a loop runs (`reuse=False`: a call
        whose output is handed to the user gets fresh arrays even inside a loop)."""
        layers = self._buffer_layers()
        before = [layer._reuse_buffers for layer in layers]
        for layer in layers:
            layer._reuse_buffers = reuse
        try:
            yield
        finally:
            for layer, b in zip(layers, before):
                layer._reuse_buffers = b

    def _train_step(self, x, y, sw):
        if getattr(self, "_is_graph", False):
            return self._graph_train_step(x, y, sw)
        st = self._train_ready
        for v in st["tvars"]:
            v.grad.fill(0.0)
        out = self._forward(x, training=True)
        self._build_metrics(y, out)
        self._check_targets(y, out.shape)
        layers = self.layers
        last = layers[-1]
        if st["fused"]:
            value, grad = self._loss_fn.value_and_grad_from_logits(y, last._logits(), sw)
        else:
            value, grad = self._loss_fn.value_and_grad(y, out, sw)
        value = float(value)
        if self._loss_weight != 1.0:
            value *= self._loss_weight
            grad = grad * np.float32(self._loss_weight)
        for v in st["reg_vars"]:
            value += float(v.regularizer(v.value))
        for layer in st["activity"]:
            value += sum(layer._losses)
        g = grad
        n = len(layers)
        for i in range(n - 1, st["stop"] - 1, -1):
            layer = layers[i]
            if i == n - 1 and st["fused"]:
                g = layer.backward_logits(g, out.shape)
            else:
                g = layer.backward(layer._activity_backward(g))
        for v in st["reg_vars"]:
            if v.trainable:
                v.grad += v.regularizer.gradient(v.value)
        if st["grads_and_vars"]:
            self.optimizer.apply_gradients(st["grads_and_vars"])
        self._update_metrics(value, y, out, sw)

    def _update_metrics(self, value, y, out, sw):
        if self._loss_fn is not None:
            self._loss_tracker.update_state(value, sample_weight=out.shape[0])
        for m, weighted in self._compile_metrics:
            m.update_state(y, out, sample_weight=sw if weighted else None)

    def _test_step(self, x, y, sw):
        if getattr(self, "_is_graph", False):
            return self._graph_test_step(x, y, sw)
        out = self._forward(x, training=False)
        self._build_metrics(y, out)
        self._check_targets(y, out.shape)
        value = 0.0
        if self._loss_fn is not None:
            value = float(self._loss_fn(y, out, sample_weight=sw)) * self._loss_weight
            for v in self.weights:
                if v.regularizer is not None:
                    value += float(v.regularizer(v.value))
            for layer in self.layers:
                if layer.activity_regularizer is not None:
                    value += sum(layer._losses)
        self._update_metrics(value, y, out, sw)

    # ------------------------------------------------------------------ loops
    def _first_batch_x(self, batches):
        """Peek the first x of a stream to build the model (it is consumed: re-yield it)."""
        it = iter(batches)
        first = next(it)

        class _Chain:
            steps = getattr(batches, "steps", None)
            exhausted = False

            def __iter__(self_inner):
                yield first
                yield from it
                self_inner.exhausted = getattr(batches, "exhausted", False)
        return first[0], _Chain()

    def _setup_data(self, x, y, sample_weight, batch_size, shuffle, steps, class_weight=None, steps_name="steps"):
        """(batches, array x or None)."""
        for name, value, least in (("batch_size", batch_size, 1), (steps_name, steps, 0)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                      or value < least):
                raise ValueError(f"Expected `{name}` to be {'a positive' if least else 'a non-negative'} integer "
                                 f"or None. Received: {name}={value!r}")
        if da.is_sequence_like(x) or da.is_batch_stream(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using a generator or a Sequence as input "
                                 "(the batches carry their targets).")
            if sample_weight is not None:
                raise ValueError("`sample_weight` argument is not supported when using a generator or a "
                                 "Sequence as input.")
            return da.make_batches(x, steps=steps), None, None
        x, y, sw = self._prepare_arrays(x, y, sample_weight, class_weight)
        return None, (x, y, sw), batch_size

    def _ensure_built_for(self, x):
        if isinstance(x, list):
            if not getattr(self, "_is_graph", False):
                self.build([(None,) + tuple(a.shape[1:]) for a in x])
            self._check_input(x)
            return
        x = np.asarray(x)
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        self._check_input_shape(x.shape)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train the model for a fixed number of epochs.

        Args:
            x: input data: a NumPy array, a Python generator/iterable of `(x, y)` or
                `(x, y, sample_weight)` batches, or a Sequence-like object (`__len__` and
                `__getitem__` returning batches).
            y: targets (arrays only). Defaults to `None`.
            batch_size: samples per step (arrays only). Defaults to `32`.
            epochs: index of the epoch to stop at. Defaults to `1`.
            verbose: "auto" (= 1), 0 silent, 1 progress bar, 2 one line per epoch.
            callbacks: list of kernn.callbacks.Callback. Defaults to `None`.
            validation_split: fraction (0..1) of the data, taken from the END before any
                shuffling, held out for validation. Defaults to `0.0`.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, sample_weight_val)`, or a
                generator/Sequence. Overrides `validation_split`. Defaults to `None`.
            shuffle: shuffle the training arrays before each epoch. Defaults to `True`.
            class_weight: dict mapping class index -> weight of its samples' loss. Defaults to `None`.
            sample_weight: array of per-sample loss weights. Defaults to `None`.
            initial_epoch: epoch at which to start (to resume a run). Defaults to `0`.
            steps_per_epoch: steps per epoch; by default the data size over `batch_size`.
            validation_steps: steps of validation per epoch. Defaults to all of it.
            validation_batch_size: batch size of validation. Defaults to `batch_size`.
            validation_freq: validate every this many epochs (or at the epochs in a list). Defaults to `1`.

        Returns:
            A History object: `history.history` maps metric names to per-epoch values.
        """
        self._assert_compiled("fit")
        from kernn.utils.random import new_rng
        batches, arrays, _ = self._setup_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                                              class_weight, steps_name="steps_per_epoch")
        val = None
        if arrays is not None:
            x, y, sw = arrays
            if validation_split and validation_data is None:
                if not 0.0 < validation_split < 1.0:
                    raise ValueError(f"`validation_split` must be in the open interval (0, 1). Received: "
                                     f"validation_split={validation_split}")
                (x, y, sw), (vx, vy, vsw) = da.train_validation_split((x, y, sw), validation_split)
                val = (vx, vy, vsw)
            if da.num_samples(x) == 0:
                raise ValueError(f"Cannot train on empty data: `x` has no samples. Received: x.shape={x.shape}")
            self._check_nan(x)
            self._ensure_built_for(x)
            self._check_targets(y, self.output_shape, values=True)
            batches = da.ArrayBatches(x, y, sw, batch_size or 32, shuffle, steps_per_epoch, rng=new_rng())
        else:
            if validation_split:
                raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays. Found: "
                                 f"{type(x).__name__}")
            if not self.built:
                first_x, batches = self._first_batch_x(batches)
                self._ensure_built_for(first_x)
        if validation_data is not None:
            if isinstance(validation_data, list) and len(validation_data) in (2, 3):
                validation_data = tuple(validation_data)  # as Keras 3 unpacks it
            if isinstance(validation_data, tuple):
                if len(validation_data) not in (2, 3):
                    raise ValueError("`validation_data` should be a tuple `(x_val, y_val, val_sample_weight)` or "
                                     f"`(x_val, y_val)`. Found a tuple of length {len(validation_data)}.")
                val = tuple(validation_data) + (None,) * (3 - len(validation_data))
            else:
                val = (validation_data, None, None)

        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=epochs, steps=getattr(batches, "steps", None))
        self.stop_training = False
        self._initial_epoch = None
        callbacks.on_train_begin()
        training_logs = None
        with self._compiled_trainable(), self._loop_mode():
            self._ensure_train_ready()
            # a callback (BackupAndRestore) may resume at a later epoch
            start = self._initial_epoch if self._initial_epoch is not None else initial_epoch
            self._initial_epoch = None
            for epoch in range(start, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                steps = 0
                for step, (bx, by, bsw) in enumerate(batches):
                    if arrays is None:
                        bx = self._as_x(bx)
                        by = self._as_y(by)
                        self._check_nan(bx)
                        self._check_input(bx)
                        self._check_targets(by, self.output_shape, values=True)
                        bsw = None if bsw is None else np.asarray(bsw, dtype=np.float32)
                    callbacks.on_train_batch_begin(step)
                    self._train_step(bx, by, bsw)
                    steps += 1
                    callbacks.on_train_batch_end(step, self.get_metrics_result())
                    if self.stop_training:
                        break
                if steps == 0 and getattr(batches, "exhausted", False):
                    break
                epoch_logs = self.get_metrics_result()
                if val is not None and _should_eval(epoch, validation_freq):
                    val_logs = self.evaluate(val[0], val[1], sample_weight=val[2],
                                             batch_size=validation_batch_size or batch_size or 32,
                                             steps=validation_steps, callbacks=callbacks, return_dict=True,
                                             _in_fit=True)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics of the model over the data, averaged over samples.

        Args:
            x, y, sample_weight: as in `fit`.
            batch_size: samples per batch. Defaults to `32`.
            verbose: "auto" (= 1), 0 or 1. Defaults to "auto".
            steps: number of batches to evaluate. Defaults to all of them.
            callbacks: list of callbacks. Defaults to `None`.
            return_dict: return `{name: value}` instead of a list. Defaults to `False`.

        Returns:
            The loss as a float without metrics; else the list `[loss, metric...]`, or a dict.
        """
        in_fit = kwargs.pop("_in_fit", False)
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        self._assert_compiled("evaluate")
        batches, arrays, _ = self._setup_data(x, y, sample_weight, batch_size, False, steps)
        if arrays is not None:
            x, y, sw = arrays
            self._check_nan(x)
            self._ensure_built_for(x)
            self._check_targets(y, self.output_shape, values=True)
            batches = da.ArrayBatches(x, y, sw, batch_size or 32, False, steps)
        elif not self.built:
            first_x, batches = self._first_batch_x(batches)
            self._ensure_built_for(first_x)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=getattr(batches, "steps", None))
        self.reset_metrics()
        callbacks.on_test_begin()
        ctx = contextlib.nullcontext() if in_fit else self._loop_mode()
        with ctx:
            for step, (bx, by, bsw) in enumerate(batches):
                if arrays is None:
                    bx, by = self._as_x(bx), self._as_y(by)
                    self._check_nan(bx)
                    self._check_input(bx)
                    self._check_targets(by, self.output_shape, values=True)
                callbacks.on_test_batch_begin(step)
                self._test_step(bx, by, bsw)
                callbacks.on_test_batch_end(step, self.get_metrics_result())
        logs = self.get_metrics_result()
        callbacks.on_test_end(logs)
        return logs if return_dict else self._flatten_logs(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for `x`, computed batch by batch (the last batch may be smaller).

        Args:
            x: NumPy array, generator/iterable of batches, or Sequence-like object.
            batch_size: samples per batch. Defaults to `32`.
            verbose: "auto" (= 1), 0 or 1. Defaults to "auto".
            steps: number of batches. Defaults to all of them.
            callbacks: list of callbacks. Defaults to `None`.

        Returns:
            A float32 NumPy array of outputs, batch axis first.
        """
        batches, arrays, _ = self._setup_data(x, None, None, batch_size, False, steps)
        n = None
        if arrays is not None:
            x = arrays[0]
            self._check_nan(x)
            self._ensure_built_for(x)
            nx = da.num_samples(x)
            n = nx if steps is None else min(nx, int(steps) * (batch_size or 32))
            if n == 0:
                return self._empty_prediction()
            batches = da.ArrayBatches(x, None, None, batch_size or 32, False, steps)
        elif not self.built:
            first_x, batches = self._first_batch_x(batches)
            self._ensure_built_for(first_x)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=getattr(batches, "steps", None))
        callbacks.on_predict_begin()
        result, pieces, pos = None, [], 0
        with self._loop_mode():
            for step, batch in enumerate(batches):
                bx = batch[0]
                if arrays is None:
                    bx = self._as_x(bx)
                    self._check_nan(bx)
                    self._check_input(bx)
                callbacks.on_predict_batch_begin(step)
                out = self._forward(bx, training=False)
                if isinstance(out, (list, tuple)):
                    pieces.append([np.array(o, dtype=np.float32, copy=True) for o in out])
                elif n is not None:
                    if result is None:
                        result = np.empty((n,) + out.shape[1:], dtype=np.float32)
                    result[pos:pos + len(out)] = out
                    pos += len(out)
                else:
                    pieces.append(np.array(out, dtype=np.float32, copy=True))
                callbacks.on_predict_batch_end(step, {"outputs": out})
        callbacks.on_predict_end()
        if pieces and isinstance(pieces[0], list):
            outs = [np.concatenate([p[i] for p in pieces], axis=0) for i in range(len(pieces[0]))]
            return self._pack_prediction(outs)
        if n is not None and result is not None:
            return result
        if not pieces:
            return self._empty_prediction()
        return np.concatenate(pieces, axis=0)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """Run one training step on one batch; returns the loss (float) or [loss, metrics...]."""
        self._assert_compiled("train_on_batch")
        x, y, sw = self._prepare_arrays(x, y, sample_weight, class_weight)
        self._check_nan(x)
        self._ensure_built_for(x)
        self._check_targets(y, self.output_shape, values=True)
        with self._compiled_trainable(), self._loop_mode():
            self._ensure_train_ready()
            self._train_step(x, y, sw)
        logs = self.get_metrics_result()
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluate on one batch; returns the loss (float) or [loss, metrics...]."""
        self._assert_compiled("test_on_batch")
        x, y, sw = self._prepare_arrays(x, y, sample_weight)
        self._check_nan(x)
        self._ensure_built_for(x)
        self._check_targets(y, self.output_shape, values=True)
        self._test_step(x, y, sw)
        logs = self.get_metrics_result()
        return logs if return_dict else self._flatten_logs(logs)

    def predict_on_batch(self, x):
        """The model's output for one batch, as a NumPy array."""
        x = self._as_x(x)
        self._check_nan(x)
        self._ensure_built_for(x)
        with self._loop_mode(reuse=False):
            out = self._forward(x, training=False)
        return self._pack_prediction(out) if isinstance(out, list) else out


def _should_eval(epoch, validation_freq):
    epoch += 1
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError(f"`validation_freq` must be a positive integer. Received: validation_freq="
                             f"{validation_freq}")
        return epoch % validation_freq == 0
    if isinstance(validation_freq, (list, tuple)):
        return epoch in validation_freq
    raise ValueError("Expected `validation_freq` to be a list or int. Received: "
                     f"validation_freq={validation_freq} of the type {type(validation_freq)}.")

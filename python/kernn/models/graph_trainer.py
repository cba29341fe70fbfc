"""The parts of training that graph (functional and subclassed) models add to the trainer:
several inputs and outputs, per-output losses, loss weights and metrics, backward over the
node graph, and Keras's `trainable` semantics (the trainable state at compile time is the
one training uses)."""
import contextlib

import numpy as np

from kernn.models import data_adapter as da


class GraphTrainer:
    """Mixed into Trainer; every method is a no-op or falls through for Sequential models."""

    # ------------------------------------------------------------------ structure
    def _graph(self):
        return getattr(self, "_is_graph", False)

    def _n_outputs_gt1(self):
        return self._graph() and len(self._outputs) > 1

    def _as_x(self, x):
        if self._graph() and (len(self._inputs) > 1 or isinstance(x, dict)):
            xs = [da.as_array(a, "x") for a in self._flatten_x(x)]
            return xs if len(xs) > 1 else xs[0]
        if getattr(self, "_subclassed", False) and (isinstance(x, dict) or (
                isinstance(x, (list, tuple)) and len(x) > 1 and all(isinstance(a, np.ndarray) for a in x))):
            return [da.as_array(a, "x") for a in (x.values() if isinstance(x, dict) else x)]
        return da.as_array(x, "x")

    def _as_y(self, y):
        if y is None:
            return None
        if self._graph():
            ys = self._flatten_y(y)
            ys = [da.as_array(a, "y") for a in ys]
            return ys if len(ys) > 1 else ys[0]
        if isinstance(y, dict) and len(y) == 1:
            y = list(y.values())[0]
        return da.as_array(y, "y")

    def _check_input(self, x):
        if not isinstance(x, list):
            if self._graph():
                x = [x]
            else:
                self._check_input_shape(x.shape)
                return
        if not self._graph():
            return
        for i, (t, a) in enumerate(zip(self._inputs, x)):
            want = t.shape
            got = (None,) + tuple(a.shape[1:])
            if len(want) != len(got) or any(w is not None and w != g for w, g in zip(want[1:], got[1:])):
                raise ValueError(f'Input {i} of layer "{self.name}" is incompatible with the layer: expected '
                                 f"shape={want}, found shape={tuple(a.shape)}")

    def _buffer_layers(self):
        if self._graph():
            # a layer called more than once (or anything inside such a nested model) keeps
            # fresh outputs per call: a reused buffer would overwrite the first call's output
            shared = self._runner.shared
            out = []

            def walk(layers):
                for la in layers:
                    if id(la) in shared:
                        continue
                    if hasattr(la, "_all_layers"):
                        out.extend(la._buffer_layers())
                    else:
                        out.append(la)
            walk(self.layers)
            return out
        return self.layers

    def _empty_prediction(self):
        shapes = self.output_shape
        if isinstance(shapes, list):
            return self._pack_prediction([np.zeros((0,) + tuple(s[1:]), np.float32) for s in shapes])
        return np.zeros((0,) + tuple(shapes[1:]), dtype=np.float32)

    def _pack_prediction(self, outs):
        if self._graph() and isinstance(self._output_struct, tuple):
            return dict(zip(self._output_struct, outs))
        return list(outs)

    # ------------------------------------------------------------------ trainable at compile
    def _trainable_state(self):
        objs = [self] + self._all_layers()
        state = [(o, "_trainable", o._trainable) for o in objs]
        seen = set()
        for o in objs:
            for v in o.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    state.append((v, "trainable", v.trainable))
        return state

    @contextlib.contextmanager
    def _compiled_trainable(self):
        """Run training under the trainable state the model had when compiled (Keras's rule:
        `layer.trainable = False` takes effect for models compiled after it)."""
        want = getattr(self, "_compiled_state", None)
        if want is None:
            if self.built:
                self._compiled_state = self._trainable_state()
            yield
            return
        changed = [(o, a, getattr(o, a)) for o, a, v in want if getattr(o, a) != v]
        for o, a, v in want:
            setattr(o, a, v) if a == "trainable" else o.__dict__.__setitem__(a, v)
        try:
            yield
        finally:
            for o, a, v in changed:
                setattr(o, a, v) if a == "trainable" else o.__dict__.__setitem__(a, v)

    def _reset_nested_flags(self):
        """Layers shared with another model may carry that model's fused-loss/first-layer
        flags: make every nested layer compute full gradients again."""
        all_layers = self._all_layers() if hasattr(self, "_all_layers") else self.layers
        top = set(id(la) for la in self.layers) if not self._graph() else set()
        for layer in all_layers:
            if id(layer) in top:
                continue
            if hasattr(layer, "_keep_logits"):
                layer._keep_logits = False
            if hasattr(layer, "_needs_input_grad"):
                layer._needs_input_grad = True

    # ------------------------------------------------------------------ compile spec
    def _out_spec(self):
        """[(loss_fn or None, weight)] per output."""
        if self._multi is None:
            self._parse_multi()
        return self._multi["losses"]

    def _parse_multi(self):
        from kernn import losses, metrics as metrics_module
        names = self.output_names
        n = len(names)
        if self._multi_args is None:
            self._multi = {"losses": [(self._loss_fn, self._loss_weight)], "metrics": None}
            return
        loss, loss_weights, metrics, weighted = self._multi_args

        def per_output(value, arg, single_ok=True):
            if value is None:
                return [None] * n
            if isinstance(value, dict):
                unknown = [k for k in value if k not in names]
                if unknown:
                    raise ValueError(f"In the dict argument `{arg}`, key '{unknown[0]}' does not correspond to any "
                                     f"model output. Received:\n{arg}={value}")
                return [value.get(k) for k in names]
            if isinstance(value, (list, tuple)):
                if len(value) != n:
                    raise ValueError(f"For a model with multiple outputs, when providing the `{arg}` argument as a "
                                     f"list, it should have as many entries as the model has outputs. Received:\n"
                                     f"{arg}={value}\nof length {len(value)} whereas the model has {n} outputs.")
                return list(value)
            if not single_ok:
                raise ValueError(f"Expected `{arg}` to be a list or a dict. Received: {arg}={value}")
            return [value] * n

        ls = per_output(loss, "loss")
        ws = per_output(loss_weights, "loss_weights")
        self._multi = {"losses": [(None if l is None else losses.get(l), 1.0 if w is None else float(w))
                                  for l, w in zip(ls, ws)]}
        self._multi["metric_ids"] = [per_output(metrics, "metrics", False), per_output(weighted, "weighted_metrics",
                                                                                        False)]
        self._loss_trackers = [metrics_module.Mean(name=f"{nm}_loss") for nm, (fn, _) in
                               zip(names, self._multi["losses"]) if fn is not None]
        self._multi["trackers"] = {}
        it = iter(self._loss_trackers)
        for i, (fn, _) in enumerate(self._multi["losses"]):
            if fn is not None:
                self._multi["trackers"][i] = next(it)

    def _build_graph_metrics(self, ys, outs):
        from kernn import metrics as metrics_module
        if self._compile_metrics is not None:
            return
        if self._multi_args is None:
            self._build_metrics(ys[0], outs[0])
            self._metric_out = [0] * len(self._compile_metrics)
            return
        names = self.output_names
        ms, idx = [], []
        for ids_per_out, weighted in zip(self._multi["metric_ids"], (False, True)):
            for i, ids in enumerate(ids_per_out):
                if ids is None:
                    continue
                ids = ids if isinstance(ids, (list, tuple)) else [ids]
                for ident in ids:
                    fn = self._multi["losses"][i][0]
                    m = metrics_module.resolve(ident, fn, None if ys[i] is None else ys[i].shape, outs[i].shape)
                    ms.append((m, weighted))
                    idx.append(i)
        # Keras names the weighted copy of a metric "weighted_<name>" only when both exist
        plain = {(i, m.name) for (m, w), i in zip(ms, idx) if not w}
        for (m, w), i in zip(ms, idx):
            prefix = "weighted_" if w and (i, m.name) in plain else ""
            m.name = f"{names[i]}_{prefix}{m.name}"
        self._compile_metrics = ms
        self._metric_out = idx

    def _split_sw(self, sw, n):
        if sw is None:
            return [None] * n
        if isinstance(sw, dict):
            return [None if sw.get(k) is None else np.asarray(sw[k], np.float32) for k in self.output_names]
        if isinstance(sw, (list, tuple)):
            return [None if a is None else np.asarray(a, np.float32) for a in sw]
        return [sw] * n

    # ------------------------------------------------------------------ steps
    def _prepare_graph_train(self):
        spec = self._out_spec()
        if all(fn is None for fn, _ in spec):
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        for layer in self._all_layers():
            if hasattr(layer, "_keep_logits"):
                layer._keep_logits = False
            if hasattr(layer, "_needs_input_grad"):
                layer._needs_input_grad = True
        fused = {}
        consumed = {id(t) for n in self._runner.nodes for t in n.inputs}
        outs = [id(t) for t in self._outputs]
        for i, (t, (fn, _)) in enumerate(zip(self._outputs, spec)):
            layer = t._layer
            want = getattr(fn, "fused_activation", None)
            act_of = getattr(layer, "_output_activation", None)
            if (want and act_of is not None and act_of() == want and hasattr(layer, "_keep_logits")
                    and layer.activity_regularizer is None and id(layer) not in self._runner.shared
                    and id(t) not in consumed and outs.count(id(t)) == 1 and len(t._node.outputs) == 1):
                layer._keep_logits = True
                fused[i] = t._node
        tvars = self.trainable_weights
        all_layers = self._all_layers()
        self._train_ready = {
            "fused": fused, "stop": 0, "tvars": tvars,
            "grads_and_vars": [(v.grad, v) for v in tvars],
            "reg_vars": [v for v in self.weights if v.regularizer is not None],
            "activity": [la for la in all_layers if la.activity_regularizer is not None],
            "needed": self._compute_needed(),
            "fused_ids": {id(n) for n in fused.values()},
            "key": self._train_key(),
        }

    def _graph_losses(self, ys, outs, sws, grads=True, fused=None):
        total, parts, gs = 0.0, [], []
        for i, (out, (fn, w)) in enumerate(zip(outs, self._out_spec())):
            if fn is None or ys[i] is None:
                gs.append(None)
                parts.append(None)
                continue
            if grads and fused and i in fused:
                v, g = fn.value_and_grad_from_logits(ys[i], fused[i].layer._logits(), sws[i])
                if w != 1.0:
                    g = g * np.float32(w)
                gs.append(g)
            elif grads:
                v, g = fn.value_and_grad(ys[i], out, sws[i])
                if w != 1.0:
                    g = g * np.float32(w)
                gs.append(g)
            else:
                v = fn(ys[i], out, sample_weight=sws[i])
            v = float(v) * w
            total += v
            parts.append(v)
        return total, parts, gs

    def _graph_train_step(self, x, y, sw):
        st = self._train_ready
        for v in st["tvars"]:
            v.grad.fill(0.0)
        xs = x if isinstance(x, list) else [x]
        outs = self._run_graph(xs, training=True, keep=True)
        ys = y if isinstance(y, list) else [y]
        sws = self._split_sw(sw, len(outs))
        self._build_graph_metrics(ys, outs)
        if self._multi_args is None:
            self._check_targets(ys[0], outs[0].shape)
        total, parts, grads = self._graph_losses(ys, outs, sws, fused=st["fused"])
        for v in st["reg_vars"]:
            total += float(v.regularizer(v.value))
        for layer in st["activity"]:
            total += sum(layer._losses)
        self._runner.backward(grads, needed=st["needed"], logits_nodes=st["fused_ids"])
        for v in st["reg_vars"]:
            if v.trainable:
                v.grad += v.regularizer.gradient(v.value)
        if st["grads_and_vars"]:
            self.optimizer.apply_gradients(st["grads_and_vars"])
        self._update_graph_metrics(total, parts, ys, outs, sws)

    def _graph_test_step(self, x, y, sw):
        xs = x if isinstance(x, list) else [x]
        outs = self._run_graph(xs, training=False)
        ys = y if isinstance(y, list) else [y]
        sws = self._split_sw(sw, len(outs))
        self._build_graph_metrics(ys, outs)
        total, parts, _ = self._graph_losses(ys, outs, sws, grads=False)
        for v in self.weights:
            if v.regularizer is not None:
                total += float(v.regularizer(v.value))
        for layer in self._all_layers():
            if layer.activity_regularizer is not None:
                total += sum(layer._losses)
        self._update_graph_metrics(total, parts, ys, outs, sws)

    def _update_graph_metrics(self, total, parts, ys, outs, sws):
        n = outs[0].shape[0]
        if self._has_loss():
            self._loss_tracker.update_state(total, sample_weight=n)
        if self._multi_args is not None:
            for i, tr in self._multi["trackers"].items():
                tr.update_state(parts[i], sample_weight=n)
        for (m, weighted), i in zip(self._compile_metrics, self._metric_out):
            m.update_state(ys[i], outs[i], sample_weight=sws[i] if weighted else None)

    # ------------------------------------------------------------------ checks
    def _check_targets(self, y, out_shape, values=False):
        if not self._graph() or self._multi_args is None:
            if isinstance(y, list) and len(y) == 1:
                y = y[0]
            if isinstance(out_shape, list) and len(out_shape) == 1:
                out_shape = out_shape[0]
            return super()._check_targets(y, out_shape, values)
        if y is None:
            return
        ys = y if isinstance(y, list) else [y]
        shapes = out_shape if isinstance(out_shape, list) else [out_shape]
        saved = self._loss_fn
        try:
            for yi, si, (fn, _) in zip(ys, shapes, self._out_spec()):
                if fn is None or yi is None:
                    continue
                self._loss_fn = fn
                super()._check_targets(yi, si, values)
        finally:
            self._loss_fn = saved

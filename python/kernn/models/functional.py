"""The functional API: symbolic tensors, nodes, and `Model(inputs, outputs)` over a DAG.

Calling a layer on symbolic tensors (KerasTensor, made by `kernn.Input`) records a Node:
the layer, the tensors it was called on and the tensors it produced. `Model(inputs,
outputs)` walks the nodes from the outputs back to the inputs and keeps them in
topological order.

Running the graph: forward calls each node's layer in topological order; backward calls
`layer.backward(grad)` in reverse topological order, summing the gradients that reach a
tensor used by several nodes (fan-out). A layer called by several nodes (a shared layer)
keeps what its backward needs on `self`; the executor saves that state after each of its
calls and puts it back before the matching backward, so both calls' weight gradients
accumulate into the same `Variable.grad`.
"""
import numpy as np

from kernn.layers.input_layer import InputLayer, KerasTensor
from kernn.layers.layer import Layer, assert_input_compatibility


class Node:
    """One call of `layer` on symbolic tensors."""

    def __init__(self, layer, inputs, outputs, structure, kwargs=None):
        self.layer = layer
        self.inputs = list(inputs)        # flat list of KerasTensor
        self.outputs = list(outputs)      # flat list of KerasTensor
        self.structure = structure        # "single", "list" or a tuple of dict keys
        self.kwargs = dict(kwargs or {})
        for i, t in enumerate(self.outputs):
            t._layer = layer
            t._node = self
            t._index = i

    @property
    def parents(self):
        return [t._node for t in self.inputs if getattr(t, "_node", None) is not None]

    def pack_inputs(self, values):
        if self.structure == "single":
            return values[0]
        if self.structure == "list":
            return list(values)
        return dict(zip(self.structure, values))


def is_symbolic(x):
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(isinstance(t, KerasTensor) for t in x)
    if isinstance(x, dict):
        return len(x) > 0 and all(isinstance(t, KerasTensor) for t in x.values())
    return False


def flatten_symbolic(x):
    if isinstance(x, KerasTensor):
        return [x], "single"
    if isinstance(x, dict):
        keys = tuple(x)
        return [x[k] for k in keys], keys
    return list(x), "list"


def _out_tensors(shape):
    """KerasTensors for an output shape (a tuple, or a list of tuples for several outputs)."""
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and isinstance(shape[0], (tuple, list))):
        return [KerasTensor(s) for s in shape], True
    return [KerasTensor(shape)], False


def symbolic_call(layer, inputs, kwargs=None):
    """Record a node of `layer` called on KerasTensors; return its output KerasTensor(s)."""
    flat, structure = flatten_symbolic(inputs)
    if structure == "single":
        shape = flat[0].shape
        assert_input_compatibility(layer.input_spec, shape, layer.name)
    else:
        shape = [t.shape for t in flat]
    if isinstance(layer, InputLayer):
        raise ValueError("An InputLayer cannot be called on a tensor.")
    if not layer.built:
        layer._maybe_build(shape)
        layer._build_input_shape = shape if structure == "single" else list(shape)
    out_shape = layer.compute_output_shape(shape)
    outs, multi = _out_tensors(out_shape)
    for t in outs:
        t.name = layer.name
    node = Node(layer, flat, outs, structure, kwargs)
    layer._inbound_nodes.append(node)
    if layer._build_output_shape is None:
        layer._build_output_shape = out_shape
    return outs if multi else outs[0]


def _topological_nodes(inputs, outputs):
    """Nodes reachable backwards from `outputs`, stopping at `inputs`, parents first."""
    input_ids = {id(t) for t in inputs}
    order, seen, stack_seen = [], set(), set()

    def visit(tensor):
        node = getattr(tensor, "_node", None)
        if node is None:
            raise ValueError(f"Tensor {tensor} was not produced by a layer call (no Keras history).")
        if id(node) in seen:
            return
        if id(node) in stack_seen:
            raise ValueError("The graph has a cycle.")
        stack_seen.add(id(node))
        if id(tensor) not in input_ids:
            if isinstance(node.layer, InputLayer):
                raise ValueError(
                    f"Graph disconnected: cannot find parent for tensor {tensor} (input layer "
                    f"'{node.layer.name}'). The following inputs were given: {[t.name for t in inputs]}")
            for t in node.inputs:
                visit(t)
        stack_seen.discard(id(node))
        seen.add(id(node))
        order.append(node)

    for t in outputs:
        visit(t)
    for t in inputs:  # unused inputs are still inputs
        if id(t._node) not in seen:
            seen.add(id(t._node))
            order.insert(0, t._node)
    # Keras's order: by decreasing depth (distance to the outputs), ties in DFS order
    depth = {id(n): 0 for n in order}
    for n in reversed(order):
        for p in n.parents:
            if id(p) in depth and id(n.layer) and not (id(n) in input_ids):
                depth[id(p)] = max(depth[id(p)], depth[id(n)] + 1)
    for t in inputs:
        n = t._node
        depth[id(n)] = max([depth[id(n)]] + [depth[id(m)] + 1 for m in order if n in m.parents])
    pos = {id(n): i for i, n in enumerate(order)}
    return sorted(order, key=lambda n: (-depth[id(n)], pos[id(n)]))


def _structure_of(x, what):
    """(flat list of KerasTensor, structure) for Model(inputs=..., outputs=...)."""
    if isinstance(x, KerasTensor):
        return [x], "single"
    if isinstance(x, dict):
        vals = list(x.values())
        kind = tuple(x)
    elif isinstance(x, (list, tuple)):
        vals, kind = list(x), "list"
    else:
        raise ValueError(f"`{what}` must be a KerasTensor or a list or dict of KerasTensors. Received: {what}={x!r}")
    for t in vals:
        if not isinstance(t, KerasTensor):
            raise ValueError(f"All `{what}` values must be KerasTensors. Received: {what}={x!r} including invalid "
                             f"value {t!r} of type {type(t)}")
    if not vals:
        raise ValueError(f"`{what}` must not be empty.")
    return vals, kind


def _snapshot(layer):
    """The per-call state of `layer` (and of a nested model's layers), to restore before backward."""
    out = [(layer, dict(layer.__dict__))]
    for sub in getattr(layer, "layers", None) or []:
        if sub is not layer:
            out += _snapshot(sub)
    return out


def _restore(snap):
    for obj, state in snap:
        obj.__dict__.update(state)


class GraphRunner:
    """Forward and backward over a list of nodes (used by Functional models)."""

    def __init__(self, inputs, outputs, nodes):
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = [n for n in nodes if not isinstance(n.layer, InputLayer)]
        counts = {}
        for n in self.nodes:
            counts[id(n.layer)] = counts.get(id(n.layer), 0) + 1
        self.shared = {k for k, c in counts.items() if c > 1}
        self._snaps = {}
        self._values = {}
        self._masks = {}

    def forward(self, xs, training=False, masks=None, keep=False):
        values = {id(t): x for t, x in zip(self.inputs, xs)}
        mvals = {id(t): m for t, m in zip(self.inputs, masks or [None] * len(xs))}
        self._snaps = {}
        for node in self.nodes:
            layer = node.layer
            args = [values[id(t)] for t in node.inputs]
            ms = [mvals.get(id(t)) for t in node.inputs]
            x = node.pack_inputs(args)
            mask = None if all(m is None for m in ms) else node.pack_inputs(ms)
            y = layer.forward(x, training=training, mask=mask)
            outs = list(y) if len(node.outputs) > 1 else [y]
            for t, v in zip(node.outputs, outs):
                values[id(t)] = v
            if mask is not None or type(layer).compute_mask is not Layer.compute_mask:
                try:
                    out_mask = layer.compute_mask(x, mask)
                except (NotImplementedError, TypeError):
                    out_mask = None
                out_masks = list(out_mask) if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outs)
                for t, m in zip(node.outputs, out_masks):
                    mvals[id(t)] = m
            if keep and id(layer) in self.shared:
                self._snaps[id(node)] = _snapshot(layer)
        self._values = values
        self._masks = mvals
        return [values[id(t)] for t in self.outputs]

    def backward(self, grads, needed=None, logits_nodes=()):
        """`grads`: one dL/d(output) per model output (None: no gradient). Returns the
        gradients with respect to the model's inputs (None where none arrived)."""
        acc = {}
        for t, g in zip(self.outputs, grads):
            if g is not None:
                acc[id(t)] = g if id(t) not in acc else acc[id(t)] + g
        for node in reversed(self.nodes):
            if needed is not None and id(node) not in needed:
                continue
            gs = [acc.get(id(t)) for t in node.outputs]
            if all(g is None for g in gs):
                continue
            layer = node.layer
            if id(node) in logits_nodes:  # the loss gave dL/d(logits) of this output layer
                gin = layer.backward_logits(gs[0], self._values[id(node.outputs[0])].shape)
                for t, gi in zip(node.inputs, [gin]):
                    if gi is not None:
                        prev = acc.get(id(t))
                        acc[id(t)] = gi if prev is None else prev + gi
                continue
            if len(gs) == 1:
                g = layer._activity_backward(gs[0])
            else:
                g = [np.zeros_like(self._values[id(t)]) if gi is None else gi for t, gi in zip(node.outputs, gs)]
            snap = self._snaps.get(id(node))
            if snap is not None:
                _restore(snap)
            gin = layer.backward(g)
            gin = [gin] if node.structure == "single" else list(gin.values() if isinstance(gin, dict) else gin)
            for t, gi in zip(node.inputs, gin):
                if gi is None:
                    continue
                prev = acc.get(id(t))
                acc[id(t)] = gi if prev is None else prev + gi
        return [acc.get(id(t)) for t in self.inputs]


class Functional:
    """Mixin holding the graph part of a functional Model (see kernn.models.Model)."""

    def _init_graph(self, inputs, outputs):
        flat_in, self._input_struct = _structure_of(inputs, "inputs")
        flat_out, self._output_struct = _structure_of(outputs, "outputs")
        for t in flat_in:
            node = getattr(t, "_node", None)
            if node is None or not isinstance(node.layer, InputLayer):
                raise ValueError("All `inputs` values must be KerasTensors made by `kernn.Input`. Received: "
                                 f"inputs={inputs}")
        nodes = _topological_nodes(flat_in, flat_out)
        self._inputs = flat_in
        self._outputs = flat_out
        self._nodes = nodes
        layers, seen = [], set()
        for n in nodes:
            if id(n.layer) not in seen:
                seen.add(id(n.layer))
                layers.append(n.layer)
        names = {}
        for la in layers:
            names[la.name] = names.get(la.name, 0) + 1
        dup = [n for n, c in names.items() if c > 1]
        if dup:
            raise ValueError(f'The name "{dup[0]}" is used {names[dup[0]]} times in the model. All layer names '
                             "should be unique.")
        self._graph_layers = layers
        self._runner = GraphRunner(flat_in, flat_out, nodes)
        self._multi_input = len(flat_in) > 1
        self.output_names = (list(self._output_struct) if isinstance(self._output_struct, tuple)
                             else [t._layer.name for t in flat_out])
        self.input_names = (list(self._input_struct) if isinstance(self._input_struct, tuple)
                            else [t._layer.name for t in flat_in])
        self.built = True
        self._build_input_shape = [t.shape for t in flat_in] if len(flat_in) > 1 else flat_in[0].shape
        # node index of each node of this model inside its layer's inbound nodes
        self._needs_grad = None

    # structure --------------------------------------------------------------
    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._pack_in(self._inputs)

    @property
    def output(self):
        return self._pack_out(self._outputs)

    def _pack_in(self, flat):
        if self._input_struct == "single":
            return flat[0]
        if self._input_struct == "list":
            return list(flat)
        return dict(zip(self._input_struct, flat))

    def _pack_out(self, flat):
        if self._output_struct == "single":
            return flat[0]
        if self._output_struct == "list":
            return list(flat)
        return dict(zip(self._output_struct, flat))

    def _flatten_x(self, x, what="x"):
        """Model inputs as a list of arrays in the order of `model.inputs`."""
        n = len(self._inputs)
        if isinstance(x, dict):
            names = self._input_struct if isinstance(self._input_struct, tuple) else self.input_names
            missing = [k for k in names if k not in x]
            if missing:
                raise ValueError(f"Missing data for input(s) {missing}. Expected the following keys: {list(names)}. "
                                 f"Received keys: {list(x)}")
            return [x[k] for k in names]
        if isinstance(x, (list, tuple)) and n > 1:
            if len(x) != n:
                raise ValueError(f"Model '{self.name}' expects {n} input(s), but it received {len(x)} input tensors. "
                                 f"Inputs received: {[getattr(a, 'shape', a) for a in x]}")
            return list(x)
        if n > 1:
            raise ValueError(f"Model '{self.name}' expects {n} inputs, but it received 1 input tensor.")
        if isinstance(x, (list, tuple)) and len(x) == 1 and not np.isscalar(x[0]) and np.ndim(x[0]) >= 1 \
                and isinstance(x[0], np.ndarray):
            return [x[0]]
        return [x]

    def _flatten_y(self, y):
        n = len(self._outputs)
        if y is None:
            return None
        if isinstance(y, dict):
            names = self._output_struct if isinstance(self._output_struct, tuple) else self.output_names
            missing = [k for k in names if k not in y]
            if missing:
                raise ValueError(f"Missing targets for output(s) {missing}. Expected the following keys: "
                                 f"{list(names)}. Received keys: {list(y)}")
            return [y[k] for k in names]
        if n > 1:
            if not isinstance(y, (list, tuple)) or len(y) != n:
                raise ValueError(f"Model '{self.name}' has {n} outputs: `y` must be a list of {n} arrays or a dict "
                                 f"keyed by output name {self.output_names}. Received: y of type {type(y).__name__}")
            return list(y)
        return [y]

    def _run_graph(self, xs, training=False, keep=False, masks=None):
        return self._runner.forward(xs, training=training, keep=keep, masks=masks)

    def _compute_needed(self):
        """Nodes whose backward must run: those with trainable weights or upstream of one."""
        needed = set()
        upstream = {}
        for node in self._runner.nodes:
            has = bool(node.layer.trainable_weights) or any(upstream.get(id(p), False) for p in node.parents)
            upstream[id(node)] = has
            if has:
                needed.add(id(node))
        return needed

    def compute_output_shape(self, input_shape):
        if self._input_struct == "single" and len(self._outputs) == 1:
            if tuple(input_shape[1:]) == tuple(self._inputs[0].shape[1:]):
                return self._outputs[0].shape
        # re-run the shapes through the graph
        shapes = {}
        ins = [input_shape] if len(self._inputs) == 1 else list(input_shape)
        for t, s in zip(self._inputs, ins):
            shapes[id(t)] = tuple(s)
        for node in self._runner.nodes:
            args = [shapes[id(t)] for t in node.inputs]
            s = node.layer.compute_output_shape(args[0] if node.structure == "single" else args)
            outs = s if len(node.outputs) > 1 else [s]
            for t, si in zip(node.outputs, outs):
                shapes[id(t)] = tuple(si)
        res = [shapes[id(t)] for t in self._outputs]
        return res[0] if len(res) == 1 else res


def _as_list_of_arrays(xs, name):
    from kernn.layers.layer import _as_input
    return [_as_input(x, name) for x in xs]

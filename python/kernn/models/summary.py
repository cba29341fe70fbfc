"""model.summary(): the table Keras 3 prints (rich's box drawing, reproduced without rich)."""
import math
import shutil

import numpy as np


def count_params(weights):
    return int(sum(math.prod(v.shape) for v in weights))


def readable_memory_size(size):
    """Bytes as Keras prints them: "18.79 KB"."""
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _ratio_reduce(total, ratios, maximums, values):
    """rich's ratio_reduce: take `total` off `values` in proportion to `ratios`."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _wrap(text, width):
    """Split `text` into lines of at most `width` characters (at spaces when possible)."""
    lines = []
    while len(text) > width:
        cut = text.rfind(" ", 0, width + 1)
        if cut <= 0:
            cut = width
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    lines.append(text)
    return lines


def format_shape(shape):
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _connections(model):
    """{id(layer): "parent[node][tensor], ..."} for a functional model that is not a plain
    chain (Keras's rule), else None."""
    if not getattr(model, "_is_graph", False) or getattr(model, "_subclassed", False) or \
            type(model).__name__ == "Sequential":
        return None
    nodes = [n for n in model._nodes if n.inputs]
    node_ids = {id(n) for n in model._nodes}
    chain = all(len(n.inputs) == 1 for n in nodes) and len(model._inputs) == 1 and len(model._outputs) == 1
    if chain:
        consumers = {}
        for n in nodes:
            consumers[id(n.inputs[0])] = consumers.get(id(n.inputs[0]), 0) + 1
        per_layer = {}
        for n in nodes:
            per_layer[id(n.layer)] = per_layer.get(id(n.layer), 0) + 1
        chain = all(c == 1 for c in consumers.values()) and all(c == 1 for c in per_layer.values())
    if chain:
        return None
    out = {}
    for layer in model.layers:
        parts = []
        for node in layer._inbound_nodes:
            if id(node) not in node_ids:
                continue
            for t in node.inputs:
                parts.append(f"{t._layer.name}[{t._layer._inbound_nodes.index(t._node)}][{t._index}]")
        out[id(layer)] = ", ".join(parts) if parts else "-"
    return out


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print `model`'s layers, output shapes and parameter counts as Keras 3 does."""
    connections = _connections(model)
    if connections is None:
        header = ["Layer (type)", "Output Shape", "Param #"]
        align = ["left", "left", "right"]
        positions = positions or [0.45, 0.80, 1.0]
        default = min(88, shutil.get_terminal_size().columns - 4)
    else:  # a functional model that is not a plain chain: Keras adds "Connected to"
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        default = min(108, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default
    if positions[-1] <= 1:
        cols, current = [], 0
        for p in positions:
            w = int(p * line_length) - current
            if w < 4:
                raise ValueError("Insufficient console width to print summary.")
            cols.append(w)
            current += w
    else:
        cols = [int(positions[0])] + [int(b) - int(a) for a, b in zip(positions, positions[1:])]
    # rich pads each cell by one space on both sides, draws 4 border characters and shrinks
    # the columns evenly to the table width.
    widths = [c + 2 for c in cols]
    excess = sum(widths) - (line_length - len(widths) - 1)
    if excess > 0:
        widths = _ratio_reduce(excess, [1] * len(widths), widths, widths)
    inner = [w - 2 for w in widths]

    def row(cells, left, mid, right):
        parts = [_wrap(str(c), w) for c, w in zip(cells, inner)]
        height = max(len(p) for p in parts)
        out = []
        for i in range(height):
            texts = []
            for p, w, a in zip(parts, inner, align):
                t = p[i] if i < len(p) else ""
                texts.append(" " + (t.rjust(w) if a == "right" else t.ljust(w)) + " ")
            out.append(left + mid.join(texts) + right)
        return out

    lines = [f'Model: "{model.name}"']
    lines.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    lines += row(header, "┃", "┃", "┃")
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    layers = model.layers
    for i, layer in enumerate(layers):
        kind = layer.__class__.__name__
        if kind == "Model" and getattr(layer, "_is_graph", False):
            kind = "Functional"  # as Keras 3 shows a functional model
        name = f"{layer.name} ({kind})"
        shape = getattr(layer, "_build_output_shape", None)
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        cells = [name, format_shape(shape) if layer.built else "?", params]
        if connections is not None:
            cells.append(connections.get(id(layer), "-"))
        lines += row(cells, "│", "│", "│")
        if i < len(layers) - 1:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    t_count, n_count = count_params(trainable), count_params(non_trainable)
    t_size, n_size = 4 * t_count, 4 * n_count
    opt = getattr(model, "optimizer", None)
    opt_vars = []
    if getattr(model, "compiled", False) and opt is not None and getattr(opt, "_order", None):
        opt_vars = [np.asarray(v) for v in (getattr(opt, "variables", None) or [])]  # built: has slots
    o_count = int(sum(v.size for v in opt_vars))
    o_size = int(sum(v.nbytes for v in opt_vars))
    lines.append(f" Total params: {t_count + n_count + o_count:,} "
                 f"({readable_memory_size(t_size + n_size + o_size)})")
    lines.append(f" Trainable params: {t_count:,} ({readable_memory_size(t_size)})")
    lines.append(f" Non-trainable params: {n_count:,} ({readable_memory_size(n_size)})")
    if o_count:
        lines.append(f" Optimizer params: {o_count:,} ({readable_memory_size(o_size)})")
    text = "\n".join(lines)
    if print_fn is None:
        print(text)
    else:
        print_fn(text)

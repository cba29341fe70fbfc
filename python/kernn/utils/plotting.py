"""Pictures of training: `plot_history`, `plot_model` (as `keras.utils.plot_model`) and `plot_images`.

matplotlib is optional (the `plots` extra): kernn imports without it, and these
functions raise an ImportError naming the extra when it is missing. Figures are drawn
on matplotlib's object API with the Agg canvas, so no global backend is changed and
no display is needed.
"""
import os
import shutil

import numpy as np

_EXTRA_HINT = 'pip install "kernn[plots]"'


def _matplotlib(what):
    """Import matplotlib's Figure and Agg canvas, or raise an ImportError naming the extra."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(f"`{what}` requires matplotlib. Install it with: {_EXTRA_HINT}") from e
    return Figure, FigureCanvasAgg


def _new_figure(what, figsize, dpi=100):
    Figure, Canvas = _matplotlib(what)
    fig = Figure(figsize=figsize, dpi=dpi)
    Canvas(fig)
    return fig


def _save(fig, to_file, dpi=None):
    if to_file is None:
        return
    folder = os.path.dirname(os.path.abspath(to_file))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(to_file, dpi=dpi, bbox_inches="tight")


# --------------------------------------------------------------------------- plot_history

def plot_history(history, to_file=None, metrics=None, figsize=None, dpi=100):
    """Plot the loss and metrics of a training run per epoch, training next to validation.

    One panel per quantity (`loss` first, then each metric); the training curve is solid
    and the validation curve (`val_<name>` in the logs) dashed.

    Args:
        history: the `History` object `model.fit` returns, or its `.history` dict
            (`{"loss": [...], "val_loss": [...], ...}`).
        to_file: path of an image to write (format from the extension, e.g. `.png`);
            `None` writes nothing.
        metrics: names to plot (without the `val_` prefix). Defaults to every name in
            the logs.
        figsize: `(width, height)` in inches. Defaults to 4 inches wide per panel.
        dpi: resolution of the written file. Defaults to `100`.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if `history` holds no logged values or `metrics` names unknown ones.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(f"`history` must be a History object or a dict of lists. Received: history={history!r}")
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in names]
    names.sort(key=lambda k: (k != "loss", list(logs).index(k) if k in logs else len(logs)))
    if metrics is not None:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in metrics if m not in names]
        if unknown:
            raise ValueError(f"Unknown metrics {unknown}; the history holds {names}. Received: metrics={metrics}")
        names = metrics
    names = [k for k in names if len(logs.get(k, ())) or len(logs.get("val_" + k, ()))]
    if not names:
        raise ValueError(f"`history` holds no logged values. Received: history={logs!r}")
    n = len(names)
    fig = _new_figure("plot_history", figsize or (4.0 * n, 3.2), dpi)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, name in zip(axes, names):
        for key, style, label in ((name, "-", "train"), ("val_" + name, "--", "validation")):
            values = logs.get(key)
            if values is not None and len(values):
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, np.asarray(values, dtype=np.float64), style, marker="o", markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    _save(fig, to_file, dpi)
    return fig


# --------------------------------------------------------------------------- plot_images

def plot_images(images, to_file=None, ncols=8, titles=None, cmap="gray", vmin=None, vmax=None, figsize=None, dpi=100):
    """Draw images in a grid: generated samples, reconstructions, augmented batches.

    Args:
        images: array `(n, height, width)`, `(n, height, width, 1)` or
            `(n, height, width, 3)`, or a list of such images.
        to_file: path of an image to write; `None` writes nothing.
        ncols: images per row. Defaults to `8`.
        titles: optional list of `n` strings drawn above the images.
        cmap: colour map of one-channel images. Defaults to `"gray"`.
        vmin, vmax: value range mapped to black and white. Default to the smallest and
            largest value of `images`, so `tanh` outputs in [-1, 1] and pixels in
            [0, 1] both show as they are.
        figsize: `(width, height)` in inches. Defaults to 1.2 inch per image.
        dpi: resolution of the written file. Defaults to `100`.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if `images` is not a batch of 2-D images or `ncols < 1`.
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[-1] not in (3, 4)) or x.shape[0] == 0:
        raise ValueError("`images` must be a non-empty batch shaped (n, height, width), (n, height, width, 1) or "
                         f"(n, height, width, 3). Received: images.shape={np.shape(images)}")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"`ncols` must be a positive integer. Received: ncols={ncols!r}")
    if titles is not None and len(titles) != len(x):
        raise ValueError(f"`titles` must hold one string per image ({len(x)}). Received: {len(titles)} titles")
    n = len(x)
    ncols = min(int(ncols), n)
    nrows = -(-n // ncols)
    lo = float(np.min(x)) if vmin is None else float(vmin)
    hi = float(np.max(x)) if vmax is None else float(vmax)
    if hi <= lo:
        hi = lo + 1.0
    fig = _new_figure("plot_images", figsize or (1.2 * ncols, 1.2 * nrows + (0.25 * nrows if titles else 0)), dpi)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i >= n:
            continue
        if x.ndim == 3:
            ax.imshow(x[i], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        else:
            ax.imshow(np.clip((x[i] - lo) / (hi - lo), 0.0, 1.0), interpolation="nearest")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout(pad=0.3)
    _save(fig, to_file, dpi)
    return fig


# --------------------------------------------------------------------------- plot_model

def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _layer_shapes(layer):
    ins = getattr(layer, "_build_input_shape", None)
    outs = getattr(layer, "_build_output_shape", None)
    if outs is None:
        try:
            outs = layer.output_shape
        except Exception:  # unbuilt layers have no shapes yet
            outs = None
    if ins is None and hasattr(layer, "batch_shape"):
        ins = outs = tuple(layer.batch_shape)
    return ins, outs


def _graph(model, expand_nested=False):
    """(layers, edges, shapes) of `model`: edges are (from index, to index) pairs; shapes maps a
    layer index to its (input shape, output shape) as seen in the graph, when the graph knows."""
    nodes = getattr(model, "_nodes", None)
    if nodes:  # a functional model: follow the recorded calls
        layers, index, edges, shapes = [], {}, [], {}

        def shape_of(tensors):
            got = [tuple(t.shape) if getattr(t, "shape", None) is not None else None for t in tensors]
            return got[0] if len(got) == 1 else got

        for node in nodes:
            if id(node.layer) not in index:
                index[id(node.layer)] = len(layers)
                layers.append(node.layer)
                shapes[index[id(node.layer)]] = (shape_of(node.inputs) if node.inputs else shape_of(node.outputs),
                                                 shape_of(node.outputs))
        for node in nodes:
            j = index[id(node.layer)]
            for parent in node.parents:
                i = index.get(id(parent.layer))
                if i is not None and (i, j) not in edges:
                    edges.append((i, j))
        return layers, edges, shapes
    layers = list(model.layers)
    return layers, [(i, i + 1) for i in range(len(layers) - 1)], {}


def _activation_name(layer):
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    name = getattr(act, "__name__", None) or getattr(act, "name", None) or str(act)
    return None if name in ("linear", None) else name


def _node_lines(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable,
                shapes=None):
    cls = layer.__class__.__name__
    title = f"{layer.name} ({cls})" if show_layer_names else cls
    lines = [title]
    if show_layer_activations:
        act = _activation_name(layer)
        if act:
            lines.append(f"Activation: {act}")
    if show_dtype:
        lines.append(f"dtype: {getattr(layer, 'dtype', 'float32')}")
    if show_shapes:
        ins, outs = shapes if shapes is not None else _layer_shapes(layer)
        lines.append(f"Input shape: {_shape_text(ins)}")
        lines.append(f"Output shape: {_shape_text(outs)}")
    if show_trainable:
        lines.append(f"Trainable: {'Y' if getattr(layer, 'trainable', True) else 'N'}")
    return lines


def _html(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _graphviz_available():
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


def _plot_with_pydot(node_lines, edges, model_name, to_file, rankdir, dpi):
    import pydot

    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, concentrate=True, dpi=str(dpi))
    dot.set_node_defaults(shape="plaintext", fontname="Helvetica")
    for i, lines in enumerate(node_lines):
        rows = [f'<tr><td bgcolor="#F7B36B"><b>{_html(lines[0])}</b></td></tr>']
        rows += [f"<tr><td>{_html(line)}</td></tr>" for line in lines[1:]]
        label = '<<table border="0" cellborder="1" cellspacing="0" cellpadding="6">' + "".join(rows) + "</table>>"
        dot.add_node(pydot.Node(f"n{i}", label=label))
    for a, b in edges:
        dot.add_edge(pydot.Edge(f"n{a}", f"n{b}"))
    ext = os.path.splitext(to_file)[1][1:].lower() or "png"
    folder = os.path.dirname(os.path.abspath(to_file))
    os.makedirs(folder, exist_ok=True)
    dot.write(to_file, format=ext)


def _depths(n, edges):
    parents = [[] for _ in range(n)]
    for a, b in edges:
        parents[b].append(a)
    depth = [None] * n

    def d(i, seen=()):
        if depth[i] is None:
            ps = [p for p in parents[i] if p not in seen]
            depth[i] = 0 if not ps else 1 + max(d(p, seen + (i,)) for p in ps)
        return depth[i]

    return [d(i) for i in range(n)]


def _plot_with_matplotlib(node_lines, edges, model_name, to_file, rankdir, dpi):
    """Keras's layered drawing without graphviz: boxes per depth level, arrows between them."""
    depth = _depths(len(node_lines), edges)
    levels = {}
    for i, dd in enumerate(depth):
        levels.setdefault(dd, []).append(i)
    n_levels = max(levels) + 1
    width = max(len(levels[k]) for k in levels)
    chars = max(len(s) for lines in node_lines for s in lines)
    rows = max(len(lines) for lines in node_lines)
    box_w = 0.085 * chars + 0.4  # inches
    box_h = 0.2 * rows + 0.2
    horizontal = rankdir.upper() in ("LR", "RL")
    if horizontal:
        gap_x, gap_y = box_w + 0.6, box_h + 0.4
        fig_w, fig_h = n_levels * gap_x, width * gap_y
    else:
        gap_x, gap_y = box_w + 0.4, box_h + 0.5
        fig_w, fig_h = width * gap_x, n_levels * gap_y
    fig = _new_figure("plot_model", (max(fig_w, 2.0), max(fig_h, 1.0)), dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, max(fig_w, 2.0))
    ax.set_ylim(0, max(fig_h, 1.0))
    ax.set_axis_off()
    pos = {}
    for lvl, members in levels.items():
        for k, i in enumerate(members):
            offset = (width - len(members)) / 2 + k
            if horizontal:
                x = (lvl + 0.5) * gap_x if rankdir.upper() == "LR" else (n_levels - lvl - 0.5) * gap_x
                y = fig_h - (offset + 0.5) * gap_y
            else:
                x = (offset + 0.5) * gap_x
                y = fig_h - (lvl + 0.5) * gap_y if rankdir.upper() != "BT" else (lvl + 0.5) * gap_y
            pos[i] = (x, y)
    from matplotlib.patches import FancyBboxPatch

    for i, lines in enumerate(node_lines):
        x, y = pos[i]
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0.02",
                                    facecolor="#FCE3C4", edgecolor="black", linewidth=0.8))
        ax.text(x, y + box_h / 2 - 0.17, lines[0], ha="center", va="center", fontsize=9, fontweight="bold",
                family="monospace")
        for r, line in enumerate(lines[1:]):
            ax.text(x, y + box_h / 2 - 0.37 - 0.2 * r, line, ha="center", va="center", fontsize=8,
                    family="monospace")
    for a, b in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        if horizontal:
            sgn = 1 if xb > xa else -1
            start, end = (xa + sgn * box_w / 2, ya), (xb - sgn * box_w / 2, yb)
        else:
            sgn = 1 if yb < ya else -1
            start, end = (xa, ya - sgn * box_h / 2), (xb, yb + sgn * box_h / 2)
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="->", lw=0.9))
    _save(fig, to_file, dpi)
    return fig


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw a model's layer graph to an image file, as `keras.utils.plot_model`.

    Each layer is a box (its class, and its name, shapes, activation and trainability
    when asked) with arrows from the layers feeding it. Drawn by graphviz through pydot
    when both are installed, as Keras does; otherwise by matplotlib.

    Args:
        model: a built `Sequential` or functional `Model`.
        to_file: file to write; the extension picks the format. Defaults to `"model.png"`.
        show_shapes: show each layer's input and output shapes. Defaults to `False`.
        show_dtype: show each layer's dtype. Defaults to `False`.
        show_layer_names: show layer names next to the class. Defaults to `False` (Keras 3).
        rankdir: `"TB"` (vertical) or `"LR"` (horizontal), or `"BT"`/`"RL"`. Defaults to `"TB"`.
        expand_nested: accepted for Keras compatibility; nested models are drawn as one box.
        dpi: image resolution. Defaults to `200`.
        show_layer_activations: show the activation of layers that have one. Defaults to `False`.
        show_trainable: show whether each layer is trainable. Defaults to `False`.

    Returns:
        An `IPython.display.Image` of the file when IPython is installed (so notebooks show
        it inline) and the format is not PDF, as Keras; else `None`.

    Raises:
        ImportError: if neither pydot with graphviz nor matplotlib is installed.
        ValueError: if the model has no layers or `rankdir` is unknown.
    """
    if kwargs:
        raise TypeError(f"plot_model() got unexpected keyword arguments: {sorted(kwargs)}")
    if str(rankdir).upper() not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"`rankdir` must be one of 'TB', 'LR', 'BT', 'RL'. Received: rankdir={rankdir!r}")
    if not getattr(model, "built", False) and not getattr(model, "layers", None):
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                         "calling the model on a batch of data.")
    layers, edges, shapes = _graph(model, expand_nested)
    if not layers:
        raise ValueError(f"Model {getattr(model, 'name', model)!r} has no layers to plot.")
    node_lines = [_node_lines(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                              show_trainable, shapes.get(i)) for i, layer in enumerate(layers)]
    to_file = os.fspath(to_file)
    drawn = False
    if _graphviz_available():
        try:
            _plot_with_pydot(node_lines, edges, model.name, to_file, rankdir.upper(), dpi)
            drawn = True
        except Exception:  # a broken graphviz install: fall back to matplotlib below
            drawn = False
    if not drawn:
        try:
            _matplotlib("plot_model")
        except ImportError as e:
            raise ImportError("`plot_model` requires pydot with graphviz, or matplotlib. Install them with: "
                              f"{_EXTRA_HINT} (graphviz itself comes from your system's packages)") from e
        _plot_with_matplotlib(node_lines, edges, model.name, to_file, rankdir.upper(), dpi)
    if not to_file.lower().endswith(".pdf"):
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None

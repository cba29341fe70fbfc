"""The `.keras` zip (config.json, metadata.json, model.weights.h5) and `.weights.h5` files.

The weights file has Keras 3's HDF5 layout: each object's variables in a group
`<path>/vars` as datasets "0", "1", ... (Keras's variable order), layers under
`layers/<snake_case class name>[_<n>]` (numbered per class in `model.layers` order; nested
models' layers inside their own `layers/...`), the optimizer under `optimizer/vars`.

Writes go to a temporary file in the same folder, renamed over the target only when
complete. Reads check the archive (member names, sizes, the total expanded size) and load
everything before changing the model, so a bad file raises ValueError and changes nothing.
"""
import datetime
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from kernn.saving import serialization_lib as sl

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
KERAS_VERSION = "3.6.0"  # the Keras 3 format version these files follow
MAX_EXPANDED_BYTES = int(os.environ.get("KERNN_MAX_MODEL_BYTES", str(8 << 30)))


def _h5py():
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading weights needs h5py: `pip install h5py`.") from None
    return h5py


# ---------------------------------------------------------------------------------------- tree
def _snake(obj):
    from kernn.layers.layer import to_snake_case
    return to_snake_case(type(obj).__name__)


def _children(obj):
    """[(relative path, child)] in Keras's walk order."""
    from kernn.layers.layer import Layer
    from kernn.models import Model
    hook = getattr(obj, "_saving_children", None)
    if hook is not None:  # a layer that files its weights the way Keras's nesting does (RNN cells)
        return hook()
    out = []
    if isinstance(obj, Model):
        def container():
            used, res = {}, []
            for layer in obj.layers:
                name = _snake(layer)
                if name in used:
                    used[name] += 1
                    name = f"{name}_{used[name]}"
                else:
                    used[name] = 0
                res.append((f"layers/{name}", layer))
            return res

        if not getattr(obj, "_subclassed", False):
            return container()
        # a subclassed model: Keras walks its attributes in sorted order ("layers" among them)
        attrs = sorted([k for k, v in vars(obj).items() if not k.startswith("_") and isinstance(v, Layer)]
                       + ["layers"])
        for attr in attrs:
            if attr == "layers":
                out += container()
            else:
                out.append((attr, vars(obj)[attr]))
        return out
    for attr in sorted(k for k in vars(obj) if not k.startswith("_")):
        val = vars(obj)[attr]
        if isinstance(val, Layer):
            out.append((attr, val))
        elif isinstance(val, (list, tuple)) and val and all(isinstance(v, Layer) for v in val):
            used = {}
            for v in val:
                name = _snake(v)
                used[name] = used.get(name, -1) + 1
                out.append((f"{attr}/{name}" + (f"_{used[name]}" if used[name] else ""), v))
    return out


def _own_variables(obj):
    hook = getattr(obj, "_saved_variables", None)  # variables filed elsewhere (RNN cells)
    if hook is not None:
        return list(hook())
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


def collect_state(model, include_optimizer=True):
    """{h5 group path: [arrays]} of the model (and its optimizer)."""
    state = {}
    seen = {}  # id -> object: holding the object keeps its id from being reused mid-walk

    def walk(obj, path):
        if id(obj) in seen:
            return
        seen[id(obj)] = obj
        save = getattr(obj, "save_own_variables", None)
        store = {}
        if save is not None:
            save(store)
        state[(path + "/vars") if path else "vars"] = [store[str(i)] for i in range(len(store))]
        for rel, child in _children(obj):
            walk(child, f"{path}/{rel}" if path else rel)

    walk(model, "")
    opt = getattr(model, "optimizer", None)
    if include_optimizer and opt is not None and getattr(model, "compiled", False):
        if not getattr(opt, "_order", None) and model.built:
            opt.build(model.trainable_weights)  # Keras builds it at compile: files carry the slots
        store = {}
        opt.save_own_variables(store)
        state["optimizer/vars"] = [store[str(i)] for i in range(len(store))]
    return state


def _targets(model):
    """{h5 group path: object} for loading (same walk as collect_state)."""
    out = {}
    seen = {}  # id -> object, as in collect_state

    def walk(obj, path):
        if id(obj) in seen:
            return
        seen[id(obj)] = obj
        out[(path + "/vars") if path else "vars"] = obj
        for rel, child in _children(obj):
            walk(child, f"{path}/{rel}" if path else rel)

    walk(model, "")
    return out


def write_h5(fileobj, state):
    h5py = _h5py()
    with h5py.File(fileobj, "w") as f:
        for path, arrays in state.items():
            g = f.require_group(path)
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=np.asarray(a))


def read_h5(fileobj):
    """{group path: [arrays]} for every group named `vars` in the file."""
    h5py = _h5py()
    out = {}
    try:
        with h5py.File(fileobj, "r") as f:
            def visit(name, obj):
                if isinstance(obj, h5py.Group) and name.split("/")[-1] == "vars":
                    keys = sorted(obj.keys(), key=lambda k: int(k) if k.isdigit() else -1)
                    if any(not k.isdigit() for k in keys) or keys != [str(i) for i in range(len(keys))]:
                        raise ValueError(f"Weights group '{name}' has unexpected entries {keys[:5]}")
                    arrays = []
                    for k in keys:
                        ds = obj[k]
                        if not isinstance(ds, h5py.Dataset) or ds.dtype.kind not in "biuf":
                            raise ValueError(f"Weights entry '{name}/{k}' is not a numeric array.")
                        arrays.append(np.array(ds[()]))
                    out[name] = arrays
            if "vars" in f:
                visit("vars", f["vars"])
            f.visititems(visit)
    except ValueError:
        raise
    except (OSError, KeyError, TypeError) as e:
        raise ValueError(f"The weights file is not a valid HDF5 weights file: {e}") from None
    return out


def apply_state(model, state, skip_optimizer=False):
    """Check every array against the model, then assign them all (nothing changes on error)."""
    targets = _targets(model)
    plan = []
    for path, obj in targets.items():
        own = _own_variables(obj) if hasattr(obj, "_trainable_variables") or hasattr(obj, "_saved_variables") else []
        arrays = state.get(path, [])
        if len(arrays) != len(own):
            raise ValueError(f"Layer '{getattr(obj, 'name', path)}' expected {len(own)} variables, but received "
                             f"{len(arrays)} variables during loading (weights group '{path}'). The saved model does "
                             "not match this model's architecture.")
        for var, a in zip(own, arrays):
            if tuple(var.shape) != tuple(a.shape):
                raise ValueError(f"The shape of the saved weight '{path}' for variable '{var.path}' is {a.shape}, "
                                 f"but the model expects {tuple(var.shape)}.")
            plan.append((var, a))
    extra = [p for p in state if p not in targets and p != "optimizer/vars" and state[p]]
    if extra:
        raise ValueError(f"The weights file holds variables for objects this model does not have: {extra[:5]}")
    opt_arrays = state.get("optimizer/vars")
    opt = getattr(model, "optimizer", None)
    opt_plan = None
    if not skip_optimizer and opt_arrays is not None and opt is not None and getattr(model, "compiled", False):
        if not getattr(opt, "_order", None) and len(opt_arrays) > len(opt.variables):
            opt.build(model.trainable_weights)
        n = len(opt.variables)
        if n == len(opt_arrays):
            for mine, a in zip(opt.variables, opt_arrays):
                if np.shape(mine) != np.shape(a):
                    raise ValueError(f"Optimizer state shape mismatch: saved {np.shape(a)}, expected "
                                     f"{np.shape(mine)}.")
            opt_plan = opt_arrays
        else:
            import warnings
            warnings.warn(f"Skipping variable loading for optimizer '{opt.name}', because it has {n} variables "
                          f"whereas the saved optimizer has {len(opt_arrays)} variables.", stacklevel=3)
    for var, a in plan:
        var.assign(a)
    if opt_plan is not None:
        opt.load_own_variables({str(i): a for i, a in enumerate(opt_plan)})


# ---------------------------------------------------------------------------------------- files
def _atomic_write(path, write):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kernn-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_model(model, filepath, include_optimizer=True):
    path = os.fspath(filepath)
    if not str(path).endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` extension for the "
                         f"native Keras format (recommended) or a `.h5` extension. Received: filepath={path}")
    config = sl.serialize_keras_object(model)
    cc = sl.serialize_compile_config(model) if include_optimizer else None
    if cc is not None:
        config["compile_config"] = cc
    from kernn import __version__
    meta = {"keras_version": KERAS_VERSION, "kernn_version": __version__,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buf = io.BytesIO()
    write_h5(buf, collect_state(model, include_optimizer))
    weights = buf.getvalue()
    config_json = json.dumps(config)
    meta_json = json.dumps(meta)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA, meta_json)
            zf.writestr(CONFIG, config_json)
            zf.writestr(WEIGHTS, weights)

    _atomic_write(path, write)


def _read_archive(filepath, max_bytes=None):
    max_bytes = MAX_EXPANDED_BYTES if max_bytes is None else max_bytes
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise ValueError(f"File not found: filepath={path}. Please ensure the file is an accessible `.keras` zip "
                         "file.")
    try:
        zf = zipfile.ZipFile(path, "r")
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"The file '{path}' is not a valid `.keras` archive (corrupted or truncated zip): {e}") \
            from None
    members = {}
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > max_bytes:
            raise ValueError(f"The archive '{path}' would expand to {total} bytes, more than the limit of "
                             f"{max_bytes} bytes (KERNN_MAX_MODEL_BYTES); refusing to load it.")
        read = 0
        for info in infos:
            name = info.filename
            if name not in (CONFIG, METADATA, WEIGHTS) and not name.startswith("assets/"):
                raise ValueError(f"Unexpected member '{name[:100]}' in the `.keras` archive '{path}'.")
            if name.startswith("assets/"):
                continue
            try:
                with zf.open(info) as f:
                    data = f.read(max_bytes - read + 1)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as e:
                raise ValueError(f"The `.keras` archive '{path}' is corrupted or truncated (member '{name}'): {e}") \
                    from None
            read += len(data)
            if read > max_bytes:
                raise ValueError(f"The archive '{path}' expands past the limit of {max_bytes} bytes; refusing to "
                                 "load it.")
            members[name] = data
    if CONFIG not in members:
        raise ValueError(f"The `.keras` archive '{path}' has no {CONFIG}.")
    return members


def _json(data, what):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"The {what} in the `.keras` archive is not valid JSON: {e}") from None


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    path = os.fspath(filepath)
    if path.endswith(".weights.h5") or (path.endswith(".h5") and not zipfile.is_zipfile(path)):
        raise ValueError(f"File format not supported: filepath={path}. kernn loads `.keras` files; load "
                         "`.weights.h5` files with `model.load_weights()`.")
    if not path.endswith(".keras") and not zipfile.is_zipfile(path) and os.path.exists(path):
        raise ValueError(f"File format not supported: filepath={path}. kernn loads `.keras` files.")
    members = _read_archive(path)
    config = _json(members[CONFIG], CONFIG)
    if METADATA in members:
        _json(members[METADATA], METADATA)
    state = read_h5(io.BytesIO(members[WEIGHTS])) if WEIGHTS in members else {}
    return model_from_config_and_state(config, state, custom_objects, compile, safe_mode)


def model_from_config_and_state(config, state, custom_objects=None, compile=True, safe_mode=True):
    if not isinstance(config, dict):
        raise ValueError("The model config must be a JSON object.")
    try:
        with sl.SafeModeScope(safe_mode):
            model = sl.deserialize_keras_object(config, custom_objects)
        cc = config.get("compile_config")
        if compile and cc:
            sl.compile_from_config(model, cc)
    except (TypeError, KeyError, AttributeError, IndexError, RecursionError) as e:
        raise ValueError(f"Could not rebuild the model from its config ({type(e).__name__}: {e}). The file may be "
                         "corrupted or written for layers kernn does not have.") from None
    apply_state(model, state)
    return model


def save_weights(model, filepath, overwrite=True):
    path = os.fspath(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. Received: filepath=" + path)
    if not overwrite and os.path.exists(path):
        raise ValueError(f"File {path} exists and overwrite=False.")
    buf = io.BytesIO()
    write_h5(buf, collect_state(model))
    data = buf.getvalue()
    _atomic_write(path, lambda f: f.write(data))


def load_weights(model, filepath, skip_mismatch=False):
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        members = _read_archive(path)
        state = read_h5(io.BytesIO(members.get(WEIGHTS, b"")))
    elif path.endswith(".weights.h5"):
        if not os.path.exists(path):
            raise ValueError(f"File not found: filepath={path}.")
        if os.path.getsize(path) > MAX_EXPANDED_BYTES:
            raise ValueError(f"The weights file '{path}' is larger than the limit of {MAX_EXPANDED_BYTES} bytes.")
        state = read_h5(path)
    else:
        raise ValueError("File format not supported: filepath=" + path + ". Keras 3 only supports V3 `.keras` "
                         "and `.weights.h5` files.")
    apply_state(model, state)

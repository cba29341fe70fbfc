"""Keras 3's config format (module / class_name / config / registered_name / build_config /
compile_config), written and read without importing anything named by a file.

Classes are resolved only through kernn's own registry (kernn.layers, kernn.models) and the
`custom_objects` the caller passes. A Lambda layer's function is never stored as code: on
load it is refused in safe mode, and otherwise taken from `custom_objects` by name.
"""
import numpy as np

_KERAS_MODULES = ("keras", "kernn")
# config keys newer Keras versions write that kernn's layers do not take: accepted at their defaults
_KERAS_ONLY_KEYS = {"quantization_config": (None,), "lora_rank": (None, 0), "lora_alpha": (None,),
                    "ragged": (False, None)}


class SafeModeScope:
    """`with SafeModeScope(False): ...` relaxes the Lambda check for the loads inside."""

    _stack = [True]

    def __init__(self, safe_mode=True):
        self.safe_mode = True if safe_mode is None else bool(safe_mode)

    def __enter__(self):
        SafeModeScope._stack.append(self.safe_mode)
        return self

    def __exit__(self, *exc):
        SafeModeScope._stack.pop()
        return False


def in_safe_mode():
    return SafeModeScope._stack[-1]


def _registry():
    from kernn import layers
    from kernn.layers.layer import Layer
    from kernn.models import Model, Sequential
    reg = {}
    for name in dir(layers):
        obj = getattr(layers, name, None)
        if isinstance(obj, type) and issubclass(obj, Layer) and not name.startswith("_"):
            reg[name] = obj
    reg["Sequential"] = Sequential
    reg["Functional"] = Model
    reg["Model"] = Model
    return reg


def _builtin_class(cls):
    from kernn.layers.layer import Layer
    reg = _registry()
    return reg.get(cls.__name__) is cls and issubclass(cls, Layer)


def _to_jsonable(x):
    if isinstance(x, tuple):
        return [_to_jsonable(v) for v in x]
    if isinstance(x, list):
        return [_to_jsonable(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def serialize_keras_object(layer):
    """The Keras 3 dict of a layer or model."""
    from kernn.models import Model, Sequential
    cls = type(layer)
    config = layer.get_config()
    if cls is Sequential:
        out = {"module": "keras", "class_name": "Sequential", "config": config, "registered_name": None}
    elif cls is Model:
        out = {"module": "keras.src.models.functional", "class_name": "Functional", "config": config,
               "registered_name": "Functional"}
    elif _builtin_class(cls):
        out = {"module": "keras.layers", "class_name": cls.__name__, "config": config, "registered_name": None}
    else:
        out = {"module": cls.__module__, "class_name": cls.__name__, "config": config,
               "registered_name": getattr(cls, "_registered_name", None) or cls.__name__}
    from kernn.layers.input_layer import InputLayer
    if layer.built and not isinstance(layer, InputLayer):
        shape = getattr(layer, "_build_input_shape", None)
        if isinstance(layer, Model):
            try:
                shape = layer.input_shape
            except AttributeError:
                shape = None
        if shape is not None or isinstance(layer, Model):
            out["build_config"] = {"input_shape": shape}
    return _to_jsonable(out)


def _resolve_class(entry, custom_objects):
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise ValueError(f"Could not deserialize a layer: expected a dict with a string 'class_name'. Received: "
                         f"{str(entry)[:200]}")
    name = entry["class_name"]
    registered = entry.get("registered_name")
    module = entry.get("module")
    custom = custom_objects or {}
    for key in (registered, name):
        if isinstance(key, str) and key in custom:
            obj = custom[key]
            if not isinstance(obj, type):
                raise ValueError(f"custom_objects['{key}'] must be a class to deserialize '{name}'. Received: {obj!r}")
            return obj
    if module is not None and not isinstance(module, str):
        raise ValueError(f"Invalid 'module' in the config of '{name}': {module!r}")
    if module is None or module.split(".")[0] in _KERAS_MODULES:
        cls = _registry().get(name)
        if cls is not None:
            return cls
        raise ValueError(f"Could not locate class '{name}'. kernn has no such layer or model; if it is a custom "
                         f"class, pass it in `custom_objects={{'{name}': {name}}}`. Full object config: "
                         f"{str(entry)[:300]}")
    raise ValueError(f"Could not locate class '{name}' of module '{module}': kernn does not import modules named by "
                     f"a saved file. If '{name}' is your own class, pass it in `custom_objects={{'{name}': ...}}`.")


def deserialize_keras_object(entry, custom_objects=None):
    """The layer or model that a Keras 3 dict describes (built, when it has a build_config)."""
    from kernn.layers.layer import Layer
    cls = _resolve_class(entry, custom_objects)
    config = entry.get("config")
    if not isinstance(config, dict):
        raise ValueError(f"The config of '{entry['class_name']}' must be a dict. Received: {str(config)[:200]}")
    config = dict(config)
    for key, default in _KERAS_ONLY_KEYS.items():
        if key in config and _builtin_class(cls):
            if config[key] not in default:
                raise ValueError(f"kernn does not support {key}={config[key]!r} (layer '{config.get('name')}').")
            config.pop(key)
    config = {k: _clean_nested(v) for k, v in config.items()}
    if cls.__name__ == "Lambda" and _builtin_class(cls):
        config = _lambda_config(config, custom_objects)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"'{entry['class_name']}' is not a layer or model class.")
    from_config = cls.from_config
    try:
        import inspect
        takes_custom = "custom_objects" in inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        takes_custom = False
    try:
        obj = from_config(config, custom_objects=custom_objects) if takes_custom else from_config(config)
    except ValueError:
        raise
    except TypeError as e:
        raise ValueError(f"Could not create a '{entry['class_name']}' from its config: {e}") from None
    from kernn.layers.layer import note_name
    note_name(obj.name)
    for sub in getattr(obj, "layers", None) or []:
        note_name(sub.name)
    build = entry.get("build_config")
    if isinstance(build, dict) and not obj.built and build.get("input_shape") is not None:
        shape = build["input_shape"]
        try:
            if hasattr(obj, "_trace") or type(obj).__name__ == "Sequential":
                obj.build(_shape_from_json(shape))
            else:
                obj._maybe_build(_shape_from_json(shape))
                obj._build_input_shape = _shape_from_json(shape)
        except (TypeError, IndexError) as e:
            raise ValueError(f"Could not build '{obj.name}' from build_config {build}: {e}") from None
    return obj


def _clean_nested(v):
    """Drop keys newer Keras writes in nested initializer configs at their defaults
    (`input_axes`/`output_axes` of the variance-scaling initializers)."""
    if isinstance(v, dict) and v.get("module") == "keras.initializers" and isinstance(v.get("config"), dict):
        inner = {k: x for k, x in v["config"].items() if not (k in ("input_axes", "output_axes") and x is None)}
        return {**v, "config": inner}
    return v


def _shape_from_json(shape):
    if isinstance(shape, dict):
        return {k: _shape_from_json(v) for k, v in shape.items()}
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, dict)):
        return [_shape_from_json(s) for s in shape]
    return tuple(shape)


def _lambda_config(config, custom_objects):
    fn = config.get("function")
    if in_safe_mode():
        raise ValueError(
            "Requested the deserialization of a `Lambda` layer whose `function` is Python code. This carries a "
            "potential risk of arbitrary code execution and thus it is disallowed by default (kernn never runs code "
            "stored in a file). If you trust the source of the saved model, pass `safe_mode=False` to the loading "
            "function and the function itself in `custom_objects`.")
    name = None
    if isinstance(fn, dict):
        name = fn.get("config") if isinstance(fn.get("config"), str) else None
    elif isinstance(fn, str):
        name = fn
    if not name or name not in (custom_objects or {}) or not callable(custom_objects[name]):
        raise ValueError(f"The `Lambda` layer's function {name!r} must be passed in `custom_objects` "
                         f"(kernn never loads code from a file, even with safe_mode=False).")
    config["function"] = custom_objects[name]
    return config


def serialize_compile_config(model):
    """Keras's compile_config for a compiled model (losses and metrics as names or configs)."""
    from kernn import losses, metrics as metrics_module, optimizers
    cc = getattr(model, "_compile_config", None)
    if not model.compiled or cc is None:
        return None

    def ser(x, module):
        if x is None or isinstance(x, (str, int, float, bool)):
            return x
        if isinstance(x, (list, tuple)):
            return [ser(v, module) for v in x]
        if isinstance(x, dict):
            return {k: ser(v, module) for k, v in x.items()}
        if module is losses:
            return losses.serialize(x)
        if hasattr(x, "get_config"):
            return metrics_module.serialize(x)
        return getattr(x, "__name__", str(x))

    return _to_jsonable({
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": ser(cc["loss"], losses), "loss_weights": cc["loss_weights"],
        "metrics": ser(cc["metrics"], metrics_module), "weighted_metrics": ser(cc["weighted_metrics"], metrics_module),
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    })


def compile_from_config(model, config):
    from kernn import optimizers
    if not isinstance(config, dict):
        raise ValueError(f"Invalid compile_config: {str(config)[:200]}")
    opt = config.get("optimizer")
    opt = optimizers.get(opt) if opt is not None else "rmsprop"
    model.compile(optimizer=opt, loss=config.get("loss"), loss_weights=config.get("loss_weights"),
                  metrics=config.get("metrics"), weighted_metrics=config.get("weighted_metrics"))

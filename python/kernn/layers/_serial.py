"""Serialize the initializer/regularizer/constraint/activation arguments of layer configs."""


def serialize(module, obj):
    """A config-friendly form of `obj`: None and strings as they are, objects as Keras 3 dicts."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    fn = getattr(module, "serialize", None)
    if fn is not None:
        try:
            return fn(obj)
        except Exception:  # noqa: BLE001 - fall back to the generic form below
            pass
    if hasattr(obj, "get_config"):
        return {"module": f"keras.{module.__name__.split('.')[-1]}", "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": None}
    return getattr(obj, "__name__", obj)

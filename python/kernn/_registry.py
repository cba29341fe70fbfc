"""The get/serialize/deserialize trio shared by the small Keras registries
(kernn.regularizers, kernn.constraints): one place for their rules and messages."""


def make_registry(kind, module, base, objects, names):
    """Return (serialize, deserialize, get) for objects subclassing `base`.

    Args:
        kind: the word used in errors, e.g. "regularizer".
        module: the Keras module written into configs, e.g. "keras.regularizers".
        base: the base class (a string naming it is refused as an identifier).
        objects: {class name or alias: class}.
        names: the aliases listed in the error for an unknown string.
    """

    def serialize(obj):
        if obj is None:
            return None
        return {"module": module, "class_name": obj.__class__.__name__, "config": obj.get_config(),
                "registered_name": None}

    def deserialize(config):
        if isinstance(config, str):
            return get(config)
        if not isinstance(config, dict) or config.get("class_name") not in objects:
            raise ValueError(f"Could not interpret {kind} identifier: {config}")
        return objects[config["class_name"]].from_config(dict(config.get("config") or {}))

    def get(identifier):
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return deserialize(identifier)
        if isinstance(identifier, str):
            cls = objects.get(identifier)
            if cls is None or cls is base:
                raise ValueError(f"Could not interpret {kind} identifier: {identifier}. Expected one of: "
                                 f"{', '.join(names)}")
            return cls()
        if isinstance(identifier, type) and issubclass(identifier, base):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {kind} identifier: {identifier}")

    return serialize, deserialize, get

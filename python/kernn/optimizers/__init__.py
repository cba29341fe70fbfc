"""Optimizers with Keras 3's names, arguments, defaults and update rules; the update of
all variables runs in one C++ call per step (kernn.ops.<name>_update)."""
from kernn.optimizers import schedules
from kernn.optimizers.adagrad import Adagrad
from kernn.optimizers.adam import Adam
from kernn.optimizers.adamax import Adamax
from kernn.optimizers.adamw import AdamW
from kernn.optimizers.nadam import Nadam
from kernn.optimizers.optimizer import Optimizer
from kernn.optimizers.rmsprop import RMSprop
from kernn.optimizers.sgd import SGD

_CLASSES = (Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop, SGD)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in _CLASSES}


def serialize(optimizer):
    """`{"module", "class_name", "config", "registered_name"}` as Keras 3 writes it."""
    return {"module": "keras.optimizers", "class_name": optimizer.__class__.__name__,
            "config": optimizer.get_config(), "registered_name": None}


def _unknown(identifier):
    return ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Expected one of: "
                      + ", ".join(sorted(ALL_OBJECTS_DICT)))


def deserialize(config):
    """The optimizer a `serialize` dict describes (class names are case-insensitive)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise _unknown(config)
    cls = ALL_OBJECTS_DICT.get(str(config["class_name"]).lower())
    if cls is None:
        raise _unknown(config["class_name"])
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """An Optimizer instance from a name ("adam", "sgd", "rmsprop", ...; any case), a config
    dict, a class or an instance.

    Raises:
        ValueError: for an unknown identifier, listing the known names.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None:
            raise _unknown(identifier)
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Optimizer) and identifier is not Optimizer:
        return identifier()
    raise _unknown(identifier)


__all__ = ["Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer", "RMSprop", "SGD", "deserialize",
           "get", "schedules", "serialize"]

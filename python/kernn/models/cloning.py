"""model_from_json, clone_model and load_model of kernn.models."""
import json


def model_from_json(json_string, custom_objects=None):
    """A new (untrained) model from `model.to_json()` output; nothing in the JSON is executed."""
    from kernn.saving.serialization_lib import SafeModeScope, deserialize_keras_object
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"`model_from_json` expects a JSON string: {e}") from None
    with SafeModeScope(True):
        return deserialize_keras_object(config, custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, custom_objects=None, **kwargs):
    """A new model with the same architecture and freshly initialized weights."""
    from kernn.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
    if clone_function is not None or input_tensors is not None:
        raise ValueError("kernn's clone_model supports neither `clone_function` nor `input_tensors` yet.")
    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    return deserialize_keras_object(config, custom_objects)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with `model.save("x.keras")` (or by Keras 3, for layers kernn has).

    Classes are resolved only through kernn and `custom_objects`; nothing is imported or
    executed from the file. Raises ValueError for a corrupted, truncated, oversized or
    mismatched file.
    """
    from kernn.saving import saving_lib
    return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)

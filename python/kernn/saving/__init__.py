"""kernn.saving: Keras 3's `.keras` format, `.weights.h5` files and config (de)serialization."""
from kernn.saving.saving_lib import load_model, load_weights, save_model, save_weights
from kernn.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "load_model", "load_weights", "save_model", "save_weights",
           "serialize_keras_object"]

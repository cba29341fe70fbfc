"""kernn.models: Model and Sequential."""
from kernn.models.model import Model
from kernn.models.sequential import Sequential
from kernn.models.cloning import clone_model, load_model, model_from_json

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json"]

"""kernn.models: Model and Sequential."""
from kernn.models.model import Model
from kernn.models.sequential import Sequential

__all__ = ["Model", "Sequential"]

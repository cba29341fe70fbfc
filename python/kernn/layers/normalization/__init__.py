"""Normalization layers."""
from kernn.layers.normalization.batch_normalization import BatchNormalization
from kernn.layers.normalization.layer_normalization import LayerNormalization

__all__ = ["BatchNormalization", "LayerNormalization"]

"""Device models (Python side) and the files shipped in ``device_models/``."""

from .library import device_model_path, read_device_model

__all__ = ["device_model_path", "read_device_model"]

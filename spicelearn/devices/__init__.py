"""Device models (Python side, with their ngspice and Verilog-A twins) and the
files shipped in ``device_models/``."""

from .library import device_model_path, read_device_model
from .linear import LinearConductance
from .model import DeviceModel, smooth_step
from .registry import DEVICE_MODELS, make_device_model, register

__all__ = ["DEVICE_MODELS", "DeviceModel", "LinearConductance", "device_model_path",
           "make_device_model", "read_device_model", "register", "smooth_step"]

"""Locating the behavioural ``.lib`` and Verilog-A files shipped with spicelearn.

Installed, they live in the package ``spicelearn.device_models`` (the top-level
``device_models/`` folder, force-included into the wheel); in a source checkout
they are read from that folder directly.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import DeviceModelError

_CHECKOUT = Path(__file__).resolve().parents[2] / "device_models"


def device_model_path(name: str) -> Path:
    """Path of a shipped device-model file, e.g. ``"ideal_diode.lib"``."""
    try:
        p = Path(str(resources.files("spicelearn.device_models") / name))
        if p.is_file():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    p = _CHECKOUT / name
    if p.is_file():
        return p
    raise DeviceModelError(f"device model file '{name}' not found in device_models/")


def read_device_model(name: str) -> str:
    """Text of a shipped device-model file."""
    return device_model_path(name).read_text()

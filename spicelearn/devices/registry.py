"""The device models a config can name: one registry, name → model class.

``network.devices.model`` takes one of :data:`DEVICE_MODELS`' keys; the config's
allowed values and its error messages are derived from it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..errors import DeviceModelError
from .hp import Biolek, Joglekar, LinearIonDrift, Prodromakis
from .linear import LinearConductance
from .mms import MeanMetastableSwitch
from .model import DeviceModel
from .pershin import PershinThreshold
from .response import ExpResponse, LinearStep, PowerResponse, SoftBounds
from .stanford_pku import StanfordPKU
from .vteam import VTEAM
from .yakopcic import Yakopcic

DEVICE_MODELS: dict[str, type[DeviceModel]] = {
    LinearConductance.name: LinearConductance,
    LinearIonDrift.name: LinearIonDrift,
    Joglekar.name: Joglekar,
    Biolek.name: Biolek,
    Prodromakis.name: Prodromakis,
    VTEAM.name: VTEAM,
    Yakopcic.name: Yakopcic,
    MeanMetastableSwitch.name: MeanMetastableSwitch,
    PershinThreshold.name: PershinThreshold,
    StanfordPKU.name: StanfordPKU,
    LinearStep.name: LinearStep,
    SoftBounds.name: SoftBounds,
    PowerResponse.name: PowerResponse,
    ExpResponse.name: ExpResponse,
}


def register(cls: type[DeviceModel]) -> type[DeviceModel]:
    """Add a model class to :data:`DEVICE_MODELS` under its ``name``."""
    if not cls.name or cls.name in DEVICE_MODELS:
        raise DeviceModelError(f"device model name {cls.name!r} is empty or taken")
    DEVICE_MODELS[cls.name] = cls
    return cls


def make_device_model(name: str, /, **params: Any) -> DeviceModel:
    """The model ``name`` with ``params`` overriding its defaults.

    Raises:
        DeviceModelError: an unknown model or parameter, or a parameter out of range.
    """
    cls = DEVICE_MODELS.get(name)
    if cls is None:
        raise DeviceModelError(f"unknown device model {name!r} (known: "
                               f"{', '.join(sorted(DEVICE_MODELS))})")
    known = [f.name for f in fields(cls)]
    for key in params:
        if key not in known:
            raise DeviceModelError(f"device model '{name}' has no parameter {key!r} "
                                   f"(known: {', '.join(known) or 'none'})")
    return cls(**params)

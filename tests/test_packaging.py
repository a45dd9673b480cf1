"""The wheel ships the device models (device_models/ is force-included)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_device_models_and_every_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
                    "-w", str(tmp_path)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("spicelearn-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in [*(ROOT / "device_models").glob("*.lib"), *(ROOT / "device_models").glob("*.va")]:
        assert f"spicelearn/device_models/{model.name}" in names
    for init in (ROOT / "spicelearn").rglob("__init__.py"):  # every package of the tree
        assert init.relative_to(ROOT).as_posix() in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_device_model_is_found_from_the_package():
    from spicelearn.devices import device_model_path

    assert device_model_path("ideal_diode.lib").read_text().startswith("* spicelearn device model")

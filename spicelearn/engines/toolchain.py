"""What the ``ngspice`` executable on ``PATH`` offers: version, KLU, OSDI.

The device benches and ``spicelearn characterize`` run ``ngspice -b`` as a
subprocess (:mod:`spicelearn.engines.transient`), apart from the in-process
libngspice the settling engine uses (whose features
:func:`spicelearn.engines._ngspice_session.features` reports). Both come from the
same package on a normal installation; ``spicelearn doctor`` shows both.

* version and KLU: from ``ngspice -v`` (``** ngspice-46 : ...``,
  ``** Compiled with KLU Direct Linear Solver``);
* OSDI: ``ngspice -b`` on a deck whose control block runs
  ``osdi /nonexistent.osdi``: an ngspice with OSDI reports that it cannot load
  the library, one without answers "no such command".
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import DeviceModelError, SimulationError
from .transient import find_ngspice

MIN_OSDI_VERSION = 43
"""First ngspice release with OSDI built in."""
SETUP_ADVICE = ("on Debian 12 run scripts/setup.sh, which installs ngspice 46 from "
                "bookworm-backports")
"""How to get an ngspice with OSDI and KLU."""
_PROBE = "osdi /nonexistent-spicelearn-probe.osdi"


@dataclass(frozen=True)
class NgspiceExecutable:
    """The ``ngspice`` on ``PATH``: its path, major version (0 if unreadable), KLU, OSDI."""

    path: Path
    version: int
    klu: bool
    osdi: bool


def _run(args: list[str], cwd: str | None = None) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, errors="replace",
                             timeout=60, check=False, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SimulationError(f"cannot run {args[0]}: {exc}") from exc
    return out.stdout + out.stderr


@lru_cache(maxsize=1)
def ngspice_executable() -> NgspiceExecutable:
    """Probe the ``ngspice`` executable (once per process).

    Raises:
        SimulationError: ngspice is not installed or cannot be run.
    """
    exe = find_ngspice()
    banner = _run([str(exe), "-v"])
    m = re.search(r"ngspice-(\d+)", banner)
    with tempfile.TemporaryDirectory(prefix="spicelearn-probe-") as work:
        deck = Path(work) / "probe.cir"
        deck.write_text(f"osdi probe\n.control\n{_PROBE}\n.endc\n.end\n")
        probe = _run([str(exe), "-b", deck.name], cwd=work).lower()
    osdi = "no such command" not in probe and "osdi" in probe
    return NgspiceExecutable(exe, int(m.group(1)) if m else 0, "klu" in banner.lower(), osdi)


def require_osdi() -> None:
    """Refuse to go on when ``ngspice`` cannot load Verilog-A models (OSDI).

    Raises:
        DeviceModelError: the executable has no OSDI (the message says what to install).
        SimulationError: ngspice is not installed.
    """
    info = ngspice_executable()
    if not info.osdi:
        raise DeviceModelError(f"ngspice {info.version or '(unknown version)'} has no OSDI, "
                               f"so it cannot run Verilog-A models: {SETUP_ADVICE}")

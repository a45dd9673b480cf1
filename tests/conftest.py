"""Shared fixtures: paths, running the CLI in-process, running ngspice on a file."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_NODE_LINE = re.compile(r"^\s+(\S+)\s+([-+]?\d[\d.]*(?:e[-+]?\d+)?)\s*$", re.IGNORECASE)


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture
def examples() -> Path:
    """The ``examples/`` folder."""
    return ROOT / "examples"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    """Run ``spicelearn ARGS`` through ``main`` in-process -> (exit status, stdout, stderr)."""
    from spicelearn.cli import main

    def run(args: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def parse_op_voltages(text: str) -> dict[str, float]:
    """Node voltages from the ``Node / Voltage`` table ngspice -b prints for ``.op``."""
    volts: dict[str, float] = {}
    inside = False
    for line in text.splitlines():
        if re.match(r"^\s*Node\s+Voltage", line):
            inside = True
            continue
        if inside and re.match(r"^\s*Source\s+Current", line):
            break
        m = _NODE_LINE.match(line) if inside else None
        if m:
            volts[m.group(1).lower()] = float(m.group(2))
    return volts


@pytest.fixture
def ngspice_op(tmp_path: Path) -> Callable[[str | Path], dict[str, float]]:
    """Run ``ngspice -b`` on a netlist (a path or its text) -> {node: V}; fails on error lines."""
    exe = shutil.which("ngspice")
    if exe is None:
        pytest.fail("ngspice is not installed (apt-get install ngspice)")

    def run(netlist: str | Path) -> dict[str, float]:
        path = Path(netlist) if isinstance(netlist, Path) else tmp_path / "deck.cir"
        if not isinstance(netlist, Path):
            path.write_text(netlist)
        # errors="replace": ngspice 39 dumps some XSPICE model vectors as raw bytes
        proc = subprocess.run([exe, "-b", str(path)], capture_output=True, text=True,
                              errors="replace", timeout=60)
        transcript = proc.stdout + proc.stderr
        errors = [ln for ln in transcript.splitlines() if re.search(r"\berror\b", ln, re.I)]
        assert proc.returncode == 0 and not errors, transcript[-2000:]
        volts = parse_op_voltages(proc.stdout)
        assert volts, f"no node voltages in ngspice output:\n{transcript[-2000:]}"
        return volts

    return run

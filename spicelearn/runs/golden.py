"""The reference netlists in ``netlists/``, rendered from the reference configs.

The reference configs ship with the package (``reference_configs/``: copies of
``examples/crossbar4x4.toml``, ``xor.toml`` and ``iris.toml``, a test keeps them
equal), so rendering works from an installed wheel. Each config renders (static
form, all inputs 0 V, nudges 0 A, initial conductances drawn from the config's
seed) to ``netlists/<name>.cir``.
Zero inputs keep the files independent of any dataset; the conductances are
what differs between seeds. Regenerate with::

    python -m spicelearn.runs.golden          # rewrite netlists/*.cir
    python -m spicelearn.runs.golden --check  # exit 1 if any file differs

A test regenerates them and compares byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..engines.sweep_form import render_sweep
from ..fileio import write_atomic
from ..netlist.render import render_netlist
from ..run_config import load_run_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(__file__).resolve().parent / "reference_configs"
"""The reference configs (package data)."""
NETLISTS = ROOT / "netlists"
"""The checkout's reference netlists (where ``regenerate`` writes by default)."""
GOLDEN = ("crossbar4x4", "xor", "iris")


def render_example(name: str, mode: str = "static", examples: Path = EXAMPLES) -> str:
    """The netlist text of ``examples/<name>.toml`` (zero inputs)."""
    circuit = load_run_config(examples / f"{name}.toml").circuit()
    return render_sweep(circuit) if mode == "sweep" else render_netlist(circuit)


def regenerate(out_dir: Path = NETLISTS, examples: Path = EXAMPLES) -> list[Path]:
    """Write every reference netlist; returns the paths written."""
    return [write_atomic(out_dir / f"{n}.cir", render_example(n, examples=examples))
            for n in GOLDEN]


def stale(out_dir: Path = NETLISTS, examples: Path = EXAMPLES) -> list[str]:
    """Names of reference netlists that are missing or differ from a fresh render."""
    out = []
    for n in GOLDEN:
        p = out_dir / f"{n}.cir"
        if not p.is_file() or p.read_bytes() != render_example(n, examples=examples).encode():
            out.append(n)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        bad = stale()
        for n in bad:
            print(f"netlists/{n}.cir is stale", file=sys.stderr)
        return 1 if bad else 0
    for p in regenerate():
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The house: imports run down the flow network → netlist → engines → learning → runs → cli,
never back up, and no module imports itself round a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "spicelearn"
LAYERS = [
    ("base", ("errors", "config", "config_messages", "fileio")),
    ("devices", ("devices", "device_models")),
    ("data", ("data",)),
    ("network", ("network",)),
    ("netlist", ("netlist",)),
    ("engines", ("engines",)),
    ("learning", ("learning",)),
    ("runs", ("runs", "run_config", "sweep", "characterization",
              "characterization_files", "doctor")),
    ("cli", ("cli",)),
]
RANK = {mod: i for i, (_, mods) in enumerate(LAYERS) for mod in mods}


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of the spicelearn modules ``path`` imports (anywhere in it)."""
    mod = _module(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out = set()
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for blk in ast.walk(tree) if isinstance(blk, ast.If)
                   and getattr(blk.test, "id", "") == "TYPE_CHECKING"
                   for stmt in blk.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: not imported at run time
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("spicelearn"):
                out.add(name)
                out.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("spicelearn"))
    return out


def _top(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def _graph() -> nx.DiGraph:
    modules = {_module(p): p for p in PKG.rglob("*.py")}
    g = nx.DiGraph()
    for mod, path in modules.items():
        g.add_node(mod)
        for name in _imports(path):
            target = name
            while target and target not in modules:
                target = target.rsplit(".", 1)[0] if "." in target else ""
            if target and target != mod:
                g.add_edge(mod, target)
    return g


def test_every_top_level_module_has_a_layer():
    tops = {p.stem if p.is_file() else p.name for p in PKG.iterdir()
            if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert tops <= set(RANK), f"modules without a layer: {sorted(tops - set(RANK))}"


def test_no_import_runs_back_up_the_flow():
    bad = []
    for a, b in _graph().edges:
        ta, tb = _top(a), _top(b)
        if ta is None or tb is None:   # the package's own __init__
            continue
        if RANK[tb] > RANK[ta]:
            bad.append(f"{a} -> {b}")
    assert not bad, "imports up the flow:\n" + "\n".join(sorted(bad))


def test_no_import_circles_between_modules():
    g = _graph()
    g.remove_nodes_from([n for n in list(g) if n.endswith("__init__") or n.count(".") == 0])
    # a package's __init__ re-exporting its modules is not a circle of code
    packages = {n for n in g if (PKG.parent / n.replace(".", "/") / "__init__.py").is_file()}
    g.remove_nodes_from(packages)
    cycles = list(nx.simple_cycles(g))
    assert not cycles, f"import circles: {cycles[:5]}"


def test_reference_configs_are_the_examples():
    """The golden netlists render from package data that must equal the examples."""
    for cfg in (PKG / "runs" / "reference_configs").glob("*.toml"):
        assert cfg.read_bytes() == (ROOT / "examples" / cfg.name).read_bytes(), cfg.name

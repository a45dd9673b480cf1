"""Fuzzing the command line with generated configs: exit 0, or exit 2 with one line and
nothing written.

Configs are the Iris example with one to three keys replaced by generated values
(wrong types, NaN, infinity, huge numbers, strings with control characters and
non-ASCII text, nested tables). Each is written as TOML and given to ``spicelearn
netlist -o OUT`` (it checks the whole config, builds the circuit and writes a
file) in-process.
"""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_config_validation import _BASE, _KEYS, _VALUES

from spicelearn.runs.rundir import _toml_value as scalar_toml


def _toml_value(v: object) -> str | None:
    """TOML for a generated value (inline tables with quoted keys); None if TOML has none."""
    if isinstance(v, list):
        items = [_toml_value(x) for x in v]
        return None if None in items else "[" + ", ".join(items) + "]"
    if isinstance(v, dict):
        items = [(json.dumps(k), _toml_value(x)) for k, x in v.items()]
        if any(x is None for _, x in items):
            return None
        return "{" + ", ".join(f"{k} = {x}" for k, x in items) + "}"
    try:
        return scalar_toml(v)  # the run folder's writer: numbers, NaN, inf, strings
    except TypeError:
        return None


def _dump(raw: dict, prefix: str = "") -> str:
    lines, tables = [], []
    for k, v in raw.items():
        if isinstance(v, dict) and k in ("network", "data", "training", "diode", "devices"):
            tables.append((k, v))
        else:
            lines.append(f"{json.dumps(k)} = {_toml_value(v)}")
    out = "\n".join(lines) + "\n"
    for k, v in tables:
        name = f"{prefix}{k}"
        out += f"[{name}]\n" + _dump(v, name + ".")
    return out


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_KEYS), _VALUES), min_size=1, max_size=3))
def test_generated_configs_exit_0_or_one_line_and_nothing_written(tmp_path_factory, run_cli,
                                                                  changes):
    raw = copy.deepcopy(_BASE)
    for path, value in changes:
        table = raw
        for k in path[:-1]:
            if not isinstance(table.get(k), dict):
                table[k] = {}
            table = table[k]
        table[path[-1]] = value
    text = _dump(raw)
    if "None" in text:  # a value TOML cannot spell
        return
    folder = tmp_path_factory.mktemp("fuzz")
    cfg = folder / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    out = folder / "out.cir"
    code, stdout, stderr = run_cli(["netlist", cfg, "-o", out])
    assert "Traceback" not in stderr
    event(f"exit {code}")
    if code == 0:
        assert out.is_file() and out.read_text().startswith("spicelearn ")
        return
    assert code == 2, (code, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spicelearn: error: "), stderr
    assert lines[0].isprintable()
    assert sorted(p.name for p in folder.iterdir()) == ["config.toml"]

"""Config validation: every bad value is one line naming the key, before anything is written.

Covers the config side of issue 12 (NaN and infinity, seeds, names that would
reach a netlist, binary files, sizes too large for memory), the single sources of
defaults and choices, the memory estimate's counts, and a hypothesis fuzz of
config dicts and TOML text.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spicelearn.config import SAFE_NAME, check
from spicelearn.data import DataConfig, resolve_data
from spicelearn.errors import ConfigError
from spicelearn.learning import TrainingConfig, resolve_training
from spicelearn.network import DiodePair, build_circuit, check_network, network_from_config
from spicelearn.network.config import DEVICE_MODELS, NETWORK_KINDS, DeviceParams, DiodeConfig
from spicelearn.network.memory import count, estimate_bytes
from spicelearn.run_config import ConfigFile, RunConfig, load_run_config, parse_run_config
from spicelearn.runs.rundir import resolve_network_table

ROOT = Path(__file__).resolve().parents[1]

IRIS = """seed = 0
[network]
name = "iris"
inputs = 4
hidden = [3]
outputs = 3
[data]
dataset = "iris"
[training]
engine = "numeric"
epochs = 1
"""


def _write(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _config(tmp_path: Path, table: str | None, line: str) -> Path:
    """IRIS with ``line`` in ``[table]`` (a new table if absent; the top level if None)."""
    text = IRIS
    if table is None:
        text = text.replace("seed = 0\n", line + "\n")
    elif f"[{table}]\n" in text:
        text = text.replace(f"[{table}]\n", f"[{table}]\n{line}\n")
    else:
        text += f"[{table}]\n{line}\n"
    return _write(tmp_path, text)


def _one_line_error(run_cli, args, *needles) -> str:
    code, stdout, stderr = run_cli(args)
    assert code == 2, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("spicelearn: error: ")
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def _nothing_written(tmp_path: Path, *keep: str) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


# -- cases of issue 12 that used to write a run folder or print a traceback --------

@pytest.mark.parametrize("table, line, key", [
    ("training", "lr = nan", "training.lr"),
    ("training", "lr = [nan]", "training.lr[0]"),
    ("training", "temperature = nan", "training.temperature"),
    ("training", "target = nan", "training.target"),
    ("network", "bias = [0.5, nan]", "network.bias[1]"),
    ("network.diode", "v_hi = nan", "network.diode.v_hi"),
    ("network", "load_resistance = nan", "network.load_resistance"),
    ("data", "scale = inf", "data.scale"),
    ("data", "noise = inf", "data.noise"),
    ("network.diode", "is = inf", "network.diode.is"),
    ("network.devices", "g_max = -inf", "network.devices.g_max"),
])
def test_nan_and_infinity_fail_before_the_run_folder(run_cli, tmp_path, table, line, key):
    cfg = _config(tmp_path, table, line)
    value = line.split("= ")[1].strip("[]").split(", ")[-1]
    msg = _one_line_error(run_cli, ["train", cfg, "--out", tmp_path / "run", "--quiet"],
                          f"config key '{key}' must be a finite number, got {value}")
    assert msg.endswith(f"got {value}")
    _nothing_written(tmp_path, "bad.toml")


@pytest.mark.parametrize("line", ["seed = -1", "seed = 4294967296", "seed = 1.5",
                                  "seed = true"])
def test_seed_must_be_an_integer_in_0_to_2_32(run_cli, tmp_path, line):
    cfg = _config(tmp_path, None, line)
    _one_line_error(run_cli, ["train", cfg, "--out", tmp_path / "run", "--quiet"],
                    "config key 'seed' must be")
    _nothing_written(tmp_path, "bad.toml")
    raw = tomllib.loads(IRIS.replace("seed = 0", "seed = 4294967295"))
    assert parse_run_config(raw).seed == 2**32 - 1


@pytest.mark.parametrize("name", [
    "a\n.control\nshell touch {pwned}\n.endc",
    "x\n.end\n",
    "r\u00e9seau",
    "tab\there",
    "",
    "n" * 81,
    "semi;colon",
])
@pytest.mark.parametrize("command", ["netlist", "train"])
def test_unsafe_network_names_are_refused(run_cli, tmp_path, name, command):
    pwned = tmp_path / "pwned"
    text = name.replace("{pwned}", str(pwned))
    cfg = _write(tmp_path, IRIS.replace('name = "iris"', f"name = {json.dumps(text)}"))
    assert tomllib.loads(cfg.read_text())["network"]["name"] == text
    out = ["-o", tmp_path / "out.cir"] if command == "netlist" else [
        "--out", tmp_path / "run", "--quiet"]
    msg = _one_line_error(run_cli, [command, cfg, *out], "config key 'network.name' must be")
    assert msg.isascii()
    if "\n" in text:
        assert ".control" in msg or ".end" in msg and "\\n" in msg
    assert not pwned.exists()
    _nothing_written(tmp_path, "bad.toml")


def test_safe_names_are_accepted(tmp_path):
    for name in ("iris", "Iris 10-10-6 (v2.1)", "a_b+c", "x" * 80):
        assert SAFE_NAME.fullmatch(name)
        raw = tomllib.loads(IRIS.replace('name = "iris"', f'name = "{name}"'))
        assert parse_run_config(raw).circuit().title.startswith(f"spicelearn {name} ")


@pytest.mark.parametrize("content", [b"seed = 0\n\x80\x81\xff[network]\n",
                                     bytes(range(256)), b"\xff\xfe\x00s\x00e\x00e\x00d"])
@pytest.mark.parametrize("command", ["netlist", "train", "validate"])
def test_binary_config_file_is_one_line(run_cli, tmp_path, content, command):
    cfg = tmp_path / "bad.toml"
    cfg.write_bytes(content)
    args = {"netlist": ["-o", tmp_path / "out.cir"],
            "train": ["--out", tmp_path / "run", "--quiet"], "validate": []}[command]
    _one_line_error(run_cli, [command, cfg, *args], "bad.toml", "not a UTF-8 text file")
    _nothing_written(tmp_path, "bad.toml")


@pytest.mark.parametrize("command", ["netlist", "train"])
def test_sizes_too_large_for_memory_fail_at_once(run_cli, tmp_path, command):
    cfg = _write(tmp_path, IRIS.replace("hidden = [3]", "hidden = [100000000]"))
    out = ["-o", tmp_path / "out.cir"] if command == "netlist" else [
        "--out", tmp_path / "run", "--quiet"]
    msg = _one_line_error(run_cli, [command, cfg, *out],
                          "network.hidden = [100000000] would need about")
    assert re.search(r"about [\d.e+]+ GB of memory \(this machine has [\d.]+ GB\)$", msg), msg
    _nothing_written(tmp_path, "bad.toml")


def test_zero_and_negative_sizes_still_fail():
    for table, key in (({"inputs": 0, "outputs": 2}, "network.inputs"),
                       ({"inputs": 2, "outputs": -1}, "network.outputs"),
                       ({"kind": "crossbar", "rows": 0, "cols": 2}, "network.rows")):
        with pytest.raises(ConfigError, match=rf"config key '{key}' must be > 0, got -?\d"):
            check_network(table)
    with pytest.raises(ConfigError, match=r"zero-size layer \(layer 1 = -2\)"):
        check_network({"inputs": 2, "hidden": [-2], "outputs": 2})


# -- the memory estimate -----------------------------------------------------------

@pytest.mark.parametrize("table", [
    {"inputs": 3, "hidden": [4, 5], "outputs": 2},
    {"inputs": 3, "hidden": [4], "outputs": 2, "differential": False, "amplifier_gain": 2.0,
     "load_resistance": 1e3, "diode": {"v_hi": 0.1, "v_lo": -0.2}},
    {"inputs": 3, "outputs": 2, "bias": []},
    {"inputs": 3, "hidden": [4], "outputs": 2, "diode": {"kind": "none", "v_hi": 1.0}},
    {"inputs": 3, "hidden": [4], "outputs": 2, "diode": {"kind": "ideal", "v_lo": -1.0}},
    {"kind": "crossbar", "rows": 3, "cols": 4},
    {"kind": "crossbar", "rows": 3, "cols": 4, "r_wire": 2.0},
    {"kind": "crossbar", "rows": 3, "cols": 4, "r_wire": 2.0, "termination": "virtual_ground"},
])
def test_counts_match_the_built_circuit(table):
    c = build_circuit(network_from_config(table, 0))
    s = count(check_network(table))
    branches = sum(1 for e in c.elements if e.kind in ("V", "E"))
    assert (s.devices, s.elements, s.nodes, s.unknowns, s.nudges, s.features) == (
        c.n_devices, len(c.elements), len(c.nodes), len(c.nodes) + branches,
        len(c.nudges), c.n_features)


def _file(text: str) -> ConfigFile:
    """The checked config without its memory check (done here with a given limit)."""
    return check(ConfigFile, tomllib.loads(text))


def test_memory_limit_names_the_key_that_is_too_large():
    cfg = _file(IRIS.replace("hidden = [3]", "hidden = [2000]"))
    need = cfg.check_memory(limit=2**40)
    assert 10 * 2**20 < need < 2**30
    with pytest.raises(ConfigError, match=r"^network.hidden = \[2000\] would need about "
                                          r"0.\d+ GB of memory \(this machine has [\d.]+ GB\)$"):
        cfg.check_memory(limit=10 * 2**20)
    xor = _file("[network]\ninputs = 2\noutputs = 2\n[data]\ndataset = 'xor'\n"
                "repeat = 10000000\n")
    with pytest.raises(ConfigError, match=r"^data.repeat = 10000000 would need about"):
        xor.check_memory(limit=2**30)
    many = _file(IRIS.replace('engine = "numeric"', "workers = 100000"))
    with pytest.raises(ConfigError, match=r"^training.workers = 100000 would need about"):
        many.check_memory(limit=2**32)


def test_memory_estimate_grows_with_samples_and_engine():
    s = count(check_network({"inputs": 64, "hidden": [100], "outputs": 10}))
    assert estimate_bytes(s, engine=None) < estimate_bytes(s, 64, "numeric") < estimate_bytes(
        s, 64, "ngspice") < estimate_bytes(s, 64, "ngspice", workers=2)
    assert estimate_bytes(s, 1000) - estimate_bytes(s, 100) == 8 * 4 * 900 * (
        s.nodes + s.devices + s.features)


# -- the Python API raises ConfigError with the same lines ----------------------------

def test_models_raise_config_errors_naming_the_key():
    with pytest.raises(ConfigError, match=r"^config key 'data.scale' must be a finite number"):
        DataConfig("iris", scale=math.nan)
    with pytest.raises(ConfigError, match=r"^config key 'training.lr\[1\]' must be > 0"):
        TrainingConfig(lr=[1e-4, -1.0])
    with pytest.raises(ConfigError, match=r"^config key 'training.epochs' must be an integer"):
        resolve_training({"epochs": "3"})
    with pytest.raises(ConfigError, match=r"^config key 'data.repeat' must be an integer, not "
                                          r"true$"):
        resolve_data({"dataset": "xor", "repeat": True})
    with pytest.raises(ConfigError, match=r"^config key 'network.diode.n' must be > 0, got 0$"):
        DiodeConfig(n=0)
    with pytest.raises(ConfigError, match=r"config key 'training.workers' must be >= 1, got 0"):
        RunConfig(0, {"inputs": 4, "outputs": 3}, {"dataset": "iris"}, {"workers": 0})
    with pytest.raises(ConfigError, match=r"^network.inputs = 3 but dataset 'iris' has 4"):
        RunConfig(0, {"inputs": 3, "outputs": 3}, {"dataset": "iris"})
    with pytest.raises(ConfigError, match=r"'training.lr' has 3 values but the network has 2"):
        RunConfig(0, {"inputs": 4, "hidden": [2], "outputs": 3}, {},
                  {"lr": [1e-4, 1e-4, 1e-4]})


def test_an_integer_is_a_number_but_not_the_other_way_round():
    t = resolve_training({"lr": 1, "beta": 2, "temperature": 1})
    assert t.lr == [1.0] and isinstance(t.beta, float) and t.cost == "cross_entropy"
    assert resolve_training({"cost": "xent"}).cost == "cross_entropy"
    with pytest.raises(ConfigError, match="'training.beta' must be a number, not '1e-5'"):
        resolve_training({"beta": "1e-5"})
    with pytest.raises(ConfigError, match="'network.differential' must be true or false, not 1"):
        check_network({"inputs": 2, "outputs": 2, "differential": 1})


def test_crossbar_and_layered_keys_do_not_mix():
    with pytest.raises(ConfigError, match=r"unknown config key 'network.diode' \(known here: "
                                          r"cols, devices, kind, name, r_term"):
        check_network({"kind": "crossbar", "rows": 2, "cols": 2, "diode": {}})
    with pytest.raises(ConfigError, match="unknown config key 'network.rows'"):
        check_network({"inputs": 2, "outputs": 2, "rows": 2})


# -- single sources of defaults and choices ----------------------------------------

def test_network_defaults_come_from_the_descriptions():
    d = DiodeConfig()
    assert d.pair() == DiodePair()
    resolved = resolve_network_table({"inputs": 2, "outputs": 2})
    assert resolved["diode"] == {"kind": "ideal", "is": 1e-14, "n": 1.0, "g_on": 1e-2,
                                 "v_smooth": 1e-3, "v_hi": 0.05, "v_lo": -0.05,
                                 "part": "custom"}
    assert resolved["devices"] == {"g_min": 1e-5, "g_max": 1e-2, "init_low": 1e-4,
                                   "init_high": 1e-3, "model": "ideal"}
    assert resolved["bias"] == [0.5, -0.5] and resolved["name"] == "layered"
    assert check_network(resolved).as_dict() == resolved
    assert list(NETWORK_KINDS) == ["layered", "crossbar"]
    assert all(issubclass(m, DeviceParams) for m in DEVICE_MODELS.values())


def _readme_defaults() -> dict[str, object]:
    """{dotted key: default} from the README's config tables (literal defaults only)."""
    text = (ROOT / "README.md").read_text()
    out: dict[str, object] = {}
    for section in ("network", "data", "training"):
        block = text.split(f"### `[{section}]`", 1)[1].split("\n\n", 2)[1]
        for row in block.splitlines()[2:]:
            cells = [c.strip() for c in row.strip("|").split("|")]
            keys = re.findall(r"`([^`]+)`", cells[0])
            quoted = "`" in cells[-1]
            values = re.findall(r"`([^`]+)`", cells[-1]) if quoted else cells[-1].split(", ")
            if len(keys) != len(values) or "\u2212" in cells[-1]:
                continue
            for k, v in zip(keys, values, strict=True):
                try:
                    out[f"{section}.{k}"] = tomllib.loads(f"v = {v}")["v"]
                except tomllib.TOMLDecodeError:
                    if quoted:
                        out[f"{section}.{k}"] = v
    return out


def _default(dotted: str) -> object:
    section, *rest = dotted.split(".")
    model = {"data": DataConfig("iris"), "training": TrainingConfig(),
             "network": check_network({"inputs": 1, "outputs": 1})}[section].as_dict()
    if section == "network" and rest[0] in ("rows", "cols", "r_wire", "termination",
                                            "r_term"):
        model = check_network({"kind": "crossbar", "rows": 1, "cols": 1}).as_dict()
    if section == "training" and rest[0].startswith("pulse_"):  # keys of pulsed programmers
        model = TrainingConfig(programmer="pulse").as_dict()
    if section == "training" and rest[0].startswith("array_"):  # keys of the array programmer
        model = TrainingConfig(programmer="array").as_dict()
    rule_of = {"eta": "omega", "subset": "omega", "clamp_conductance": "coupled",
               "order": "geqprop", "transfer_lr": "residual", "mix": "residual"}
    if section == "training" and rest[0] in rule_of:  # keys of one learning rule
        model = TrainingConfig(rule=rule_of[rest[0]]).as_dict()
    if section == "training" and rest == ["rule"]:  # resolved only when not the default
        return TrainingConfig().rule
    for k in rest:
        model = model[k]
    return model


def test_readme_tables_state_the_model_defaults():
    documented = _readme_defaults()
    assert len(documented) >= 30
    for key, value in documented.items():
        have = _default(key)
        if key == "training.lr":
            have = have[0]
        assert have == value, f"README says {key} = {value!r}, the model {have!r}"


# -- fuzz: any dict or TOML text is accepted or refused in one line ------------------

_SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-2**70,
                                                                  max_value=2**70),
    st.sampled_from([0, 1, -1, 10**400, 2**32, 1e308, -0.0, 5e-324]), st.booleans(),
    st.sampled_from([2, 3, 4, 0.5, 1e-4, 1e-3, [3], [4, 2], [0.5]]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["spice", "crossbar", "ideal", "iris", "xor", "adam", "numeric", "",
                     "a\n.end", "\x1b[31m", "r\u00e9seau"]),
)
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=4),
                    st.dictionaries(st.text(max_size=5), _SCALARS, max_size=3))
_KEYS = [
    ("seed",), ("network", "kind"), ("network", "name"), ("network", "inputs"),
    ("network", "hidden"), ("network", "outputs"), ("network", "bias"),
    ("network", "differential"), ("network", "load_resistance"), ("network", "rows"),
    ("network", "amplifier_gain"), ("network", "diode", "kind"), ("network", "diode", "is"),
    ("network", "diode", "v_hi"), ("network", "devices", "model"),
    ("network", "devices", "g_min"), ("network", "devices", "init_high"), ("network", "diode"),
    ("network", "devices"), ("network",), ("data",), ("data", "dataset"), ("data", "scale"),
    ("data", "repeat"), ("data", "noise"), ("data", "test_fraction"), ("training",),
    ("training", "lr"), ("training", "epochs"), ("training", "workers"),
    ("training", "cost"), ("training", "engine"), ("training", "target"),
    ("training", "momentum"), ("training", "beta"), ("bogus\n",), ("network", "\u00e9\x00"),
]
_BASE = tomllib.loads(IRIS)


def _assert_one_line(exc: ConfigError) -> None:
    msg = str(exc)
    assert msg and msg.isprintable() and "\n" not in msg, repr(msg)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_KEYS), _VALUES), min_size=1, max_size=3))
def test_fuzz_config_dicts(changes):
    raw = copy.deepcopy(_BASE)
    for path, value in changes:
        table = raw
        for k in path[:-1]:
            if not isinstance(table.get(k), dict):
                table[k] = {}
            table = table[k]
        table[path[-1]] = value
    try:
        rc = parse_run_config(raw)
    except ConfigError as exc:
        _assert_one_line(exc)
        return
    assert resolve_network_table(rc.network) == rc.model.network.as_dict()
    if count(rc.model.network).devices < 5000:
        assert rc.circuit().n_devices == count(rc.model.network).devices


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=60),
                 st.text(max_size=60).map(lambda t: (IRIS + t).encode("utf-8", "replace")),
                 st.sampled_from(["name", "hidden", "seed", "dataset"]).flatmap(
                     lambda k: st.text(max_size=20).map(
                         lambda v: re.sub(rf"^{k} = .*$", lambda _: f"{k} = {json.dumps(v)}", IRIS,
                                          flags=re.M).encode("utf-8")))))
def test_fuzz_config_files(tmp_path, content):
    cfg = tmp_path / "fuzz.toml"
    cfg.write_bytes(content)
    try:
        load_run_config(cfg)
    except ConfigError as exc:
        _assert_one_line(exc)

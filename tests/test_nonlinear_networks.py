"""Networks that use their nonlinearity: targets, the report's proof, validate, bad input.

The shipped examples of the generated tasks train in ngspice to the targets of
the README; their reports show diodes conducting, the ablation and the linear
baseline; ``validate`` of a trained run reports conduction and an exact gradient.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from spicelearn.data.datasets import load_dataset
from spicelearn.data.schema import resolve_data
from spicelearn.learning.baseline import linear_baseline_accuracy
from spicelearn.runs.validate import validate_run

ROOT = Path(__file__).resolve().parents[1]


def _config(tmp_path: Path, name: str, **replace: str) -> Path:
    text = (ROOT / "examples" / f"{name}.toml").read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def _train(run_cli, config: Path, out: Path) -> dict[str, float]:
    code, _, err = run_cli(["train", config, "--out", out, "-q"])
    assert code == 0, err
    rows = (out / "metrics.csv").read_text().splitlines()
    head = rows[0].split(",")
    return dict(zip(head, map(float, rows[-1].split(",")), strict=True))


def _report_numbers(report: str) -> dict[str, float]:
    """The Nonlinearity section's numbers [%] by row label."""
    out = {}
    for label, value in re.findall(r"^\| ([^|]+?) \| ([\d.]+) %", report, re.M):
        out[label] = float(value)
    return out


@pytest.mark.slow
def test_circles_train_to_95_percent_where_a_linear_model_is_at_chance(tmp_path, run_cli):
    row = _train(run_cli, ROOT / "examples" / "circles.toml", tmp_path / "run")
    assert row["test_acc"] >= 0.95
    nums = _report_numbers((tmp_path / "run" / "report.md").read_text())
    assert nums["linear baseline (logistic regression, same split and encoding)"] < 60
    assert nums["accuracy without activations (diodes taken out, settled again)"] < 70
    assert nums["conducting diodes, hidden layer 1"] >= 20


@pytest.mark.slow
def test_moons_train_to_97_percent(tmp_path, run_cli):
    row = _train(run_cli, ROOT / "examples" / "moons.toml", tmp_path / "run")
    assert row["test_acc"] >= 0.97
    nums = _report_numbers((tmp_path / "run" / "report.md").read_text())
    assert nums["conducting diodes, hidden layer 1"] >= 20
    assert nums["accuracy as trained"] > nums[
        "accuracy without activations (diodes taken out, settled again)"] + 5


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_xor_reaches_100_percent_for_every_seed(tmp_path, run_cli, seed):
    cfg = _config(tmp_path, "xor", **{"seed = 0": f"seed = {seed}"})
    assert _train(run_cli, cfg, tmp_path / "run")["test_acc"] == 1.0


def test_report_evaluate_and_validate_show_the_regime(tmp_path, run_cli):
    cfg = _config(tmp_path, "xor", **{"epochs = 40": "epochs = 12"})
    out = tmp_path / "run"
    assert _train(run_cli, cfg, out)["test_acc"] == 1.0
    report = (out / "report.md").read_text()
    assert "## Nonlinearity" in report
    nums = _report_numbers(report)
    assert nums["accuracy as trained"] == 100.0
    assert nums["linear baseline (logistic regression, same split and encoding)"] <= 75.0
    assert nums["accuracy without activations (diodes taken out, settled again)"] <= 75.0
    assert nums["conducting diodes, hidden layer 1"] >= 20

    code, stdout, err = run_cli(["evaluate", out])
    assert code == 0, err
    assert "conducting diodes" in stdout and "without activations" in stdout
    assert "linear baseline" in stdout

    result = validate_run(out, n_samples=4)
    assert result["passed"]
    assert result["grad_cosine"] >= 0.999 and result["max_abs_dv"] <= 1e-6
    assert result["conduction"]["1"] >= 0.2
    code, stdout, err = run_cli(["validate", out, "--json"])
    assert code == 0, err
    assert json.loads(stdout)["conduction"]["1"] >= 0.2


def test_linear_network_reports_no_conduction(tmp_path, run_cli):
    cfg = _config(tmp_path, "iris", **{
        'kind = "ideal"\ng_on = 1e-2\nv_smooth = 1e-3\nv_hi = 0.05\nv_lo = -0.05':
            'kind = "spice"\nis = 1e-14\nn = 1.0\nv_hi = 0.0\nv_lo = 0.0',
        "epochs = 20": "epochs = 3"})
    out = tmp_path / "run"
    _train(run_cli, cfg, out)
    nums = _report_numbers((out / "report.md").read_text())
    assert nums["conducting diodes, hidden layer 1"] == 0.0
    assert nums["accuracy as trained"] == nums[
        "accuracy without activations (diodes taken out, settled again)"]
    code, stdout, _ = run_cli(["validate", cfg])
    assert code == 0
    assert "stayed linear" in stdout


@pytest.mark.parametrize("name", ["moons", "circles", "spiral"])
def test_generated_tasks_are_seeded_split_and_scaled(name):
    a = load_dataset(resolve_data({"dataset": name, "noise": 0.1}), seed=3)
    b = load_dataset(resolve_data({"dataset": name, "noise": 0.1}), seed=3)
    c = load_dataset(resolve_data({"dataset": name, "noise": 0.1}), seed=4)
    assert (a.x_train == b.x_train).all() and not (a.x_train == c.x_train).all()
    assert len(a.y_train) + len(a.y_test) == 400
    assert abs(a.x_train).max() == pytest.approx(0.5)
    assert set(a.y_test) == set(range(a.n_classes))


def test_circles_defeat_a_linear_classifier():
    d = load_dataset(resolve_data({"dataset": "circles", "noise": 0.1}), seed=0)
    assert linear_baseline_accuracy(d.x_train, d.y_train, d.x_test, d.y_test) < 0.6


@pytest.mark.parametrize("table, message", [
    ('[network.diode]\nkind = "ideal"\nv_hi = -0.05\nv_lo = -0.1', "wrong sign"),
    ('[network.diode]\nkind = "ideal"\nv_hi = -0.05\nv_lo = 0.05', "out of order"),
    ('[network.diode]\nkind = "spice"\npart = "1n9999"', "unknown diode part '1n9999'"),
    ('[network.diode]\nkind = "spice"\npart = "1n4148"\nis = 1e-9', "choose one"),
])
def test_bad_thresholds_and_parts(tmp_path, run_cli, table, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[network]\ninputs = 2\nhidden = [3]\noutputs = 2\n' + table +
                   '\n[data]\ndataset = "xor"\n')
    out = tmp_path / "out"
    code, _, err = run_cli(["train", cfg, "--out", out])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not out.exists()


@pytest.mark.parametrize("data, message", [
    ('dataset = "moons"\nnoise = -0.1', "'data.noise' must be >= 0"),
    ('dataset = "spiral"\nsamples = 2', "needs samples >= 6 for 3 classes"),
])
def test_bad_dataset_parameters(tmp_path, run_cli, data, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[network]\ninputs = 2\nhidden = [3]\noutputs = 3\n[data]\n' + data + "\n")
    out = tmp_path / "out"
    code, _, err = run_cli(["train", cfg, "--out", out])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert not out.exists()


@pytest.mark.parametrize("devices, nonzero", [({"model": "ideal"}, False),
                                              ({"model": "yakopcic", "b_iv": 3.0}, True)])
def test_device_regime_is_measured(devices, nonzero):
    import numpy as np

    from spicelearn.engines.numeric import NumericEngine
    from spicelearn.learning.nonlinearity import check_nonlinearity
    from spicelearn.network.from_config import build_circuit, network_from_config

    c = build_circuit(network_from_config(
        {"inputs": 2, "hidden": [4], "outputs": 2, "devices": devices}, seed=0))
    rng = np.random.default_rng(0)
    x = rng.uniform(-0.5, 0.5, (40, 2))
    y = (x[:, 0] > 0).astype(int)
    check = check_nonlinearity(NumericEngine(), c, x, y, x, y)
    assert 0.05 < check.device_max_dv < 1.0
    assert check.device_model == devices["model"]
    if nonzero:  # sinh(3 V⁻¹·ΔV)/(3ΔV) − 1 ≈ (3ΔV)²/6 at the largest ΔV
        expected = np.sinh(3.0 * check.device_max_dv) / (3.0 * check.device_max_dv) - 1
        assert check.device_departure == pytest.approx(expected, rel=1e-6)
    else:
        assert check.device_departure == 0.0

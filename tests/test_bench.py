"""The settle benchmark at a tiny size: structure and agreement (not timed)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from spicelearn.cli import cli
from spicelearn.engines.bench import run_bench


def test_bench_report_structure_and_agreement():
    report = run_bench("iris", samples=6, rebuild_samples=2, alter_samples=3)
    r = report["iris"]
    assert r["n_devices"] == 172
    assert set(r["ms_per_sample"]) == {"batched", "alter_op", "rebuild", "numeric"}
    assert r["samples"] == {"batched": 6, "alter_op": 3, "rebuild": 2, "numeric": 6}
    assert r["ratio_to_batched"]["batched"] == 1.0
    assert all(v > 0 for v in r["ms_per_sample"].values())
    for k, dv in r["max_abs_dv_to_batched"].items():
        assert dv < 1e-6, k


def test_bench_cli_json():
    out = CliRunner().invoke(cli, ["bench", "settle", "--json", "--samples", "3",
                                   "--network", "iris", "--rebuild-samples", "1",
                                   "--alter-samples", "2"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["iris"]["samples"]["rebuild"] == 1


def test_bench_iris_network_is_the_example():
    """The bench carries its own copy of examples/iris.toml's network (it must run from
    an installed package); the copy builds the same circuit."""
    from pathlib import Path

    import numpy as np

    from spicelearn.engines.bench import bench_networks
    from spicelearn.network.from_config import build_circuit, network_from_config
    from spicelearn.run_config import load_run_config

    rc = load_run_config(Path(__file__).resolve().parents[1] / "examples" / "iris.toml")
    example = build_circuit(network_from_config(rc.network, rc.seed))
    bench = bench_networks("iris")["iris"]
    assert bench.devices == example.devices and np.array_equal(bench.g, example.g)
    assert bench.elements == example.elements


def test_bench_update_cli_json():
    res = CliRunner().invoke(cli, ["bench", "update", "--network", "iris", "--programmers",
                                   "ideal,pulse,spice", "--repeats", "1", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    rows = {r["programmer"]: r for r in report["rows"]}
    assert set(rows) == {"ideal", "pulse", "spice"}
    assert all(r["devices"] == 172 and r["network"] == "iris" for r in rows.values())
    assert rows["pulse"]["ratio_to_pulse"] == 1.0
    assert rows["pulse"]["pulses"] == rows["spice"]["pulses"] > 0
    assert rows["spice"]["ngspice"] > 0 and report["ngspice_startup"] > 0
    assert rows["spice"]["seconds"] > rows["pulse"]["seconds"]


def test_bench_update_bad_input_is_one_line(run_cli):
    for args, message in ((["--programmers", "ideal,teleport"], "unknown programmer(s) 'teleport'"),
                          (["--network", "moon"], "unknown update-bench network 'moon'"),
                          (["--scheme", "chirp"], "unknown pulse_scheme 'chirp'"),
                          (["--device", "ideal", "--programmers", "pulse"],
                           "does not fit the devices (ideal)")):
        code, stdout, stderr = run_cli(["bench", "update", "--network", "iris", *args])
        assert code == 2 and stdout == "", (args, stdout, stderr)
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, lines)

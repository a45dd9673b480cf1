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

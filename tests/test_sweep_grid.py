"""Sweep files expanded into cells, and the sweep input refused in one line (no Dask here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spicelearn.run_config import load_run_config
from spicelearn.runs.training import prepare
from spicelearn.sweep import load_sweep
from spicelearn.sweep.results import cell_stats, plot_name, results_csv

BASE = """
seed = 0
[network]
name = "xor"
inputs = 2
hidden = [2]
outputs = 2
[data]
dataset = "xor"
repeat = 2
[training]
epochs = 2
batch_size = 4
"""


def _sweep(tmp_path: Path, grid: str, base: str = BASE, name: str = "sweep.toml") -> Path:
    (tmp_path / "base.toml").write_text(base)
    p = tmp_path / name
    p.write_text('base = "base.toml"\n' + grid)
    return p


def test_grid_is_the_cartesian_product_then_the_zip_groups(tmp_path):
    s = load_sweep(_sweep(tmp_path, """
[grid]
seed = [0, 1]
network.hidden = [[2], [3], [4]]
[[zip]]
network.diode.v_hi = [0.02, 0.05]
network.diode.v_lo = [-0.02, -0.05]
"""))
    assert s.keys == ["seed", "network.hidden", "network.diode.v_hi", "network.diode.v_lo"]
    assert len(s.cells) == 2 * 3 * 2
    first, second, last = s.cells[0], s.cells[1], s.cells[-1]
    assert first.values == {"seed": 0, "network.hidden": [2], "network.diode.v_hi": 0.02,
                            "network.diode.v_lo": -0.02}
    assert second.values["network.diode.v_hi"] == 0.05 and second.values["seed"] == 0
    assert last.values == {"seed": 1, "network.hidden": [4], "network.diode.v_hi": 0.05,
                           "network.diode.v_lo": -0.05}
    assert len({c.id for c in s.cells}) == 12
    assert last.config["network"]["diode"]["v_lo"] == -0.05
    assert all(c.config["training"]["workers"] == 1 for c in s.cells)


def test_cell_id_is_the_run_id_train_gives_its_config(tmp_path):
    s = load_sweep(_sweep(tmp_path, "[grid]\ntraining.beta = [1e-5, 2e-5]\n"))
    (tmp_path / "cell.toml").write_text(BASE.replace("epochs = 2", "epochs = 2\nbeta = 2e-5"))
    assert s.cells[1].id == prepare(load_run_config(tmp_path / "cell.toml")).run_id
    assert s.cells[0].id != s.cells[1].id


def test_inline_base_and_nested_grid_tables(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text("[base]\n" + BASE.replace("[network]", "[base.network]")
                 .replace("[data]", "[base.data]").replace("[training]", "[base.training]")
                 + "\n[grid.network.devices]\ng_max = [1e-2, 5e-3]\n")
    s = load_sweep(p)
    assert [c.values for c in s.cells] == [{"network.devices.g_max": 1e-2},
                                           {"network.devices.g_max": 5e-3}]
    assert s.cells[1].config["network"]["devices"]["g_max"] == 5e-3


def test_a_whole_table_and_the_device_model_key_can_be_swept(tmp_path):
    s = load_sweep(_sweep(tmp_path, """
[grid]
network.devices.model = ["ideal"]
network.diode = [{kind = "none"}, {kind = "ideal", v_hi = 0.1, v_lo = -0.1}]
"""))
    assert [c.config["network"]["diode"]["kind"] for c in s.cells] == ["none", "ideal"]
    assert s.cells[0].config["network"]["devices"]["model"] == "ideal"


def test_keys_inside_a_swept_table_are_set_after_the_table(tmp_path):
    s = load_sweep(_sweep(tmp_path, """
[grid]
network.devices = [{model = "ideal", g_max = 2e-3}, {model = "ideal", g_max = 5e-3}]
[[zip]]
network.devices.g_min = [1e-6, 1e-5]
"""))
    devices = [c.config["network"]["devices"] for c in s.cells]
    assert [(d["g_min"], d["g_max"]) for d in devices] == [(1e-6, 2e-3), (1e-5, 2e-3),
                                                           (1e-6, 5e-3), (1e-5, 5e-3)]


@pytest.mark.parametrize("grid, expected", [
    ("[grid]\nnetwork.foo = [1, 2]\n",
     "sweep cell 1 of 2 (network.foo = 1): unknown config key 'network.foo'"),
    ("[grid]\nnetwork.devices.r_off = [1e5]\n",
     "sweep cell 1 of 1 (network.devices.r_off = 100000.0): unknown config key "
     "'network.devices.r_off'"),
    ("[grid]\ntraining.epochs = [2, 2.5]\n",
     "sweep cell 2 of 2 (training.epochs = 2.5): config key 'training.epochs' must be an "
     "integer, not 2.5"),
    ("[grid]\nseed = [0, \"one\"]\n",
     "sweep cell 2 of 2 (seed = \"one\"): config key 'seed' must be an integer"),
    ("", "has an empty grid"),
    ("[grid]\n", "has an empty grid"),
    ("[grid]\nseed = []\n", "grid key 'seed' has no values (an empty list)"),
    ("[grid]\nseed = 3\n", "grid key 'seed' must be a list of values, got 3"),
    ("[[zip]]\nseed = [0, 1]\nnetwork.hidden = [[2]]\n",
     "zip group 1: 'network.hidden' has 1 values but 'seed' has 2"),
    ("[grid]\nseed = [0]\n[[zip]]\nseed = [1]\n", "'seed' is swept twice"),
    ("[grid]\nseed.x = [1]\n", "cannot sweep 'seed.x': config key 'seed' is not a table"),
    ("[grid]\ntraining.workers = [1, 2]\n", "'training.workers' cannot be swept"),
    ("[grid]\nseed = [0, 0]\n", "sweep cells 1 (seed = 0) and 2 (seed = 0) are the same run"),
    ("bogus = 1\n[grid]\nseed = [0]\n", "unknown key 'bogus' in sweep file"),
])
def test_bad_sweep_files_are_refused_in_one_line(tmp_path, run_cli, grid, expected):
    p = _sweep(tmp_path, grid)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["sweep", p, "--out", out])
    assert code == 2 and stdout == ""
    assert len(stderr.splitlines()) == 1 and stderr.startswith("spicelearn: error: ")
    assert expected in stderr
    assert not out.exists()


def test_a_missing_base_is_refused(tmp_path, run_cli):
    p = tmp_path / "s.toml"
    p.write_text("[grid]\nseed = [0]\n")
    code, _, stderr = run_cli(["sweep", p, "--dry-run"])
    assert code == 2 and "has no base config" in stderr
    p.write_text('base = "nowhere.toml"\n[grid]\nseed = [0]\n')
    code, _, stderr = run_cli(["sweep", p, "--dry-run"])
    assert code == 2 and "config file not found" in stderr and "nowhere.toml" in stderr


def test_an_invalid_cell_is_found_before_anything_runs(tmp_path, run_cli):
    # only the third cell's thresholds are out of order
    p = _sweep(tmp_path, """
[grid]
network.diode.kind = ["ideal"]
network.diode.v_hi = [0.05, 0.1, -0.2]
""")
    code, _, stderr = run_cli(["sweep", p, "--out", tmp_path / "out"])
    assert code == 2 and stderr.startswith("spicelearn: error: sweep cell 3 of 3 "
                                           "(network.diode.kind = \"ideal\", "
                                           "network.diode.v_hi = -0.2): config key "
                                           "'network.diode' thresholds out of order")
    assert not (tmp_path / "out").exists()


def test_dry_run_lists_the_cells_and_writes_nothing(tmp_path, run_cli):
    p = _sweep(tmp_path, "[grid]\nseed = [0, 1]\nnetwork.hidden = [[2], [4]]\n")
    before = sorted(tmp_path.rglob("*"))
    code, stdout, stderr = run_cli(["sweep", p, "--dry-run"])
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0].endswith("4 cells over seed, network.hidden")
    ids = [c.id for c in load_sweep(p).cells]
    assert [ln.split()[:2] for ln in lines[1:]] == [[str(i + 1), cid] for i, cid in
                                                    enumerate(ids)]
    assert lines[3].endswith("seed = 1, network.hidden = [2]")
    assert sorted(tmp_path.rglob("*")) == before


def test_workers_with_scheduler_and_a_missing_out_are_refused(tmp_path, run_cli):
    p = _sweep(tmp_path, "[grid]\nseed = [0]\n")
    code, _, stderr = run_cli(["sweep", p, "--out", tmp_path / "o", "--workers", "2",
                               "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and "--workers sets the size of the local Dask cluster" in stderr
    code, _, stderr = run_cli(["sweep", p])
    assert code == 2 and "give --out DIR (or --dry-run)" in stderr
    assert not (tmp_path / "o").exists()


def test_results_table_reads_pulses_and_energy_when_metrics_hold_them(tmp_path):
    s = load_sweep(_sweep(tmp_path, "[grid]\nseed = [0]\n[[zip]]\nnetwork.hidden = [[2]]\n"
                                    "training.lr = [1e-4]\n"))
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.csv").write_text(
        "epoch,loss,train_acc,test_acc,test_loss,epoch_time,train_time,cum_train_time,"
        "pulses,cum_energy,dg_error,disturbance\n0,1,0.5,0.5,1,0.1,0,0,0,0,0,0\n"
        "1,1,0.75,1.0,1,0.2,0.1,0.1,7,2e-9,1e-6,2e-7\n2,1,0.75,0.75,1,0.2,0.1,0.3,5,3e-9,3e-6,1e-7\n")
    stats = cell_stats(run)
    assert stats["final_test_acc"] == 0.75 and stats["best_test_acc"] == 1.0
    assert stats["best_epoch"] == 1 and stats["epochs"] == 2
    assert stats["train_time_s"] == 0.3 and stats["time_per_epoch_s"] == pytest.approx(0.15)
    assert stats["pulses"] == 12 and stats["energy_J"] == 3e-9
    assert stats["dg_error_S"] == pytest.approx(2e-6) and stats["disturbance_S"] == 2e-7
    from spicelearn.sweep.results import make_row

    text = results_csv(s, [make_row(s.cells[0], run, "done", "", 4.5)])
    header, row = text.splitlines()
    assert header.startswith("cell,id,seed,network.hidden,training.lr,status,final_test_acc")
    assert row.startswith(f"1,{s.cells[0].id},0,[2],0.0001,done,0.75,1,1,0.75,2,0.3,0.15,4.5,"
                          "12,3e-09,2e-06,2e-07,")
    assert plot_name(s.axes[1]) == "test_acc_vs_network.hidden+training.lr.png"


def test_results_summarize_over_the_seeds(tmp_path):
    """results.md's "Over the seeds": per combination of the other axes, the mean and sd
    of the final test accuracy over the finished seeds and how many reached the target."""
    from spicelearn.sweep.results import make_row, seed_summary

    s = load_sweep(_sweep(tmp_path, "[grid]\nseed = [0, 1, 2]\nnetwork.hidden = [[2], [3]]\n"))
    finals = {(0, 0): 1.0, (1, 0): 0.5, (2, 0): 0.75, (0, 1): 0.25, (1, 1): 0.25}
    rows = []
    for cell in s.cells:
        final = finals.get(cell.positions)
        stats = {"final_test_acc": final, "best_test_acc": final}
        rows.append(make_row(cell, stats, "done" if final is not None else "failed", "", 1.0))
    lines = seed_summary(s, rows)
    assert lines[0].startswith("| `network.hidden` | seeds done |")
    by_hidden = {line.split(" | ")[0].strip("| "): line for line in lines[2:]}
    # [2]: 100, 50, 75 -> mean 75.0, sd 25.0; target 0.9: one of three
    assert "| 3/3 | 75.0 ± 25.0 | 75.0 | 1/3 (≥ 90 %) |" in by_hidden["[2]"]
    # [3]: 25, 25 (one failed) -> 2/3 done, none converged
    assert "| 2/3 | 25.0 ± 0.0 | 25.0 | 0/2 (≥ 90 %) |" in by_hidden["[3]"]
    assert seed_summary(load_sweep(_sweep(tmp_path, "[grid]\nnetwork.hidden = [[2]]\n",
                                          name="b.toml")), []) == []

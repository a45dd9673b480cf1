"""``spicelearn sweep`` on real Dask and ngspice: end to end on a local cluster, a failing
cell, SIGKILL and resume, an existing cluster through --scheduler, refused output folders."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spicelearn.runs.checkpoint import latest_epoch, load_checkpoint
from spicelearn.runs.rundir import read_metrics
from spicelearn.sweep import load_sweep
from spicelearn.sweep.folder import cell_dir, cell_state, hold_sweep_lock, read_record

BIN = Path(sys.executable).parent
CLI = [str(BIN / "spicelearn")]
EPOCHS = 6
BASE = f"""
seed = 0
[network]
name = "xor"
inputs = 2
hidden = [2]
outputs = 2
[data]
dataset = "xor"
repeat = 8
[training]
engine = "ngspice"
epochs = {EPOCHS}
batch_size = 2
"""
GRID = """
[grid]
seed = [0, 1]
network.hidden = [[2], [4]]
"""
EXACT = ("epoch", "loss", "train_acc", "test_acc", "test_loss")


def _write_sweep(folder: Path, grid: str = GRID) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(BASE)
    p = folder / "sweep.toml"
    p.write_text('base = "base.toml"\n' + grid)
    return p


def _sweep(*args: object, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + ["sweep", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _same_runs(spec: Path, a: Path, b: Path) -> None:
    """Every cell of ``spec`` has the same metrics and conductances in sweep folders a, b."""
    for cell in load_sweep(spec).cells:
        ra, rb = cell_dir(a, cell), cell_dir(b, cell)
        ma, mb = read_metrics(ra / "metrics.csv"), read_metrics(rb / "metrics.csv")
        assert [[r[k] for k in EXACT] for r in ma] == [[r[k] for k in EXACT] for r in mb]
        assert np.array_equal(load_checkpoint(ra).g, load_checkpoint(rb).g)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(sweep file, its output folder, the finished process) of a 4-cell sweep on 2 workers."""
    root = tmp_path_factory.mktemp("sweep")
    spec = _write_sweep(root)
    out = root / "out"
    return spec, out, _sweep(spec, "--out", out, "--workers", 2)


def test_sweep_trains_every_cell_into_a_run_folder_and_gathers_results(finished, run_cli):
    spec, out, proc = finished
    assert proc.returncode == 0, proc.stderr
    assert "4 cells, 4 done (0 before), 0 failed" in proc.stdout
    err = proc.stderr.splitlines()
    assert err[0].endswith("4 cells, 0 done before, 4 to run on a local Dask cluster of 2 "
                           "worker processes (1 thread each)")
    cells = [ln for ln in err if ln.startswith("cell ")]
    assert len(cells) == 4 and "4 done, 0 running, 0 failed" in cells[-1]
    assert not [ln for ln in err if "warning" in ln]
    sweep = load_sweep(spec)
    rows = _rows(out)
    assert [r["id"] for r in rows] == [c.id for c in sweep.cells]
    assert [(r["seed"], r["network.hidden"]) for r in rows] == [
        ("0", "[2]"), ("0", "[4]"), ("1", "[2]"), ("1", "[4]")]
    pids = set()
    for cell, row in zip(sweep.cells, rows, strict=True):
        run = cell_dir(out, cell)
        metrics = read_metrics(run / "metrics.csv")
        assert row["status"] == "done" and row["error"] == ""
        assert int(row["epochs"]) == EPOCHS == metrics[-1]["epoch"]
        assert float(row["final_test_acc"]) == metrics[-1]["test_acc"]
        assert float(row["best_test_acc"]) == max(r["test_acc"] for r in metrics)
        assert float(row["train_time_s"]) == pytest.approx(metrics[-1]["cum_train_time"],
                                                           rel=1e-5)
        assert float(row["cell_time_s"]) > float(row["train_time_s"]) > 0
        assert json.loads((run / "run.json").read_text())["run_id"] == cell.id
        pids.add(read_record(out, cell)["pid"])
        code, stdout, stderr = run_cli(["evaluate", run])
        assert code == 0, stderr
        assert f"test accuracy {100 * metrics[-1]['test_acc']:.2f} %" in stdout
    assert len(pids) == 2  # both worker processes trained cells
    md = (out / "results.md").read_text()
    assert md.count(" | done | ") == 4 and "## Time" in md
    assert "| 1 | " in md and " | 4 | 0 | " in md  # run 1: 4 cells run, 0 done before
    assert "![test_acc_vs_network.hidden](plots/test_acc_vs_network.hidden.png)" in md
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["test_acc_vs_network.hidden.png"]


def test_running_a_finished_sweep_again_skips_every_cell(finished, run_cli):
    spec, out, _ = finished
    cells = _snapshot(out / "cells")
    code, stdout, stderr = run_cli(["sweep", spec, "--out", out])
    assert code == 0, stderr
    assert "4 cells, 4 done (4 before), 0 failed" in stdout
    assert "4 cells, 4 done before, 0 to run" in stderr
    assert _snapshot(out / "cells") == cells
    assert [r["status"] for r in _rows(out)] == ["done"] * 4
    runs = json.loads((out / "timing.json").read_text())
    assert [(r["ran"], r["skipped"]) for r in runs] == [(4, 0), (0, 4)]
    assert "| 2 | " in (out / "results.md").read_text()


def test_dry_run_shows_the_state_of_each_cell(finished, run_cli):
    spec, out, _ = finished
    before = _snapshot(out)
    code, stdout, _ = run_cli(["sweep", spec, "--out", out, "--dry-run"])
    assert code == 0
    assert [ln.split()[2] for ln in stdout.splitlines()[1:]] == ["done"] * 4
    assert _snapshot(out) == before


def test_a_folder_holding_another_sweep_or_other_files_is_refused(finished, run_cli, tmp_path):
    spec, out, _ = finished
    other = _write_sweep(tmp_path / "other", GRID.replace("seed = [0, 1]", "seed = [0, 2]"))
    before = _snapshot(out)
    code, stdout, stderr = run_cli(["sweep", other, "--out", out])
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert stderr == (f"spicelearn: error: output folder {out} holds a different sweep "
                      "(4 cells, 2 of them not in this sweep); use another --out folder\n")
    assert _snapshot(out) == before
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    code, _, stderr = run_cli(["sweep", spec, "--out", foreign])
    assert code == 2 and "holds 'notes.txt' and no sweep" in stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def test_a_second_sweep_into_a_folder_in_use_is_refused(finished, run_cli):
    spec, out, _ = finished
    with hold_sweep_lock(out):
        code, _, stderr = run_cli(["sweep", spec, "--out", out])
    assert code == 2
    assert stderr == (f"spicelearn: error: output folder {out} is in use by another sweep "
                      f"(process {os.getpid()})\n")


def test_a_failing_cell_is_recorded_and_the_others_go_on(finished, tmp_path):
    spec, ref, _ = finished
    # two cells of the finished sweep (the same configs, so the same cell ids)
    part = _write_sweep(tmp_path / "part", GRID.replace("seed = [0, 1]", "seed = [1]"))
    bad = load_sweep(part).cells[0]
    out = tmp_path / "out"
    proc = _sweep(part, "--out", out, "--workers", 2, "--quiet",
                  env={"SPICELEARN_TEST_FAIL_CELL": bad.id})
    assert proc.returncode == 1
    assert proc.stderr == (f"spicelearn: 1 of 2 cells failed (errors in "
                           f"{out / 'results.md'})\n")
    assert "2 cells, 1 done (0 before), 1 failed" in proc.stdout
    rows = _rows(out)
    assert [r["status"] for r in rows] == ["failed", "done"]
    assert rows[0]["error"] == "injected failure (SPICELEARN_TEST_FAIL_CELL)"
    assert rows[0]["final_test_acc"] == "" and rows[1]["final_test_acc"] != ""
    assert "| failed |" in (out / "results.md").read_text()
    # the next run trains only the failed cell, and it ends as in the full sweep
    proc = _sweep(part, "--out", out, "--workers", 1)
    assert proc.returncode == 0, proc.stderr
    assert "2 cells, 1 done before, 1 to run" in proc.stderr
    assert [r["status"] for r in _rows(out)] == ["done"] * 2
    _same_runs(part, ref, out)


@pytest.mark.slow
def test_a_worker_process_dying_fails_only_its_cell(tmp_path):
    part = _write_sweep(tmp_path / "part", GRID.replace("seed = [0, 1]", "seed = [0]"))
    bad = load_sweep(part).cells[1]
    out = tmp_path / "out"
    proc = _sweep(part, "--out", out, "--workers", 2, "--quiet",
                  env={"SPICELEARN_TEST_FAIL_CELL": f"{bad.id}:exit"})
    assert proc.returncode == 1, proc.stderr
    assert (f"spicelearn: 1 of 2 cells failed (errors in {out / 'results.md'})"
            in proc.stderr.splitlines())
    rows = _rows(out)
    assert [r["status"] for r in rows] == ["done", "failed"]
    assert rows[1]["error"] == ("a worker process died while training this cell (each time "
                                "it was tried)")


def _live_in_group(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` that are not zombies."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            live.append(int(stat.parent.name))
    return live


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_results(finished, tmp_path):
    spec, ref, _ = finished
    sweep = load_sweep(spec)
    out = tmp_path / "out"
    proc = subprocess.Popen(CLI + ["sweep", str(spec), "--out", str(out), "--workers", "2",
                                   "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 180
    cut: dict[str, int] = {}
    try:
        while not cut:
            assert proc.poll() is None and time.time() < deadline
            for c in sweep.cells:
                ep = latest_epoch(cell_dir(out, c)) if cell_dir(out, c).is_dir() else None
                if ep is not None and 1 <= ep < EPOCHS:
                    cut[c.id] = ep
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # the worker processes notice their parent is gone and exit
        while _live_in_group(proc.pid):
            assert time.time() < deadline, _live_in_group(proc.pid)
            time.sleep(0.1)
    finally:
        for pid in _live_in_group(proc.pid):
            os.kill(pid, signal.SIGKILL)
    states = {c.id: cell_state(cell_dir(out, c), c.id, c.epochs) for c in sweep.cells}
    assert all(states[cid].status == "partial" for cid in cut)
    res = _sweep(spec, "--out", out, "--workers", 2)
    assert res.returncode == 0, res.stderr
    assert f"{len(sweep.cells) - sum(s.status == 'done' for s in states.values())} to run" \
        in res.stderr
    for cid, ep in cut.items():
        cell = next(c for c in sweep.cells if c.id == cid)
        assert read_record(out, cell)["resumed_from"] >= ep >= 1
    _same_runs(spec, ref, out)
    acc = ("final_test_acc", "best_test_acc", "best_epoch", "epochs")
    assert [[r[k] for k in acc] for r in _rows(out)] == [[r[k] for k in acc]
                                                         for r in _rows(ref)]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=15)


@pytest.mark.slow
def test_sweep_through_a_scheduler_and_two_worker_processes(finished, tmp_path):
    from distributed import Client

    spec, ref, _ = finished
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    dask = str(BIN / "dask")

    def start(name: str, *args: str) -> subprocess.Popen:
        return subprocess.Popen([dask, *args], stdout=(logs / f"{name}.out").open("w"),
                                stderr=subprocess.STDOUT, cwd=tmp_path)

    procs = [start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                   "--no-dashboard")]
    try:
        for i in (1, 2):
            procs.append(start(f"worker{i}", "worker", address, "--nthreads", "1",
                               "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                               "--name", f"w{i}"))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        out = tmp_path / "out"
        part = _write_sweep(tmp_path / "part", GRID.replace("seed = [0, 1]", "seed = [1]"))
        proc = _sweep(part, "--out", out, "--scheduler", address, "--quiet")
        assert proc.returncode == 0, proc.stderr
        assert "2 cells, 2 done (0 before), 0 failed" in proc.stdout
        # one cell on each worker process
        pids = {read_record(out, c)["pid"] for c in load_sweep(part).cells}
        assert pids == {procs[1].pid, procs[2].pid}
        _same_runs(part, ref, out)
    finally:
        _stop(procs[::-1])


@pytest.mark.slow
def test_a_scheduler_that_does_not_answer_is_reported_within_10_s(finished, run_cli, tmp_path):
    spec, _, _ = finished
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "out"
    t0 = time.perf_counter()
    code, stdout, stderr = run_cli(["sweep", spec, "--out", out, "--scheduler", address])
    took = time.perf_counter() - t0
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert stderr.startswith(f"spicelearn: error: no Dask scheduler answers at {address} "
                             "within 10 s")
    assert took < 12
    assert not out.exists()


@pytest.mark.slow
def test_bench_sweep_runs_one_then_two_workers_and_reports_the_ratio(tmp_path):
    part = _write_sweep(tmp_path / "part", GRID.replace("seed = [0, 1]", "seed = [0]"))
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("spicelearn-bench-sweep-*"))
    proc = subprocess.run(CLI + ["bench", "sweep", str(part), "--json"], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["cells"] == 2 and [run["workers"] for run in r["runs"]] == [1, 2]
    one, two = r["runs"]
    assert r["speedup_wall"] == pytest.approx(one["wall_s"] / two["wall_s"])
    assert r["speedup_cells"] == pytest.approx(one["cells_s"] / two["cells_s"])
    assert all(run["cell_time_sum_s"] > 0 for run in r["runs"])
    after = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("spicelearn-bench-sweep-*"))
    assert not after - before  # the runs' folders are removed

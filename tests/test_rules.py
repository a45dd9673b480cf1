"""Learning rules against their definitions; output clamps in both engines; bad input."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from spicelearn.engines.base import Clamp, Drives
from spicelearn.engines.ngspice import NgspiceEngine
from spicelearn.engines.numeric import NumericEngine
from spicelearn.errors import InputError
from spicelearn.learning.costs import MSE, CrossEntropy
from spicelearn.learning.eqprop import energy_gradient
from spicelearn.learning.nudging import Nudging
from spicelearn.learning.rules import (
    RULES,
    CoupledLearning,
    EqProp,
    OmegaLearning,
)
from spicelearn.learning.schema import RULES as RULE_CHOICES
from spicelearn.learning.trainer import make_engine, train
from spicelearn.run_config import load_run_config, parse_run_config
from spicelearn.runs.rundir import read_metrics
from spicelearn.runs.training import prepare

ROOT = Path(__file__).resolve().parents[1]
LINEAR = """
seed = 1
[network]
name = "lin"
inputs = 4
hidden = []
outputs = 3
[network.diode]
kind = "none"
[data]
dataset = "iris"
[training]
engine = "{engine}"
epochs = {epochs}
rule = "{rule}"
{extra}
"""


def _linear(engine: str = "numeric", rule: str = "omega", epochs: int = 1, extra: str = ""):
    return prepare(parse_run_config(tomllib.loads(LINEAR.format(
        engine=engine, rule=rule, epochs=epochs, extra=extra))))


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def _exact(engine: NumericEngine, circuit, cost, x, y) -> np.ndarray:
    """Batch-mean adjoint gradient dC/dg of the numeric engine."""
    grads = []
    for i in range(len(x)):
        free = engine.settle(circuit, x[i:i + 1])
        dl = cost.grad(free.outputs, y[i:i + 1], circuit.differential)
        grads.append(engine.adjoint_gradient(circuit, free, dl).ravel())
    return np.mean(grads, axis=0)


# -- clamps ---------------------------------------------------------------------------

def test_clamps_agree_between_engines_and_hold_the_outputs():
    circuit = load_run_config(ROOT / "examples" / "iris.toml").circuit().with_clamps()
    rng = np.random.default_rng(0)
    x = rng.uniform(-0.5, 0.5, (6, 4))
    t = rng.uniform(-0.05, 0.05, (6, len(circuit.outputs)))
    out = {}
    for cls in (NumericEngine, NgspiceEngine):
        with cls() as e:
            free = e.settle(circuit, x)
            soft = e.settle(circuit, Drives(x, clamp=Clamp(t, 1e-3)))
            stiff = e.settle(circuit, x, clamp=Clamp(t, 100.0))
            out[cls.name] = (free, soft, stiff)
            # a stiff clamp holds the outputs (to I/G); a soft one pulls them part way
            assert np.abs(stiff.outputs - t).max() < 1e-4
            d_soft = np.linalg.norm(soft.outputs - t, axis=1)
            d_free = np.linalg.norm(free.outputs - t, axis=1)
            assert np.all(d_soft < d_free)  # E + G/2·|V − t|² is minimized
            # the free phase of a clamp-ready circuit is the plain circuit's
            plain = e.settle(load_run_config(ROOT / "examples" / "iris.toml").circuit(), x)
            np.testing.assert_allclose(free.v, plain.v, atol=1e-12)
    for a, b in zip(out["numeric"], out["ngspice"], strict=True):
        np.testing.assert_allclose(a.v, b.v, atol=1e-9)


def test_clamp_bad_input():
    circuit = load_run_config(ROOT / "examples" / "iris.toml").circuit()
    x = np.zeros((2, 4))
    t = np.zeros((2, len(circuit.outputs)))
    e = NumericEngine()
    with pytest.raises(InputError, match="clamp-ready"):
        e.settle(circuit, x, clamp=Clamp(t, 1.0))
    ready = circuit.with_clamps()
    with pytest.raises(InputError, match="conductance must be a finite number > 0"):
        e.settle(ready, x, clamp=Clamp(t, 0.0))
    with pytest.raises(InputError, match="clamp targets have shape"):
        e.settle(ready, x, clamp=Clamp(t[:, :2], 1.0))


# -- rules against their definitions --------------------------------------------------

def test_coupled_learning_is_its_definition_and_aligns_with_the_gradient():
    setup = _linear(rule="coupled", extra='cost = "mse"\neta = 0.5')
    c, ds = setup.circuit, setup.dataset
    x, y = ds.x_train[:12], setup.targets(ds.y_train[:12])
    e = NumericEngine()
    rule = CoupledLearning(MSE(), 0.5, 100.0)
    step = rule.estimate(e, c, x, y)
    free = e.settle(c, x)
    p = free.outputs[:, 0::2] - free.outputs[:, 1::2]   # differential predictions
    move = 0.5 * (y - p)                                 # η(y − p), split over the pair
    target = free.outputs.copy()
    target[:, 0::2] += move
    target[:, 1::2] -= move
    clamped = e.settle(c, x, clamp=Clamp(target, 100.0))
    by_hand = (0.5 * clamped.dv**2 - 0.5 * free.dv**2) / 0.5
    np.testing.assert_allclose(step.per_sample, by_hand, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(step.grad, by_hand.mean(axis=0), rtol=1e-12, atol=1e-18)
    exact = _exact(e, c, MSE(), x, y)
    for eta in (1.0, 0.1, 0.01):
        assert _cos(CoupledLearning(MSE(), eta, 100.0).estimate(e, c, x, y).grad, exact) > 0.98


@pytest.mark.parametrize("engine_cls", [NumericEngine, NgspiceEngine])
def test_omega_gradient_equals_the_adjoint_gradient(engine_cls):
    setup = _linear()
    c, ds = setup.circuit, setup.dataset
    x, y = ds.x_train[:16], setup.targets(ds.y_train[:16])
    exact = _exact(NumericEngine(), c, setup.cost, x, y)
    with engine_cls() as e:
        for eta in (1e-6, 1e-4):
            g = OmegaLearning(setup.cost, eta).estimate(e, c, x, y).grad
            assert _cos(g, exact) >= 0.999
            np.testing.assert_allclose(g, exact, rtol=1e-6, atol=1e-9 * np.abs(exact).max())


def test_omega_subset_updates_a_fraction_and_resumes():
    setup = _linear()
    c, ds = setup.circuit, setup.dataset
    x, y = ds.x_train[:8], setup.targets(ds.y_train[:8])
    e = NumericEngine()
    full = OmegaLearning(setup.cost, 1e-5).estimate(e, c, x, y).grad
    a = OmegaLearning(setup.cost, 1e-5, subset=0.25, seed=3)
    steps = [a.estimate(e, c, x, y).grad for _ in range(3)]
    for g in steps:
        kept = g != 0
        assert kept.sum() == round(0.25 * c.n_devices)
        np.testing.assert_array_equal(g[kept], full[kept])
    assert not np.array_equal(steps[0] != 0, steps[1] != 0)
    b = OmegaLearning(setup.cost, 1e-5, subset=0.25, seed=3)
    b.estimate(e, c, x, y)
    state = b.state()
    resumed = OmegaLearning(setup.cost, 1e-5, subset=0.25, seed=3)
    resumed.load_state(state)
    np.testing.assert_array_equal(resumed.estimate(e, c, x, y).grad, steps[1])


def test_geqprop_order_1_reproduces_eqprop_and_order_2_coupled():
    raw = tomllib.loads((ROOT / "examples" / "iris.toml").read_text())
    raw["training"] |= {"epochs": 2, "engine": "numeric"}
    runs = {}
    for name, extra in (("eqprop", {}), ("geq1", {"rule": "geqprop", "order": 1}),
                        ("coupled", {"rule": "coupled", "eta": 0.5}),
                        ("geq2", {"rule": "geqprop", "order": 2, "eta": 0.5})):
        r = {**raw, "training": {**raw["training"], **extra}}
        setup = prepare(parse_run_config(r))
        with make_engine("numeric") as e:
            res = train(setup, e, progress=False)
        runs[name] = res
    keys = ("loss", "train_acc", "test_acc", "test_loss")
    for a, b in (("eqprop", "geq1"), ("coupled", "geq2")):
        np.testing.assert_array_equal(runs[a].circuit.g, runs[b].circuit.g)
        assert [[r[k] for k in keys] for r in runs[a].metrics] == \
            [[r[k] for k in keys] for r in runs[b].metrics]
    assert not np.array_equal(runs["eqprop"].circuit.g, runs["coupled"].circuit.g)


def test_eqprop_keeps_per_sample_terms():
    setup = _linear(rule="eqprop")
    c, ds = setup.circuit, setup.dataset
    x, y = ds.x_train[:5], setup.targets(ds.y_train[:5])
    step = EqProp(CrossEntropy(0.03), Nudging.centered(1e-5)).estimate(NumericEngine(), c, x, y)
    assert step.per_sample.shape == (5, c.n_devices)
    np.testing.assert_allclose(step.grad, step.per_sample.mean(axis=0))
    assert energy_gradient(np.array([[2.0]]))[0, 0] == 2.0


def test_rule_choices_come_from_the_registry():
    assert RULE_CHOICES == tuple(RULES)


# -- training and bad input -----------------------------------------------------------

def test_omega_trains_in_ngspice_and_resumes_exactly(tmp_path):
    """Ω-learning with a subset (a stateful rule) stopped after epoch 1 and resumed
    equals an uninterrupted run."""
    from spicelearn.runs.training import resume_folder, train_in_folder

    cfg = tmp_path / "o.toml"
    cfg.write_text(LINEAR.format(engine="ngspice", rule="omega", epochs=3,
                                 extra="eta = 1e-5\nsubset = 0.5\ntemperature = 0.01"))
    full, cut = tmp_path / "full", tmp_path / "cut"
    train_in_folder(cfg, full, quiet=True)

    def stop(row: dict) -> None:
        if row["epoch"] == 1:
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        train_in_folder(cfg, cut, quiet=True, on_epoch=stop)
    resume_folder(cut, quiet=True)
    fa, fb = read_metrics(full / "metrics.csv"), read_metrics(cut / "metrics.csv")
    keys = ("epoch", "loss", "test_acc", "test_loss")
    assert [[r[k] for k in keys] for r in fa] == [[r[k] for k in keys] for r in fb]
    assert fa[-1]["loss"] < 0.5 * fa[0]["loss"] and fa[-1]["test_acc"] >= 0.85   # it learns
    assert "Ω-learning (output-only readout)" in (full / "report.md").read_text()


@pytest.mark.parametrize(("network", "training", "message"), [
    ("", 'rule = "omega"', "Ω-learning needs a linear resistor network; this one has diodes"),
    ("", 'rule = "coupled"\neta = 1.5', "'training.eta' must be in (0, 1] for coupled"),
    ("", 'rule = "omega"\nsubset = 0.0', "'training.subset' must be in (0, 1]"),
    ("", 'rule = "omega"\nsubset = 1.5', "'training.subset' must be in (0, 1]"),
    ("", 'rule = "geqprop"\norder = 3', "'training.order' must be in [1, 2]"),
    ("", 'rule = "hebb"', "unknown rule 'hebb'"),
    ("", 'rule = "coupled"\nclamp_conductance = -1.0', "'training.clamp_conductance' must be > 0"),
])
def test_bad_rule_config_is_one_line(tmp_path, run_cli, network, training, message):
    raw = (ROOT / "examples" / "iris.toml").read_text()
    cfg = tmp_path / "c.toml"
    cfg.write_text(raw.replace("[training]\n", f"[training]\n{training}\n", 1))
    out = tmp_path / "run"
    code, stdout, stderr = run_cli(["train", cfg, "--out", out])
    assert code == 2 and stdout == ""
    assert stderr.startswith("spicelearn: error: ") and len(stderr.splitlines()) == 1
    assert message in stderr, stderr
    assert not out.exists()


# -- open-loop pulses: analog SGD and residual learning -------------------------------

def test_response_programmer_realizes_the_expected_open_loop_update():
    from spicelearn.devices.programmers import ResponseProgrammer
    from spicelearn.devices.registry import make_device_model

    device = make_device_model("power_response", gamma=2.0, dg_min=1e-5)
    n = 20000
    g = np.full(n, 7e-3)
    dg = np.where(np.arange(n) % 2 == 0, 3.5e-5, -3.5e-5)
    res = ResponseProgrammer().program(device, g, dg, np.random.default_rng(0))
    qp, qm = device.response(7e-3)
    assert np.all(res.count[dg > 0] >= 3) and np.all(res.count <= 4)
    assert abs(res.count.mean() - 3.5) < 0.05          # stochastic rounding, E[n] = 3.5
    # the first pulse moves by dg_min·q±(g) (a few pulses: nearly constant response)
    up, down = res.realized[dg > 0].mean(), res.realized[dg < 0].mean()
    assert up == pytest.approx(3.5e-5 * qp, rel=0.05)
    assert down == pytest.approx(-3.5e-5 * qm, rel=0.05)
    assert up < -down   # above the symmetric point potentiation is weaker: the drift


def test_residual_learning_beats_analog_sgd_and_resumes_exactly(tmp_path):
    from spicelearn.runs.training import resume_folder, train_in_folder

    runs = {}
    for rule in ("analog_sgd", "residual"):
        raw = tomllib.loads((ROOT / "examples" / f"iris_{rule}.toml").read_text())
        raw["training"] |= {"epochs": 6, "engine": "numeric"}
        from spicelearn.runs.rundir import dump_toml
        cfg = tmp_path / f"{rule}.toml"
        cfg.write_text(dump_toml(raw))
        train_in_folder(cfg, tmp_path / rule, quiet=True)
        runs[rule] = read_metrics(tmp_path / rule / "metrics.csv")
    assert runs["residual"][-1]["test_acc"] >= 0.9
    assert runs["residual"][-1]["test_acc"] > runs["analog_sgd"][-1]["test_acc"]

    def stop(row: dict) -> None:
        if row["epoch"] == 2:
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        train_in_folder(tmp_path / "residual.toml", tmp_path / "cut", quiet=True, on_epoch=stop)
    resume_folder(tmp_path / "cut", quiet=True)
    keys = ("epoch", "loss", "test_acc", "test_loss", "pulses")
    cut = read_metrics(tmp_path / "cut" / "metrics.csv")
    assert [[r[k] for k in keys] for r in cut] == [[r[k] for k in keys] for r in runs["residual"]]


@pytest.mark.parametrize(("training", "devices", "message"), [
    ({"rule": "analog_sgd", "programmer": "response"}, {"model": "power_response"},
     "set training.programmer = 'response' and training.optimizer = 'sgd'"),
    ({"rule": "residual", "optimizer": "sgd", "programmer": "pulse"},
     {"model": "power_response"},
     "set training.programmer = 'response' and training.optimizer = 'sgd'"),
    ({"rule": "residual", "optimizer": "sgd", "programmer": "response"}, {"model": "ideal"},
     "residual: the response programmer needs a response device"),
    ({"rule": "residual", "optimizer": "sgd", "programmer": "response", "mix": -1.0},
     {"model": "power_response"}, "'training.mix' must be >= 0"),
])
def test_bad_open_loop_config_is_one_line(tmp_path, run_cli, training, devices, message):
    from spicelearn.runs.rundir import dump_toml

    raw = tomllib.loads((ROOT / "examples" / "iris.toml").read_text())
    raw["training"] |= training
    raw["network"]["devices"] = devices
    cfg = tmp_path / "c.toml"
    cfg.write_text(dump_toml(raw))
    code, stdout, stderr = run_cli(["train", cfg, "--out", tmp_path / "run"])
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert message in stderr, stderr
    assert not (tmp_path / "run").exists()


def test_memristors_answer_open_loop_through_their_tables():
    """A memristor's open-loop response: n pulses through its identical-pulse table
    equal n exact pulses of its state equation; Δg_min bounds every one-pulse step;
    the symmetric point has equal up and down steps."""
    from spicelearn.devices.programmers import pulse_scheme
    from spicelearn.devices.programmers.integrate import integrate_pulse
    from spicelearn.devices.programmers.open_loop import TableResponse, response_device
    from spicelearn.devices.registry import make_device_model

    model = make_device_model("yakopcic", r_on=100.0, r_off=10e3)
    table = response_device(model)
    assert isinstance(table, TableResponse)
    scheme = pulse_scheme(model)
    lo, hi = model.state_bounds()
    x0 = np.linspace(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo), 7)
    for polarity, amp in ((1, scheme.v_up), (-1, scheme.v_down)):
        x = x0.copy()
        for _ in range(3):
            x = integrate_pulse(model, x, amp, scheme.width, scheme.rise, scheme.fall,
                                scheme.gap)[0]
        np.testing.assert_allclose(table.pulse(x0, polarity, 3), x, atol=1e-6 * (hi - lo))
    xs = np.linspace(lo, hi, 257)
    steps = np.abs(model.conductance(table.pulse(xs, 1, 1)) - model.conductance(xs))
    assert steps.max() <= table.dg_min * (1 + 1e-9)
    xs_ = table.symmetric_point()
    up = model.conductance(table.pulse(np.array([xs_]), 1, 1))[0] - model.conductance(xs_)
    down = model.conductance(xs_) - model.conductance(table.pulse(np.array([xs_]), -1, 1))[0]
    assert up == pytest.approx(down, rel=1e-2)
    with pytest.raises(Exception, match="response device"):
        response_device(make_device_model("ideal"))

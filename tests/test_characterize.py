"""Device characterization: figures of merit, default drives, ngspice runs, the files written."""

from __future__ import annotations

import numpy as np
import pytest

from spicelearn.characterization import (
    CHARACTERIZATION_FILES,
    characterize_model,
    check_out_folder,
    parse_parameters,
    write_characterization,
    write_files,
)
from spicelearn.devices import DEVICE_MODELS, make_device_model
from spicelearn.devices.bench import Bench, integrate_bench
from spicelearn.devices.characterize import (
    TRAVERSE_FRACTION,
    check_rendering,
    plan_protocol,
    up_sign,
)
from spicelearn.devices.figures_of_merit import (
    asymmetry_at,
    balanced_rows,
    fit_exponent,
    lobe_areas,
    response_table,
    step_ratio,
    symmetric_point,
)
from spicelearn.errors import DeviceModelError, RunDirError, UsageError

DYNAMIC = sorted(n for n, c in DEVICE_MODELS.items() if c.dynamic)
RUNS = [(n, "behavioural") for n in DYNAMIC] + [(n, "verilog-a") for n in DYNAMIC
                                                if DEVICE_MODELS[n].verilog_a]


# -- figures of merit -----------------------------------------------------------------

def test_lobe_areas_of_an_analytic_loop() -> None:
    """V = sin θ, I = sin θ·(1 + k(1 − cos θ)): each lobe encloses ∫ I dV = 2k/3."""
    theta = np.linspace(0.0, 2.0 * np.pi, 200_001)
    v = np.sin(theta)
    i = np.sin(theta) * (1.0 + 0.3 * (1.0 - np.cos(theta)))
    pos, neg = lobe_areas(v, i)
    assert pos == pytest.approx(0.2, rel=1e-6) and neg == pytest.approx(0.2, rel=1e-6)
    assert lobe_areas(v, 2.0 * v) == pytest.approx((0.0, 0.0), abs=1e-12)


def test_response_table_of_soft_bounds_map() -> None:
    """g ← g + a(1 − g) up, g ← g − a·g down: Δg at the step's midpoint m is
    a(1 − m)/(1 − a/2) up and a·m/(1 − a/2) down (linear in m, so interpolation is exact)."""
    a, n = 0.05, 40
    up = [0.05]
    for _ in range(n):
        up.append(up[-1] + a * (1.0 - up[-1]))
    down = [up[-1]]
    for _ in range(n):
        down.append(down[-1] - a * down[-1])
    table = response_table(np.array(up), np.array(down), 12)
    g = table[:, 0]
    assert table.shape == (12, 3) and np.all(np.diff(g) > 0)
    ok_up, ok_down = np.isfinite(table[:, 1]), np.isfinite(table[:, 2])
    assert ok_up.sum() >= 10 and ok_down.sum() >= 10
    assert np.allclose(table[ok_up, 1], a * (1 - g[ok_up]) / (1 - a / 2), rtol=1e-12)
    assert np.allclose(table[ok_down, 2], a * g[ok_down] / (1 - a / 2), rtol=1e-12)
    assert symmetric_point(table) == pytest.approx(0.5, rel=1e-9)  # 1 − g = g
    ratio, where = asymmetry_at(table, 0.3)
    assert where == 0.3 and ratio == pytest.approx(0.7 / 0.3, rel=1e-9)
    first = g[ok_up & ok_down][0]
    assert asymmetry_at(table, 0.0) == pytest.approx(((1 - first) / first, first), rel=1e-9)


def test_response_table_is_nan_where_a_polarity_never_came() -> None:
    table = response_table(np.linspace(0.0, 1.0, 11), np.linspace(1.0, 0.5, 11), 10)
    assert np.all(np.isfinite(table[:, 1]))
    assert np.all(np.isnan(table[table[:, 0] < 0.5, 2]))
    assert np.allclose(table[table[:, 0] > 0.55, 2], 0.05)
    assert symmetric_point(np.array([[1.0, 2.0, 1.0], [2.0, 3.0, 1.0]])) is None
    noisy = np.array([[1.0, 1.0, 0.95], [2.0, 1.0, 1.004], [3.0, 1.0, 0.996], [4.0, 1.0, 1.0]])
    assert symmetric_point(noisy) is None  # equal but for noise: no single point
    assert balanced_rows(noisy) == (3, 4)
    crossing = np.array([[1.0, 1.0, 1.2], [2.0, 1.0, 0.8], [3.0, 1.0, 0.8]])
    assert symmetric_point(crossing) == pytest.approx(1.5)


@pytest.mark.parametrize("nu", [-4.0, 0.0, 2.5, 12.0])
def test_fit_exponent_recovers_the_curvature(nu: float) -> None:
    p = np.linspace(0.0, 1.0, 31)
    y = p if nu == 0 else np.expm1(-nu * p) / np.expm1(-nu)
    g = 1e-3 + 4e-3 * y
    assert fit_exponent(g) == pytest.approx(nu, abs=1e-3)
    assert fit_exponent(5e-3 - 4e-3 * y) == pytest.approx(nu, abs=1e-3)  # depression alike
    assert fit_exponent(g[::-1]) == pytest.approx(-nu, abs=1e-3)  # small steps first
    assert np.isnan(fit_exponent(np.full(5, 1e-3)))


def test_step_ratio() -> None:
    assert step_ratio(np.linspace(1.0, 2.0, 11), 1.0) == pytest.approx(1.0)
    assert step_ratio(np.array([0.0, 4.0, 6.0, 7.0]), 1.0) == pytest.approx(4.0)
    assert step_ratio(np.array([7.0, 6.0, 4.0, 0.0]), -1.0) == pytest.approx(4.0)


# -- default drives -------------------------------------------------------------------

def test_up_sign_follows_each_model() -> None:
    assert up_sign(make_device_model("yakopcic"), 1.0) == 1.0
    assert up_sign(make_device_model("vteam"), 0.5) == -1.0  # negative voltage switches ON
    assert up_sign(make_device_model("pershin"), 2.5) == -1.0  # positive voltage raises R
    assert up_sign(make_device_model("stanford_pku"), 1.2) == 1.0


@pytest.mark.parametrize("name", DYNAMIC)
def test_default_pulses_traverse_most_of_the_range(name: str) -> None:
    """The numpy twin under the default drives (10 pulses): the potentiation train
    raises g across most of its range, the depression train brings it well down."""
    model = make_device_model(name)
    protocol = plan_protocol(model, pulses=10)
    g_min, g_max = model.g_range()
    span = g_max - g_min
    t_up = protocol.pulses * protocol.period
    up = integrate_bench(Bench.single(model, protocol.potentiation(), protocol.x_pulses), t_up,
                         np.array([0.0, t_up]), rtol=1e-7)
    lo, hi = model.state_bounds()
    x_top = float(np.clip(up.state[-1, 0, 0], lo, hi))
    down = integrate_bench(Bench.single(model, protocol.depression(), x_top), t_up,
                           np.array([0.0, t_up]), rtol=1e-7)
    g_start, g_top = model.conductance(np.array([protocol.x_pulses, x_top]))
    g_end = float(model.conductance(down.state[-1, 0, 0]))
    assert g_top - g_min >= 0.75 * TRAVERSE_FRACTION * span, "potentiation fell short"
    assert g_top - g_end >= 0.5 * TRAVERSE_FRACTION * span, "depression fell short"
    assert g_start - g_min <= 0.2 * span
    assert protocol.sine_amplitude > 0 and protocol.frequencies[1] > protocol.frequencies[0]


def test_given_drive_is_used_as_given() -> None:
    model = make_device_model("mms")
    p = plan_protocol(model, pulses=7, amplitude=0.6, width=2e-6, frequency=5e3)
    assert (p.pulses, p.width, p.frequency) == (7, 2e-6, 5e3)
    assert p.potentiation().v_pulse == 0.6 and p.depression().v_pulse == -0.6
    assert p.sine(5e3).amplitude == 0.6 and p.period > p.width + 2 * p.edge


@pytest.mark.parametrize(("name", "kwargs", "error", "words"), [
    ("ideal", {}, DeviceModelError, "no state equation"),
    ("yakopcic", {"pulses": 1}, UsageError, "pulse count"),
    ("yakopcic", {"pulses": -3}, UsageError, "pulse count"),
    ("yakopcic", {"pulses": 10_001}, UsageError, "pulse count"),
    ("yakopcic", {"pulses": True}, UsageError, "pulse count"),
    ("yakopcic", {"amplitude": 0.0}, UsageError, "amplitude must be"),
    ("yakopcic", {"amplitude": float("nan")}, UsageError, "amplitude must be"),
    ("yakopcic", {"width": -1e-6}, UsageError, "width must be"),
    ("yakopcic", {"frequency": float("inf")}, UsageError, "frequency must be"),
    ("stanford_pku", {"amplitude": 80.0}, DeviceModelError, "overflows"),
    ("yakopcic", {"amplitude": 1e3}, DeviceModelError, "overflows"),
    ("yakopcic", {"amplitude": 0.3}, DeviceModelError, "switching threshold"),
    ("yakopcic", {"width": 1e-12}, DeviceModelError, "less than 0.01 of its range"),
    ("yakopcic", {"width": 100.0}, DeviceModelError, "state leak"),
    ("mms", {"frequency": 1e-6}, DeviceModelError, "state leak"),
])
def test_bad_drives_are_refused(name: str, kwargs: dict, error: type, words: str) -> None:
    with pytest.raises(error) as err:
        plan_protocol(make_device_model(name), **kwargs)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_renderings_checked() -> None:
    check_rendering(make_device_model("yakopcic"), "verilog-a")
    with pytest.raises(DeviceModelError, match="no Verilog-A module"):
        check_rendering(make_device_model("soft_bounds"), "verilog-a")
    with pytest.raises(UsageError, match="unknown rendering"):
        check_rendering(make_device_model("yakopcic"), "spectre")


def test_parse_parameters() -> None:
    assert parse_parameters(["r_on=200", "r_off = 2e4"]) == {"r_on": 200.0, "r_off": 2e4}
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_parameters(["r_on"])
    with pytest.raises(UsageError, match="twice"):
        parse_parameters(["r_on=1", "r_on=2"])
    with pytest.raises(DeviceModelError, match="not a number"):
        parse_parameters(["r_on=ten"])


# -- ngspice runs ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def yakopcic_run():
    model = make_device_model("yakopcic")
    return characterize_model(model, plan_protocol(model, pulses=20))


def test_lobe_shrinks_with_frequency(yakopcic_run) -> None:
    low, high = yakopcic_run.metrics.areas
    assert 0 < high < 0.6 * low
    f1, f2 = yakopcic_run.protocol.frequencies
    assert f2 == pytest.approx(4 * f1)


def test_pulse_trains_move_g_up_then_down_as_numpy_does(yakopcic_run) -> None:
    r = yakopcic_run
    model, p = r.model, r.protocol
    assert np.all(np.diff(r.g_up) > 0) and np.all(np.diff(r.g_down) < 0)
    assert r.g_down[0] == pytest.approx(r.g_up[-1], rel=1e-6)
    t = p.period * np.arange(p.pulses + 1)
    ref = integrate_bench(Bench.single(model, p.potentiation(), p.x_pulses), t[-1], t)
    g_ref = model.conductance(ref.state[:, 0, 0])
    g_min, g_max = model.g_range()
    assert np.abs(r.g_up - g_ref).max() <= 0.01 * (g_max - g_min)
    m = r.metrics
    assert m.g_low == pytest.approx(min(r.g_up.min(), r.g_down.min()))
    assert m.range_ratio == pytest.approx(m.r_off / m.r_on) and m.range_ratio > 10
    assert m.nu_plus > 0 and m.nu_minus > 0  # Yakopcic's windows: saturating steps


def test_verilog_a_rendering_agrees_with_behavioural(yakopcic_run) -> None:
    model, p = yakopcic_run.model, yakopcic_run.protocol
    va = characterize_model(model, p, rendering="verilog-a")
    g_min, g_max = model.g_range()
    assert np.abs(va.g_up - yakopcic_run.g_up).max() <= 0.01 * (g_max - g_min)
    assert np.abs(va.g_down - yakopcic_run.g_down).max() <= 0.01 * (g_max - g_min)
    assert va.metrics.areas == pytest.approx(yakopcic_run.metrics.areas, rel=0.02)


@pytest.mark.parametrize("a", [0.0, 0.3])
def test_response_table_of_soft_bounds_matches_its_q(a: float) -> None:
    """The table read from the transient equals the model's Δg_min·q±(g), times the
    pulse time beyond the threshold over t_pulse (width + half of each edge at 1 V
    against v_th = 0.5 V), within 3 % inside the range; with an asymmetry a, the
    steps differ by (1 + a)/(1 − a) at mid-range and balance at w = a."""
    model = make_device_model("soft_bounds", asymmetry=a)
    p = plan_protocol(model, pulses=40)
    r = characterize_model(model, p)
    scale = model.dg_min * (p.width + p.edge) / model.t_pulse
    g, plus, minus = r.table.T
    q_plus, q_minus = model.response(g)
    inner = (g > model.g_min + 0.1 * (model.g_max - model.g_min)) & \
        (g < model.g_max - 0.1 * (model.g_max - model.g_min))
    for measured, q in ((plus, q_plus), (minus, q_minus)):
        ok = inner & np.isfinite(measured)
        assert ok.sum() >= 8
        assert np.allclose(measured[ok], scale * q[ok], rtol=0.03)
    span = model.g_max - model.g_min
    assert r.metrics.symmetric_point == pytest.approx(model.g_min + (1 + a) / 2 * span,
                                                      rel=0.03)
    assert r.metrics.asymmetry == pytest.approx((1 + a) / (1 - a), rel=0.03)
    assert r.metrics.asymmetry_at == pytest.approx(model.g_min + span / 2)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "rendering"), RUNS)
def test_every_model_characterizes(name: str, rendering: str) -> None:
    model = make_device_model(name)
    r = characterize_model(model, plan_protocol(model, pulses=8), rendering=rendering)
    low, high = r.metrics.areas
    assert 0 < high < low, "the lobe should shrink with frequency"
    assert r.g_up[-1] > r.g_up[0] and r.g_down[-1] < r.g_down[0]
    assert np.all(np.isfinite(r.table[:, 0])) and r.metrics.range_ratio > 1.5


# -- the files ------------------------------------------------------------------------

def test_files_written_and_folder_rules(yakopcic_run, tmp_path) -> None:
    out = tmp_path / "yak"
    paths = write_characterization(yakopcic_run, out)
    assert sorted(p.name for p in paths) == sorted(CHARACTERIZATION_FILES)
    assert sorted(p.name for p in out.iterdir()) == sorted(CHARACTERIZATION_FILES)
    n = yakopcic_run.protocol.pulses
    rows = (out / "response.csv").read_text().splitlines()
    assert rows[0] == "pulse,polarity,amplitude,time,state,g" and len(rows) == 2 * n + 2
    data = np.loadtxt(out / "response.csv", delimiter=",", skiprows=1)
    assert np.array_equal(data[:, 0], np.arange(2 * n + 1))
    assert np.allclose(data[1:n + 1, 5], yakopcic_run.g_up[1:], rtol=1e-9)
    table = np.loadtxt(out / "response_table.csv", delimiter=",", skiprows=1)
    assert table.shape == (min(20, n), 3)
    iv = np.loadtxt(out / "iv.csv", delimiter=",", skiprows=1)
    assert np.unique(iv[:, 0]) == pytest.approx(yakopcic_run.protocol.frequencies, rel=1e-9)
    for png in ("iv.png", "response.png"):
        blob = (out / png).read_bytes()
        assert blob.startswith(b"\x89PNG") and len(blob) < 100_000
    summary = (out / "summary.md").read_text()
    assert "| `r_on` | 100 | Ω |" in summary and "R_off/R_on reached" in summary

    with pytest.raises(RunDirError, match="not empty"):
        write_characterization(yakopcic_run, out)
    (out / "notes.txt").write_text("mine")
    (out / "summary.md").write_text("old")
    write_characterization(yakopcic_run, out, force=True)
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "summary.md").read_text().startswith("# Characterization of `yakopcic`")
    (out / "iv.png").unlink()
    (out / "iv.png").mkdir()
    with pytest.raises(RunDirError, match="not a regular file"):
        check_out_folder(out, True)
    with pytest.raises(RunDirError, match="not a folder"):
        check_out_folder(out / "notes.txt", True)


def test_a_failed_write_leaves_nothing(tmp_path) -> None:
    out = tmp_path / "new"
    with pytest.raises(TypeError):
        write_files(out, {"a.csv": b"1\n", "b.csv": "not bytes"}, False)  # type: ignore[dict-item]
    assert not out.exists()
    out.mkdir()
    (out / "a.csv").write_bytes(b"old\n")
    with pytest.raises(TypeError):
        write_files(out, {"a.csv": b"new\n", "b.csv": "not bytes"}, True)  # type: ignore[dict-item]
    assert sorted(p.name for p in out.iterdir()) == ["a.csv"]
    assert (out / "a.csv").read_bytes() == b"old\n"

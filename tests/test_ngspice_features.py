"""The libngspice spicelearn drives: version >= 44, KLU, OSDI, and KLU in use."""

from __future__ import annotations

import numpy as np

from spicelearn.engines._ngspice_session import features, session
from spicelearn.engines.ngspice import NgspiceEngine, default_options
from spicelearn.engines.numeric import NumericEngine
from spicelearn.netlist.render import DEFAULT_OPTIONS
from spicelearn.run_config import load_run_config


def test_libngspice_is_new_enough_with_klu_and_osdi():
    f = features()
    assert f.version >= 44, f.banner
    assert f.klu and f.osdi


def test_engine_selects_klu_and_ngspice_uses_it(examples):
    assert default_options() == {**DEFAULT_OPTIONS, "klu": ""}
    engine = NgspiceEngine()
    assert engine.options["klu"] == ""
    c = load_run_config(examples / "iris.toml").circuit()
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (20, c.n_features))
    s = session()
    mark = s.mark()
    v = engine.settle(c, x).v
    assert any("using klu" in ln.lower() for ln in s.lines_since(mark)) or \
        any("using klu" in ln.lower() for ln in s.transcript().splitlines())
    assert np.abs(v - NumericEngine().settle(c, x).v).max() < 1e-9

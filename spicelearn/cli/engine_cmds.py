"""CLI commands (registered on import)."""

from __future__ import annotations

import math

import click

from ..errors import ConfigError, UsageError
from . import cli


class _PositiveFloat(click.ParamType):
    """A finite number > 0 (click's FloatRange lets NaN and infinity through)."""

    name = "float"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            x = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not (math.isfinite(x) and x > 0):
            self.fail(f"{value!r} is not a finite number > 0", param, ctx)
        return x

# --- validate (numeric engine owner) -------------------------------------------------


@cli.command()
@click.argument("config", type=click.Path(exists=True))
@click.option("--samples", "n_samples", type=click.IntRange(min=1), default=32, show_default=True,
              help="Input samples: random (uniform in ±0.5 V) for a CONFIG, drawn from the "
                   "test split for a run folder.")
@click.option("--beta", type=_PositiveFloat(), default=1e-6, show_default=True,
              help="Centered nudging strength β [S] for the EqProp estimate.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random inputs and targets.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def validate(config: str, n_samples: int, beta: float, seed: int, as_json: bool) -> None:
    """Settle CONFIG's network in ngspice and numerically; compare voltages and gradients.

    CONFIG is a config file (initial conductances, random inputs) or a run folder
    (the trained conductances of its newest checkpoint, samples of its test
    split). Also reports the share of activation diodes that conduct. Exits with
    status 1 when a target (max |dV| <= 1e-6 V, cosine >= 0.999) is missed.

    \b
    Examples:
      spicelearn validate examples/iris.toml --samples 64 --json
      spicelearn validate runs/iris
    """
    import json as _json
    import sys as _sys
    from pathlib import Path as _Path

    from ..runs.validate import format_report, validate_config, validate_run

    if _Path(config).is_dir():
        result = validate_run(config, n_samples=n_samples, beta=beta, seed=seed)
    else:
        result = validate_config(config, n_samples=n_samples, beta=beta, seed=seed)
    click.echo(_json.dumps(result, indent=2) if as_json else format_report(result))
    if not result["passed"]:
        _sys.exit(1)


# --- end validate ----------------------------------------------------------------------


# --- bench: `spicelearn bench settle` (owned by the ngspice-engine work, issue #3) ---

@cli.group()
def bench() -> None:
    """Benchmarks (timings and ratios, not tests)."""


@bench.command("settle")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable dict.")
@click.option("--samples", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Samples for the batched and numeric engines.")
@click.option("--network", default="both", show_default=True,
              help="iris (examples/iris.toml), large (64-32-10, 4,840 devices, linear), "
                   "conducting (the same with diodes clamping at ±10 mV), or both (all three).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Also time the batched engine split over this many worker processes.")
@click.option("--rebuild-samples", type=click.IntRange(min=1), default=10, show_default=True,
              help="Samples for the per-sample PySpice rebuild baseline (slow).")
@click.option("--alter-samples", type=click.IntRange(min=1), default=50, show_default=True,
              help="Samples for the load-once alter + op approach.")
@click.option("--device", default=None, metavar="MODEL",
              help="Build the networks with this device model (spicelearn models lists "
                   "them; default: ideal resistors). A model with a Verilog-A module adds "
                   "the row batched_va (rendering = verilog-a).")
def bench_settle(as_json: bool, samples: int, network: str, workers: int,
                 rebuild_samples: int, alter_samples: int, device: str | None) -> None:
    """Time settling: PySpice rebuild, alter + op, batched ngspice sweep, numeric.

    All approaches run in this one process on the same network and samples; the
    report gives ms/sample, the ratio of each to the batched engine, and the
    largest node-voltage difference to it (speed compared at equal accuracy).

    Examples: spicelearn bench settle --network both --workers 2
              spicelearn bench settle --network large --device yakopcic
    """
    import json

    from ..engines.bench import format_report, run_bench

    report = run_bench(network, samples, rebuild_samples=rebuild_samples,
                       alter_samples=alter_samples, workers=workers, device=device)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@bench.command("update")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable dict.")
@click.option("--network", default="both", show_default=True,
              help="iris (the Iris 4-10-3 network, 172 devices), large (64-32-10, 4,840 "
                   "devices) or both.")
@click.option("--device", default="yakopcic", show_default=True, metavar="MODEL",
              help="Device model with a state equation (spicelearn models lists them).")
@click.option("--rendering", default="verilog-a", show_default=True,
              help="How the devices are rendered in the spice and array transients: "
                   "verilog-a (OSDI) or behavioural (B-sources).")
@click.option("--programmers", default="ideal,pulse,spice,array", show_default=True,
              help="Comma-separated programmers to time.")
@click.option("--scheme", default="identical", show_default=True,
              help="Pulse scheme of pulse, spice and array: identical, pwm or pam.")
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True,
              help="Timed steps per programmer (after one warm-up step); the median is shown.")
def bench_update_cmd(as_json: bool, network: str, device: str, rendering: str,
                     programmers: str, scheme: str, repeats: int) -> None:
    """Time one update step of each programmer on the Iris and the large network.

    Each device starts at a random state in the middle of its range and is asked
    for a random Δg of up to ±3 single-pulse steps; the programmers are built as
    training builds them (array: one crossbar per layer). Ratios are against the
    pulse programmer in the same process.

    Examples: spicelearn bench update
              spicelearn bench update --network iris --programmers pulse,spice --scheme pwm
    """
    import json

    from ..engines.update_bench import format_update_report, run_update_bench
    from ..learning.programmer import PROGRAMMERS
    from ..learning.schema import TrainingConfig
    from ..learning.trainer import build_programmer

    names = [p.strip() for p in programmers.split(",") if p.strip()]
    unknown = [n for n in names if n not in PROGRAMMERS]
    if not names or unknown:
        raise UsageError(f"unknown programmer(s) {', '.join(map(repr, unknown)) or 'none'} "
                         f"for --programmers (known: {', '.join(PROGRAMMERS)})")

    def build(name: str, circuit):  # noqa: ANN202 - Programmer
        try:
            cfg = TrainingConfig(programmer=name, pulse_scheme=scheme)
        except ConfigError as exc:
            raise UsageError(f"--scheme: {exc}") from None
        return build_programmer(cfg, circuit, seed=0)

    def say(msg: str) -> None:
        if not as_json:
            click.echo(f"timing {msg} ...", err=True)

    report = run_update_bench(network, device, names, build, rendering=rendering,
                              repeats=repeats, progress=say)
    click.echo(json.dumps(report, indent=2) if as_json else format_update_report(report))

# --- end of bench ---

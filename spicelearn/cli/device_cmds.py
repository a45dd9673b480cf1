"""CLI commands ``characterize``, ``models`` and ``doctor`` (registered on import)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import printable
from . import cli

_RENDERINGS = ("behavioural", "verilog-a")


@cli.command()
@click.argument("model")
@click.option("--rendering", type=click.Choice(_RENDERINGS), default="behavioural",
              show_default=True,
              help="The device as B-sources, or its Verilog-A module in ngspice (OSDI).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Set a model parameter (repeatable); 'spicelearn models' lists them.")
@click.option("--pulses", type=click.IntRange(min=2, max=10_000), default=50,
              show_default=True, help="Pulses per train (potentiation, then depression).")
@click.option("--amplitude", type=float, default=None,
              help="Pulse and sine amplitude [V], both polarities. Default: per model, "
                   "beyond its switching thresholds.")
@click.option("--width", type=float, default=None,
              help="Pulse width [s]. Default: N pulses move g across 80 % of its range.")
@click.option("--frequency", type=float, default=None,
              help="Lower sine frequency f1 [Hz] (f2 = 4 f1). Default: half a period moves "
                   "the state by 40 % of its range.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Folder to write (new or empty).")
@click.option("--force", is_flag=True,
              help="Use a non-empty --out folder: replace the characterization files, keep "
                   "everything else.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
def characterize(model: str, rendering: str, params: tuple[str, ...], pulses: int,
                 amplitude: float | None, width: float | None, frequency: float | None,
                 out: Path, force: bool, quiet: bool) -> None:
    """Characterize device MODEL in ngspice transients and write the results to --out.

    Writes iv.csv and iv.png (pinched I-V loops under a sine at two frequencies),
    response.csv and response.png (read conductance after each of N potentiation
    then N depression pulses), response_table.csv (change of g per pulse against
    g: g, dg_plus, dg_minus) and summary.md (parameters, drives, R_off/R_on
    reached, asymmetry, nonlinearity).

    \b
    Examples:
      spicelearn characterize yakopcic --out runs/yakopcic
      spicelearn characterize vteam --rendering verilog-a --pulses 30 --out runs/vteam
      spicelearn characterize mms --param r_off=3000 --amplitude 0.6 --out runs/mms
    """
    from ..characterization import parse_parameters, run_characterize

    def progress(line: str) -> None:
        if not quiet:
            click.echo(printable(line), err=True)

    result, paths = run_characterize(model, out, rendering=rendering,
                                     params=parse_parameters(params), pulses=pulses,
                                     amplitude=amplitude, width=width, frequency=frequency,
                                     force=force, progress=progress)
    m = result.metrics
    click.echo(f"{result.model.name} ({rendering}): R_off/R_on reached {m.range_ratio:.4g}, "
               f"asymmetry {m.asymmetry:.3g}, nonlinearity nu+ {m.nu_plus:.3g} / "
               f"nu- {m.nu_minus:.3g}, lobe area {m.areas[0]:.3g} W -> {m.areas[1]:.3g} W")
    click.echo(printable(f"wrote {out}: {' '.join(p.name for p in paths)}"))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON.")
def models(as_json: bool) -> None:
    """List the device models: parameters (units, defaults), source, twins.

    A config names one as network.devices.model; 'spicelearn characterize'
    takes its name and --param KEY=VALUE for its parameters.
    """
    from ..devices.catalog import model_catalog

    catalog = model_catalog()
    if as_json:
        click.echo(json.dumps([e.as_dict() for e in catalog], indent=2, ensure_ascii=False))
        return
    for k, e in enumerate(catalog):
        va = e.verilog_a or "none"
        click.echo(f"{'' if k == 0 else chr(10)}{e.name}  (Verilog-A: {va}; state equation: "
                   f"{'yes' if e.state_equation else 'no'})")
        click.echo(f"  {e.summary}")
        click.echo(f"  source: {e.source}")
        width = max(len(p.name) for p in e.parameters)
        for p in e.parameters:
            unit = f"[{p.unit}]" if p.unit else ""
            click.echo(f"  {p.name:<{width}}  {p.default:<10.6g} {unit:<11} "
                       f"{p.meaning.rstrip('.')}")


@cli.command()
def doctor() -> None:
    """Check ngspice (version, OSDI, KLU), openvaf-r, VACASK and the Python packages.

    Prints one line per item and, for anything missing, what to do. Exits with
    status 0 when everything spicelearn needs is present, 1 otherwise.
    """
    from ..doctor import all_required_present, format_checks, run_checks

    checks = run_checks()
    click.echo(format_checks(checks))
    if not all_required_present(checks):
        sys.exit(1)

"""CLI commands ``netlist`` and ``inspect`` (registered on import)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import printable
from ..fileio import write_atomic
from ..netlist import graphml_text, inspect_netlist, parse_netlist_file
from . import cli


@cli.command("netlist")
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the netlist to this file (atomically). Default: print to stdout.")
@click.option("--sweep", is_flag=True,
              help="Render the engine's sweep form (index source Vidx driving XSPICE table2d "
                   "sources that read tables/*.txt, no analysis card) instead of the static "
                   "form (DC sources, .op).")
def netlist_cmd(config: Path, output: Path | None, sweep: bool) -> None:
    """Render the network of CONFIG (a TOML run config) as a SPICE netlist.

    The static form has every input at 0 V and every nudge at 0 A and ends with
    .op, so `ngspice -b OUT.cir` solves it. Initial conductances are drawn from
    the config's seed, so the same config gives the same bytes.

    \b
    Example:
      spicelearn netlist examples/xor.toml -o /tmp/xor.cir
      spicelearn netlist examples/crossbar4x4.toml --sweep
    """
    from ..engines.sweep_form import render_sweep
    from ..netlist.render import render_netlist
    from ..run_config import load_run_config

    circuit = load_run_config(config).circuit()
    text = render_sweep(circuit) if sweep else render_netlist(circuit)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        click.echo(printable(f"wrote {output}"), err=True)


@cli.command("inspect")
@click.argument("netlist", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary as JSON (keys: nodes, elements, devices, problems, ...).")
@click.option("--graph", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the circuit graph (networkx MultiGraph) as GraphML to this file.")
@click.option("--draw", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Draw the circuit to this PNG (crossbars up to 8x8, other circuits up "
                   "to 60 nodes).")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any problem is found.")
def inspect_cmd(netlist: Path, as_json: bool, graph: Path | None, draw: Path | None,
                strict: bool) -> None:
    """Summarise a SPICE netlist and check it for problems.

    Reads NETLIST (any ngspice-dialect deck: what spicelearn writes, or your own)
    and reports element counts per kind, nodes, the programmable devices (Rw*
    resistors, or all resistors if none) with their conductance range in S, the
    sources, and problems: nodes with no DC path to ground, floating nodes,
    dangling elements, duplicate names, shorted voltage sources, undefined
    models, subcircuits or {parameters}, subcircuits that instantiate
    themselves or each other, negative or overflowing values, missing or
    looping include files, and .control commands that run programs, load
    native code or write files. Nothing in NETLIST is run.

    \b
    Example:
      spicelearn inspect netlists/crossbar4x4.cir --draw /tmp/xb.png
      spicelearn inspect my.cir --json --graph /tmp/my.graphml
    """
    net = parse_netlist_file(netlist)
    report = inspect_netlist(net)
    outputs: list[tuple[Path, str | bytes]] = []
    if graph is not None:
        outputs.append((graph, graphml_text(net)))
    if draw is not None:
        from ..netlist.draw import draw_png
        outputs.append((draw, draw_png(net)))
    for path, data in outputs:
        write_atomic(path, data)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(report.summary())
        for path, _ in outputs:
            click.echo(printable(f"wrote {path}"))
    if strict and report.problems:
        sys.exit(1)

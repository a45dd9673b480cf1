"""The ``spicelearn`` command: thin — parse, call the library, print.

Every :class:`SpicelearnError` becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import SpicelearnError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spicelearn")
def cli() -> None:
    """Train memristor circuits with Equilibrium Propagation, settled in ngspice.

    Describe a network in a TOML config, render it to a SPICE netlist, settle it
    in ngspice (checked against a numeric solver) and train it.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning spicelearn errors into one-line messages."""
    try:
        cli.main(args=argv, prog_name="spicelearn", standalone_mode=False)
    except SpicelearnError as exc:
        click.echo(f"spicelearn: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("spicelearn: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("spicelearn: interrupted", err=True)
        sys.exit(130)


from . import engine_cmds, netlist_cmds, train_cmds  # noqa: E402,F401  (register commands)

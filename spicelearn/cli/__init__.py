"""The ``spicelearn`` command: thin — parse, call the library, print.

Every failure is one line on stderr, never a traceback:

* a :class:`SpicelearnError`, an argument the parser rejects, a file-system error
  (``OSError``) or memory running out: ``spicelearn: error: ...``, exit status 2;
* Ctrl-C, also while the command is still importing: ``spicelearn: interrupted``
  (``train`` says what its run folder holds), exit status 130;
* anything else is a bug: ``spicelearn: internal error: ... (please report it)``,
  exit status 70. ``SPICELEARN_DEBUG=1`` shows its traceback instead.

Python warnings (numpy's overflow warnings, for example) are held back while a
command runs: dropped when it fails, printed one line each
(``spicelearn: warning: ...``) when it does not. Control characters in every
message are escaped.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def _exit_interrupted() -> NoReturn:
    if sys.stderr.isatty():
        sys.stderr.write("\n")  # end the terminal's ^C echo
    sys.stderr.write("spicelearn: interrupted\n")
    raise SystemExit(130)


try:
    import click

    from .. import __version__
    from ..errors import SpicelearnError, printable
except KeyboardInterrupt:
    _exit_interrupted()

INTERNAL_ERROR_STATUS = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spicelearn")
def cli() -> None:
    """Train memristor circuits with Equilibrium Propagation, settled in ngspice.

    Describe a network in a TOML config, render it to a SPICE netlist, settle it
    in ngspice (checked against a numeric solver) and train it.
    """


def _say(kind: str, message: str) -> None:
    sys.stderr.write(f"spicelearn: {kind}: {printable(message)}\n")
    sys.stderr.flush()


def _usage_message(exc: click.ClickException) -> str:
    """Click's message for a rejected command line, on one line, naming the subcommand."""
    text = " ".join(part.strip() for part in exc.format_message().splitlines() if part.strip())
    text = text[:1].lower() + text[1:].rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return text
    sub = ctx.command_path.partition(" ")[2]
    return f"{sub + ': ' if sub else ''}{text} (see '{ctx.command_path} --help')"


def _os_message(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    names = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
    return f"{names}: {reason}"


def _invoke(args: list[str]) -> int:
    """Run the command line ``args``; returns the exit status; prints at most one error line."""
    try:
        with cli.make_context("spicelearn", args) as ctx:
            cli.invoke(ctx)
        return 0
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help())
        return 2
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except click.exceptions.Abort:
        _exit_interrupted()
    except click.ClickException as exc:
        _say("error", _usage_message(exc))
        return 2
    except SpicelearnError as exc:
        _say("error", str(exc))
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except OSError as exc:
        _say("error", _os_message(exc))
        return 2
    except MemoryError:
        _say("error", "out of memory (make the network or the data set smaller)")
        return 2
    except KeyboardInterrupt:
        _exit_interrupted()
    except Exception as exc:
        if os.environ.get("SPICELEARN_DEBUG") == "1":
            raise
        _say("internal error", f"{type(exc).__name__}: {exc} (please report it; "
                               "SPICELEARN_DEBUG=1 shows the traceback)")
        return INTERNAL_ERROR_STATUS


def _silence_stdout() -> None:
    """stdout was closed by its reader (``spicelearn ... | head``): drop what is left."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; every failure becomes one line on stderr and an exit status."""
    import warnings

    args = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    with warnings.catch_warnings(record=os.environ.get("SPICELEARN_DEBUG") != "1") as caught:
        status = _invoke(args)
    if caught and status in (0, 1):
        for message in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught):
            _say("warning", message)
    if status:
        sys.exit(status)


try:
    from . import (  # noqa: E402,F401  (register commands)
        device_cmds,
        engine_cmds,
        netlist_cmds,
        sweep_cmds,
        train_cmds,
    )
except KeyboardInterrupt:
    _exit_interrupted()

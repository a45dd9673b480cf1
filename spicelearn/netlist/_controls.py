"""Control commands in a foreign netlist that reach outside the simulator.

ngspice runs the lines of a ``.control ... .endc`` block (and every line of a
file whose first line is ``*ng_script``) as commands when the netlist is loaded,
by ``ngspice -b`` and by a program embedding ngspice alike. These commands (from
the ngspice 46 command list, ``help all``) do more than simulate:

* run a program: ``shell``, ``rspice`` (rsh), ``aspice`` (another ngspice),
  ``edit`` (an editor), ``gnuplot``; a word in backquotes (the shell's output
  replaces it); ``set unixcom`` (every unknown word then runs as a shell
  command); a command read from a variable (``$cmd ...``); an ``alias`` for any
  of these;
* load native code: ``codemodel``, ``osdi`` (shared libraries);
* read and run another command file: ``source``;
* write files: ``write``, ``wrdata``, ``wrs2p``, ``hardcopy``, ``snsave``, and
  output redirection ``> file`` on commands that print.

ngspice has no ``system`` command; with ``unixcom`` set it would run as a shell
command, which the ``set unixcom`` line reveals. Each finding is one problem
line; a ``.control`` block of ordinary commands (``op``, ``print``, ``let``...)
is not a problem.
"""

from __future__ import annotations

import re

from ._lex import _short

_WHAT = {
    "shell": "runs a shell command",
    "rspice": "runs a remote simulation through rsh",
    "aspice": "starts another ngspice process",
    "edit": "runs an editor",
    "gnuplot": "runs gnuplot",
    "codemodel": "loads a shared library (native code)",
    "osdi": "loads a shared library (native code)",
    "source": "reads and runs another command file",
    "write": "writes a file",
    "wrdata": "writes a file",
    "wrs2p": "writes a file",
    "hardcopy": "writes a file",
    "snsave": "writes a file",
}
#: Commands whose ``>`` is a comparison, not a redirection.
_EXPRESSIONS = {"let", "set", "if", "while", "dowhile", "repeat", "foreach", "alter",
                "altermod", "alterparam", "meas", "measure", "compose", "define", "stop",
                "else", "end", "plot", "iplot", "asciiplot", "trace", "unlet", "unset"}
_REDIRECT = re.compile(r"(?:^|\s)>")


def command_risk(text: str) -> str | None:
    """What the control command line ``text`` does outside the simulator, or None."""
    words = text.split()
    if not words:
        return None
    cmd = words[0].lower()
    if "`" in text:
        return "runs a shell command (backquotes)"
    if cmd in _WHAT:
        return _WHAT[cmd]
    if cmd.startswith("$"):
        return "runs a command named by a variable"
    if cmd == "set" and any(w.lower().split("=", 1)[0] == "unixcom" for w in words[1:]):
        return "makes every unknown word a shell command (unixcom)"
    if cmd == "alias" and len(words) > 2:
        inner = command_risk(" ".join(words[2:]).strip("'\""))
        return f"defines alias {words[1]!r} that {inner}" if inner else None
    if cmd not in _EXPRESSIONS and _REDIRECT.search(text):
        return "writes its output to a file (>)"
    return None


def control_problems(commands: list[tuple[str, int, str]], script: bool,
                     path: str) -> list[str]:
    """One problem per risky command line (``(file, line, text)``), script files first."""
    out = []
    if script:
        out.append(f"{_short(path)}:1: the file is an ngspice command script "
                   "(*ng_script): ngspice runs every line as a command")
    for file, line, text in commands:
        risk = command_risk(text)
        if risk is not None:
            shown = text if len(text) <= 60 else text[:57] + "..."
            out.append(f"{_short(file)}:{line}: control command '{shown}' {risk}")
    return out

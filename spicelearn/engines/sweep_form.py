"""The sweep form: the netlist the ngspice engine loads once, and its table protocol.

An index source ``Vidx idx 0 DC 0`` (and ``Vtz tz 0 DC 0`` for the tables' second
axis) drives one XSPICE ``table2d`` code model per input source and per nudging
source, each reading its values from a table file, e.g.::

    AVx0p idx tz %v(x0p) tab_vx0p
    .model tab_vx0p table2d(file="TABLES/tab_vx0p.txt" order=2)
    AInudge_o0p idx tz %i(o0p) tab_inudge_o0p

The −x source of each ± input pair is a VCVS copy of the +x one
(:func:`table_drives`). A whole batch is then one ``dc vidx 0 B-1 1`` sweep:
sample i sits at ``Vidx = i``. The engine writes the table files
(:func:`format_table`) before each sweep; ``table2d`` re-reads them at the start
of every analysis, so the netlist is never rebuilt. (``table2d`` rather than
XSPICE ``pwl``: ``pwl`` limits how far its input may move per Newton iteration,
which costs about 9 iterations per sample; ``table2d`` converges in 2.) A ``%i``
output draws its value out of the node, so the engine writes the negated nudge
current.

A clamp-ready circuit (:attr:`~spicelearn.network.circuit.Circuit.clamp_ready`)
also holds ``Bclamp_<node> <node> 0 I=V(gclamp)*V(<node>)`` per output and a table
source for ``gclamp``: the clamp's conductance from every output to ground; the
clamp targets enter the nudge tables as their Norton currents. At 0 S nothing
changes.

The rest of the deck is the netlist renderer's
(:func:`spicelearn.netlist.render.render_netlist`), with these sources in place
of the circuit's own.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..netlist.render import check_circuit_text, fmt, render_netlist
from ..network.circuit import Circuit, Element, InputDrive

CLAMP_SOURCE = "Vgclamp"
"""The sweep form's table source of the output clamps' conductance [S] (node ``gclamp``)."""


def table_model_name(source: str) -> str:
    """The ``table2d`` model standing in for ``source`` in the sweep form."""
    return f"tab_{source.lower()}"


def table_file(table_dir: str, source: str) -> str:
    """Path of the table file of ``source`` (as written into the sweep form)."""
    return f"{table_dir}/{table_model_name(source)}.txt"


def table_drives(circuit: Circuit) -> dict[str, InputDrive]:
    """The input drives that get a table in the sweep form, by source name.

    The first drive of each feature does. Another grounded drive of the same
    feature whose first drive is grounded too (the −x of a ± pair) is rendered
    as a VCVS copy of it, ``E<source> p 0 a 0 k`` with k = sign / first sign, so
    a batch writes one table per feature; any other drive gets its own table.
    """
    grounded = {el.name: el.nodes[1] == "0" for el in circuit.elements}
    first: dict[int, InputDrive] = {}
    out: dict[str, InputDrive] = {}
    for d in circuit.inputs:
        f = first.setdefault(d.feature, d)
        if f is d or not (grounded[d.source] and grounded[f.source]):
            out[d.source] = d
    return out


def format_table(y: np.ndarray) -> str:
    """A ``table2d`` file holding ``y[i]`` at x = i (y axis [−1, 1], both rows equal).

    One extra point repeats the last sample: ``table2d`` needs at least two points
    per axis and reads one past the point it looks up. Values are written with
    ``repr`` so they round-trip exactly.
    """
    y = np.asarray(y, dtype=float).ravel()
    vals = np.concatenate([y, y[-1:]]) if y.size else np.zeros(2)
    row = " ".join(map(repr, vals.tolist()))
    return f"{_table_head(vals.size)}{row}\n{row}\n"


@lru_cache(maxsize=64)
def _table_head(n: int) -> str:
    """The comment, sizes and axes of an n-point table (the same for every source)."""
    return (f"* spicelearn sweep table: sample i at x = i\n{n}\n2\n"
            + " ".join(str(i) for i in range(n)) + "\n-1 1\n")




def _table_instance(el: Element, port: str, table_dir: str) -> str:
    """An XSPICE table2d instance standing in for source ``el``, plus its model line."""
    p, n = el.nodes
    model = table_model_name(el.name)
    if port == "v":
        out = f"%v({p})" if n == "0" else f"%vd({p} {n})"
    else:
        # the nudge source injects into its n node; %i draws current out of a node
        out = f"%i({n})" if p == "0" else f"%id({n} {p})"
    return (f"A{el.name} idx tz {out} {model}\n"
            f'.model {model} table2d(file="{table_file(table_dir, el.name)}" order=2)')


def render_sweep(circuit: Circuit, options: dict[str, str] | None = None,
                 table_dir: str = "tables") -> str:
    """The sweep form of ``circuit`` (module docstring), its tables in ``table_dir``.

    Raises:
        NetlistError: text that is not safe to write into a netlist, a table folder
            holding ``"``.
    """
    check_circuit_text(circuit, options, table_dir)
    drives = {d.source: d for d in circuit.inputs}
    tabled = table_drives(circuit)
    nudges = set(circuit.nudges)
    nodes_of = {el.name: el.nodes for el in circuit.elements}
    first: dict[int, InputDrive] = {}
    for d in circuit.inputs:
        first.setdefault(d.feature, d)

    def substitute(el: Element) -> str | None:
        if el.name in tabled:
            return _table_instance(el, "v", table_dir)
        if el.name in drives:  # a VCVS copy of the feature's tabled source
            d = drives[el.name]
            f = first[d.feature]
            return (f"E{el.name} {el.nodes[0]} 0 {nodes_of[f.source][0]} 0 "
                    f"{fmt(d.sign / f.sign)}")
        if el.name in nudges:
            return _table_instance(el, "i", table_dir)
        return None

    extra: list[str] = []
    if circuit.clamp_ready:
        extra += ["", "* output clamps: I = V(gclamp)*V(node) leaves each output; the engine "
                  "folds", "* the target voltages into the nudge tables (0 S: no clamp)",
                  _table_instance(Element("V", CLAMP_SOURCE, ("gclamp", "0"), 0.0), "v",
                                  table_dir)]
        extra += [f"Bclamp_{node} {node} 0 I=V(gclamp)*V({node})" for node in circuit.outputs]
    head = ["", "* sample index swept by the engine; tz is the tables' second axis",
            "Vidx idx 0 DC 0", "Vtz tz 0 DC 0"]
    return render_netlist(circuit, None, options, form="sweep", head=head,
                          substitute=substitute, extra=extra)

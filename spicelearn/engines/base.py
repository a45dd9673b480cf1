"""The interface every engine shares (design.md, principle 2).

``settle(circuit, inputs, nudges) -> Settled`` for a whole batch. Engines are
interchangeable; validation is "run two engines, compare".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..network.circuit import Circuit


@dataclass(frozen=True)
class Settled:
    """The settled operating points of a batch.

    Attributes:
        nodes: node names, the column order of ``v`` (``Circuit.nodes``).
        v: (B, n_nodes) node voltages [V].
        dv: (B, n_devices) voltage across every device, V(a) − V(b) [V], in
            device order (``Circuit.devices``).
        outputs: (B, n_outputs) output node voltages [V], in ``Circuit.outputs`` order.
    """

    nodes: tuple[str, ...]
    v: np.ndarray
    dv: np.ndarray
    outputs: np.ndarray

    @property
    def batch(self) -> int:
        return self.v.shape[0]


def make_settled(circuit: Circuit, v: np.ndarray) -> Settled:
    """Build a :class:`Settled` from (B, n_nodes) node voltages in ``circuit.nodes`` order."""
    nodes = circuit.nodes
    ia, ib, io = circuit.terminal_index
    v = np.asarray(v, dtype=float)
    B = v.shape[0]
    vg = np.concatenate([v, np.zeros((B, 1))], axis=1)  # ground is the last column
    # np.take along axis 1 is several times faster than fancy indexing here
    dv = np.take(vg, ia, axis=1) - np.take(vg, ib, axis=1)
    return Settled(nodes=nodes, v=v, dv=dv, outputs=np.take(v, io, axis=1))


def check_batch(circuit: Circuit, inputs: np.ndarray,
                nudges: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a batch before anything runs; returns float arrays.

    Raises:
        InputError: wrong shapes, NaN/inf values, nudges for a network without outputs.
    """
    x = np.asarray(inputs, dtype=float)
    if x.ndim == 1 and circuit.n_features == x.shape[0]:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != circuit.n_features or x.shape[0] == 0:
        raise InputError(
            f"inputs have shape {np.shape(inputs)}, expected (batch, {circuit.n_features})"
        )
    if not np.all(np.isfinite(x)):
        raise InputError("inputs contain NaN or infinite values")
    if nudges is None:
        return x, None
    if not circuit.nudges:
        raise InputError("nudges given for a network without outputs (nothing to nudge)")
    n = np.asarray(nudges, dtype=float)
    if n.shape != (x.shape[0], len(circuit.nudges)):
        raise InputError(
            f"nudges have shape {np.shape(nudges)}, expected ({x.shape[0]}, {len(circuit.nudges)})"
        )
    if not np.all(np.isfinite(n)):
        raise InputError("nudges contain NaN or infinite values")
    return x, n


class Engine(ABC):
    """Settles batches of a circuit. Subclasses: ngspice, numeric."""

    name: str = "engine"

    @abstractmethod
    def settle(
        self,
        circuit: Circuit,
        inputs: np.ndarray,
        nudges: np.ndarray | None = None,
        warm: Settled | None = None,
    ) -> Settled:
        """Settle a batch.

        Args:
            circuit: the circuit, with its current conductances ``circuit.g``.
            inputs: (B, n_features) input voltages [V].
            nudges: (B, n_outputs) currents injected into the output nodes [A];
                None (or zeros) is the free phase.
            warm: a previous solution of the same batch to start from, where the
                engine can use one (nudged phases start from the free phase).
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (ngspice instances, worker processes)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

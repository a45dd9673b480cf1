"""The interface every engine shares: ``settle(circuit, inputs, nudges) -> Settled``.

``settle(circuit, inputs, nudges) -> Settled`` for a whole batch. Engines are
interchangeable; validation is "run two engines, compare".
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, NetworkError, UsageError
from ..network.circuit import Circuit, check_conductances, clip_to_range


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


def check_count(value: object, what: str, minimum: int = 1) -> int:
    """``value`` as an int, if it is an integer (not a bool) of at least ``minimum``.

    Raises:
        UsageError: another type, or a value below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"{what} must be an integer, got {type(value).__name__}")
    if int(value) < minimum:
        raise UsageError(f"{what} must be at least {minimum}, got {int(value)}")
    return int(value)


def check_positive(value: object, what: str) -> float:
    """``value`` as a float, if it is a finite real number > 0.

    Raises:
        UsageError: another type, NaN, infinity, zero or a negative value.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(f"{what} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise UsageError(f"{what} must be finite and > 0, got {v!r}")
    return v


def check_circuit(circuit: object) -> Circuit:
    """``circuit`` if it is a :class:`Circuit` whose conductances fit its devices.

    Raises:
        UsageError: not a Circuit.
        NetworkError: conductances of the wrong shape, non-finite or not > 0 [S], or
            outside the device model's range (:func:`~spicelearn.network.circuit.clip_to_range`).
    """
    if not isinstance(circuit, Circuit):
        raise UsageError(f"circuit must be a spicelearn Circuit, got {type(circuit).__name__}")
    g = np.asarray(circuit.g)
    if g.shape != (circuit.n_devices,) or g.dtype.kind not in "iuf":
        raise NetworkError(f"circuit conductances have shape {g.shape} and type {g.dtype}, "
                           f"expected ({circuit.n_devices},) real numbers")
    check_conductances(g)
    clip_to_range(circuit.model, g)
    return circuit


def real_array(value: object, what: str) -> np.ndarray:
    """``value`` as a float array, if it holds real numbers only.

    Strings, booleans, complex numbers (whose imaginary part would be dropped)
    and ragged or object sequences are refused rather than converted.

    Raises:
        InputError: naming ``what`` and the offending type.
    """
    if isinstance(value, (str, bytes)):
        raise InputError(f"{what} must be an array of real numbers, got a string")
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nesting
        raise InputError(f"{what} must be a rectangular array of real numbers ({exc})") from None
    if a.dtype.kind == "c":
        raise InputError(f"{what} are complex; voltages and currents must be real numbers")
    if a.dtype.kind not in "iuf":
        kind = "text" if a.dtype.kind in "US" else str(a.dtype)
        raise InputError(f"{what} must be real numbers, got {kind} values")
    return a.astype(float, copy=False)


def check_batch(circuit: Circuit, inputs: np.ndarray,
                nudges: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a batch before anything runs; returns float arrays.

    Raises:
        UsageError: ``circuit`` is not a Circuit.
        NetworkError: the circuit's conductances are invalid.
        InputError: inputs or nudges of the wrong type (strings, complex numbers, ...)
            or shape, NaN/inf values, nudges for a network without outputs.
    """
    check_circuit(circuit)
    x = real_array(inputs, "inputs")
    if x.ndim == 1 and circuit.n_features == x.shape[0]:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != circuit.n_features or x.shape[0] == 0:
        raise InputError(
            f"inputs have shape {np.shape(x)}, expected (batch, {circuit.n_features})"
        )
    if not np.all(np.isfinite(x)):
        raise InputError("inputs contain NaN or infinite values")
    if nudges is None:
        return x, None
    if not circuit.nudges:
        raise InputError("nudges given for a network without outputs (nothing to nudge)")
    n = real_array(nudges, "nudges")
    if n.shape != (x.shape[0], len(circuit.nudges)):
        raise InputError(
            f"nudges have shape {np.shape(n)}, expected ({x.shape[0]}, {len(circuit.nudges)})"
        )
    if not np.all(np.isfinite(n)):
        raise InputError("nudges contain NaN or infinite values")
    return x, n


def check_warm(warm: object, circuit: Circuit, batch: int) -> Settled | None:
    """``warm`` if it is None or a :class:`Settled` of ``batch`` samples of ``circuit``.

    Raises:
        UsageError: not a Settled.
        InputError: node voltages [V] that are not real and finite or not of shape
            (batch, n_nodes).
    """
    if warm is None:
        return None
    if not isinstance(warm, Settled):
        raise UsageError(f"warm must be a Settled (or None), got {type(warm).__name__}")
    v = real_array(warm.v, "warm start voltages")
    if v.shape != (batch, len(circuit.nodes)):
        raise InputError(
            f"warm start has shape {v.shape}, expected ({batch}, {len(circuit.nodes)})")
    if not np.all(np.isfinite(v)):
        raise InputError("warm start contains NaN or infinite values")
    return warm


@dataclass(frozen=True)
class Clamp:
    """Output clamps of one phase: every output pulled towards a target voltage.

    Each output node is connected through ``conductance`` [S] to its target
    ``targets`` (B, n_outputs) [V] (in :attr:`Circuit.outputs` order): a current
    ``conductance·(target − V)`` flows into it. A large conductance (against the
    devices' conductances) holds the output at its target, as a voltage source
    would, to within ``I_out/conductance``. The circuit must be
    :meth:`~spicelearn.network.circuit.Circuit.with_clamps`.
    """

    targets: np.ndarray
    conductance: float


@dataclass(frozen=True)
class Drives:
    """What drives one settle: inputs (B, n_features) [V], nudge currents
    (B, n_outputs) [A] injected into the outputs (None: none) and output clamps
    (None: free outputs)."""

    inputs: np.ndarray
    nudges: np.ndarray | None = None
    clamp: Clamp | None = None


def check_drives(circuit: Circuit, inputs: np.ndarray | Drives, nudges: np.ndarray | None,
                 clamp: Clamp | None) -> tuple[np.ndarray, np.ndarray | None, float | None]:
    """Validate a settle's drives; (inputs (B, n_features), currents into the outputs
    (B, n_outputs) or None, clamp conductance or None).

    The clamp is folded into the currents as its Norton equivalent: the target
    voltages times the conductance are injected, and the engine adds the
    conductance from each output to ground.

    Raises:
        UsageError: a Drives together with separate nudges or clamp, a clamp that is
            not a :class:`Clamp`.
        InputError: as :func:`check_batch`; clamp targets of the wrong shape or not
            finite, a conductance that is not finite and > 0, a clamp on a circuit
            that is not clamp-ready.
    """
    if isinstance(inputs, Drives):
        if nudges is not None or clamp is not None:
            raise UsageError("give the nudges and the clamp inside the Drives, not beside it")
        inputs, nudges, clamp = inputs.inputs, inputs.nudges, inputs.clamp
    x, n = check_batch(circuit, inputs, nudges)
    if clamp is None:
        return x, n, None
    if not isinstance(clamp, Clamp):
        raise UsageError(f"clamp must be a Clamp (or None), got {type(clamp).__name__}")
    if not circuit.clamp_ready:
        raise InputError("clamps need a clamp-ready circuit (circuit.with_clamps())")
    gc = clamp.conductance
    if isinstance(gc, bool) or not isinstance(gc, int | float) or not (np.isfinite(gc)
                                                                       and gc > 0):
        raise InputError(f"clamp conductance must be a finite number > 0 S, got {gc!r}")
    t = real_array(clamp.targets, "clamp targets")
    if t.shape != (x.shape[0], len(circuit.outputs)):
        raise InputError(f"clamp targets have shape {t.shape}, expected "
                         f"({x.shape[0]}, {len(circuit.outputs)})")
    if not np.all(np.isfinite(t)):
        raise InputError("clamp targets contain NaN or infinite values")
    injected = float(gc) * t
    return x, injected if n is None else n + injected, float(gc)


class Engine(ABC):
    """Settles batches of a circuit. Subclasses: ngspice, numeric."""

    name: str = "engine"

    @abstractmethod
    def settle(
        self,
        circuit: Circuit,
        inputs: np.ndarray | Drives,
        nudges: np.ndarray | None = None,
        warm: Settled | None = None,
        clamp: Clamp | None = None,
    ) -> Settled:
        """Settle a batch.

        Args:
            circuit: the circuit, with its current conductances ``circuit.g``.
            inputs: (B, n_features) input voltages [V], or a :class:`Drives`
                holding them with the nudges and the clamp.
            nudges: (B, n_outputs) currents injected into the output nodes [A];
                None (or zeros) is the free phase.
            warm: a previous solution of the same batch to start from, where the
                engine can use one (nudged phases start from the free phase).
            clamp: output clamps (:class:`Clamp`); the circuit must be clamp-ready.
                A clamped phase is one batch like any other (one ngspice sweep,
                the same rows of the numeric system plus the clamp conductances).
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (ngspice instances, worker processes)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

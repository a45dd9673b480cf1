"""Learning rules: settled phases → a gradient estimate → a desired Δg per device.

A :class:`LearningRule` settles whatever phases it needs for a mini-batch and
returns the batch-averaged estimate of ∂L/∂g (n_devices,); the optimizer turns it
into the desired change ``Δg = −η ∂L/∂g`` (optimizers.py) and a programmer
realizes that change on the devices (programmer.py).

:class:`EqProp` (Scellier & Bengio 2017; on resistive circuits Kendall et al.
2020): with nudges (β1, β2) — positive (0, β),
negative (−β, 0) or centered (−β, +β) — and the energy derivative
``∂E/∂g = H(ΔV)`` of each device (the co-content derivative of its model,
``½ ΔV²`` for an ohmic device; eqprop.py),

    ∂L/∂g ≈ [H(ΔV(s_β2)) − H(ΔV(s_β1))] / (β2 − β1),

averaged over the batch. The nudging currents ``I = −β ∂C/∂V`` come from the
cost (costs.py) at the free-phase outputs.

:class:`CoupledLearning` (Stern, Hexner, Rocks, Liu, PRX 11, 021045, 2021): a free
phase, then a clamped phase with every output held (through a stiff clamp
conductance) at ``V_C = V_F − η κ ∂C/∂V(V_F)`` — for MSE (κ = 1 V²) on a
single-ended output ``V_F + η(y − V_F)``, a step of η of the way to the target;
for cross-entropy at temperature T, κ = T², a step of η·T·(one-hot − softmax) —
and

    ∂L/∂g ≈ [H(ΔV(s_C)) − H(ΔV(s_F))] / η,

so that plain SGD gives Stern's ``Δg = (α/η)·½[ΔV_F² − ΔV_C²]``.

:class:`GeneralizedEqProp` (Lin, Desai, Barrows, Caravelli, arXiv 2602.03546): the
family of nudges of order k whose estimate is the difference of the energy's
derivative between the nudged and the free state, normalized by the nudge; its
members k = 1 (a current nudge of strength β: EqProp) and k = 2 (a clamped
displacement η of the outputs: coupled learning) are implemented by the two
rules above, so each limit is reproduced exactly.

:class:`OmegaLearning` (the analytic Ω-gradient of the same paper, in its
hardware recipe with output-only readout) for linear resistor networks: a free
phase (only the outputs are read to form the error), then an error phase with the
inputs and biases off and the error currents ``ε = η ∂C/∂V(V_F)`` injected into the
outputs; each device combines its own two voltages (or currents ``i = g·ΔV``):

    ∂L/∂g = −ΔV_F·ΔV_ε / η   (= −i_F·i_ε / (η g²)),

which on a linear reciprocal network is the exact gradient (the error phase is the
adjoint solve). The circuit's bias sources cannot be switched off, so the error
phase is the difference of a settle with ε and one without (superposition; one
batch of B + 1 samples). Optionally only a random ``subset`` of the devices is
updated per step (the others get 0), drawn from the run seed and the step count,
which the rule keeps as its state (checkpointed).

:class:`AnalogSGD` and :class:`ResidualLearning` (Wu, Xiao, Gokmen, Fagbohungbe,
Chen, arXiv 2502.06309) train response devices (a pulse moves g by Δg_min·q±(g))
through open-loop pulses (the ``response`` programmer). Analog SGD takes the
EqProp gradient and asks for ``Δg = −α ∂L/∂g`` (the ``sgd`` optimizer); the device
realizes ``Δg⊙F − |Δg|⊙G`` in expectation (F, G the symmetric and asymmetric parts
of q±), which with an asymmetric response drifts towards the symmetric point.
Both also train memristors through their characterized identical-pulse tables
(:class:`~spicelearn.devices.programmers.open_loop.TableResponse`). Residual
learning keeps a second array P of the same devices, read against a
reference at P's symmetric point g⋄: the gradient is taken at the mixed
conductances ``g_W + γ_r(g_P − g⋄)``; P receives the open-loop update
``−α ∂L/∂g``; W receives the transfer ``β (g_P − g⋄)`` (through the ``response``
programmer). P and its pulse generator are the rule's state (checkpointed).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..engines.base import Clamp, Drives, Engine, Settled
from ..errors import ConfigError
from ..network.circuit import Circuit
from .costs import Cost, nudge_currents
from .eqprop import energy_gradient, eqprop_gradient
from .nudging import Nudging, make_nudging, settle_phases


@dataclass(frozen=True)
class RuleStep:
    """One mini-batch worth of learning signal.

    Attributes:
        grad: (n_devices,) batch-mean estimate of ∂L/∂g.
        free: the free phase of the batch (outputs give the loss and accuracy).
        loss: (B,) cost of each sample at the free phase.
    """

    grad: np.ndarray
    free: Settled
    loss: np.ndarray
    per_sample: np.ndarray | None = None
    """(B, n_devices) the per-sample estimates whose mean is ``grad`` (None: not kept)."""


class LearningRule(ABC):
    """Estimates ∂L/∂g for a mini-batch from settled phases.

    ``needs_clamps``: the rule settles clamped phases (the trainer gives it a
    clamp-ready circuit). A rule may keep state between steps: :meth:`state` and
    :meth:`load_state` (numpy arrays by name) go into every checkpoint.
    """

    name: ClassVar[str] = "rule"
    needs_clamps: ClassVar[bool] = False

    def check(self, circuit: Circuit) -> None:  # noqa: B027 - optional hook
        """Raise ConfigError when the rule does not fit ``circuit``."""

    def state(self) -> dict[str, np.ndarray]:
        """The rule's state (empty for a stateless rule)."""
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:  # noqa: B027 - optional hook
        """Restore :meth:`state`."""

    def describe(self) -> str:
        """One line for the report."""
        return self.name

    @abstractmethod
    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        """Settle the phases of a batch and return the batch-mean gradient estimate.

        Args:
            inputs: (B, n_features) input voltages [V].
            targets: (B, n_classes) targets (cost-specific, see data/datasets.py).
        """


class EqProp(LearningRule):
    """Equilibrium Propagation with a two-point nudging pair.

    A bidirectional amplifier (a VCVS of gain A forward, a CCCS of 1/A backward)
    is not reciprocal: the nudge reaching a layer behind k amplifiers is A^k
    times weaker while the free-phase signal is A^k times stronger, so EqProp
    measures that layer's exact gradient times A^(−2k). With ``compensate`` (the
    default) each layer's estimate is multiplied by its
    ``Circuit.layer_amplification`` squared, A^(2k), which restores the gradient.
    """

    name = "eqprop"

    def __init__(self, cost: Cost, nudging: Nudging, compensate: bool = True) -> None:
        self.cost = cost
        self.nudging = nudging
        self.compensate = compensate

    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        phases = settle_phases(engine, circuit, inputs, targets, self.cost, self.nudging)
        per = np.asarray(eqprop_gradient(phases, circuit.model), dtype=float)
        if self.compensate:
            per = compensate_amplifiers(circuit, per)
        loss = self.cost.value(phases.free.outputs, targets, circuit.differential)
        return RuleStep(grad=per.mean(axis=0), free=phases.free, loss=loss, per_sample=per)

    def describe(self) -> str:
        b1, b2 = self.nudging.beta1, self.nudging.beta2
        kind = "centered" if b1 and b2 else ("positive" if b2 else "negative")
        return f"EqProp, {kind} nudging, β = {max(abs(b1), abs(b2)):g}"


class CoupledLearning(LearningRule):
    """Coupled learning: a free and a clamped phase (module docstring).

    Args:
        cost: the cost whose gradient sets the clamp targets.
        eta: the clamped displacement η ∈ (0, 1] (η = 1 clamps at the target).
        clamp_conductance: the clamp's conductance [S] (stiff against the devices).
    """

    name = "coupled"
    needs_clamps = True

    def __init__(self, cost: Cost, eta: float, clamp_conductance: float,
                 compensate: bool = True) -> None:
        if not (np.isfinite(eta) and 0 < eta <= 1):
            raise ConfigError(f"coupled learning needs 0 < eta <= 1, got {eta!r}")
        self.cost, self.eta, self.gc = cost, float(eta), float(clamp_conductance)
        self.compensate = compensate

    def check(self, circuit: Circuit) -> None:
        if not circuit.outputs:
            raise ConfigError("coupled learning clamps the outputs; the network has none")

    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        free = engine.settle(circuit, inputs)
        step = nudge_currents(self.cost, free.outputs, np.asarray(targets, dtype=float),
                              circuit.differential, clamp_scale(self.cost))   # −κ ∂C/∂V [V]
        clamped = engine.settle(circuit, Drives(
            inputs, clamp=Clamp(free.outputs + self.eta * step, self.gc)))
        h_c, h_f = (energy_gradient(s.dv, circuit.model) for s in (clamped, free))
        per = (h_c - h_f) / self.eta
        if self.compensate:
            per = compensate_amplifiers(circuit, per)
        loss = self.cost.value(free.outputs, targets, circuit.differential)
        return RuleStep(grad=per.mean(axis=0), free=free, loss=loss, per_sample=per)

    def describe(self) -> str:
        return f"coupled learning, η = {self.eta:g}, clamp {self.gc:g} S"


def clamp_scale(cost: Cost) -> float:
    """κ [V²] that turns −∂C/∂V into a voltage step: T² for a cost with a temperature
    T [V] (cross-entropy), 1 V² otherwise (MSE)."""
    t = getattr(cost, "temperature", None)
    return 1.0 if t is None else float(t) ** 2


class GeneralizedEqProp(LearningRule):
    """Generalized EqProp of order k: k = 1 is :class:`EqProp`, k = 2 is
    :class:`CoupledLearning` (module docstring); the estimate is the member's."""

    name = "geqprop"

    def __init__(self, order: int, member: LearningRule) -> None:
        if order not in (1, 2):
            raise ConfigError(f"generalized EqProp has orders 1 and 2, got {order!r}")
        self.order, self.member = order, member
        self.needs_clamps = member.needs_clamps  # type: ignore[misc]

    def check(self, circuit: Circuit) -> None:
        self.member.check(circuit)

    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        return self.member.estimate(engine, circuit, inputs, targets)

    def describe(self) -> str:
        return f"generalized EqProp, order {self.order} ({self.member.describe()})"


class OmegaLearning(LearningRule):
    """Ω-gradient learning with output-only readout (module docstring).

    Args:
        cost: the cost whose output gradient is the injected error.
        eta: scale η of the injected error currents [S] (ε = η ∂C/∂V [A]).
        subset: the fraction of devices updated per step, in (0, 1].
        seed: seed of the subsets.
    """

    name = "omega"

    def __init__(self, cost: Cost, eta: float, subset: float = 1.0, seed: int = 0) -> None:
        if not (np.isfinite(eta) and eta > 0):
            raise ConfigError(f"Ω-learning needs eta > 0, got {eta!r}")
        if not (np.isfinite(subset) and 0 < subset <= 1):
            raise ConfigError(f"Ω-learning needs a subset fraction in (0, 1], got {subset!r}")
        self.cost, self.eta, self.subset, self.seed = cost, float(eta), float(subset), seed
        self.steps = 0

    def check(self, circuit: Circuit) -> None:
        if circuit.models:
            raise ConfigError("Ω-learning needs a linear resistor network; this one has "
                              "diodes (set network.diode.kind = 'none' or hidden = [])")
        if not circuit.model.ohmic:
            raise ConfigError(f"Ω-learning needs ohmic devices; '{circuit.model.name}' is not")
        if any(a != 1.0 for a in circuit.layer_amplification):
            raise ConfigError("Ω-learning needs a reciprocal network; this one has amplifiers")
        if not circuit.outputs:
            raise ConfigError("Ω-learning injects its error at the outputs; the network has none")

    def state(self) -> dict[str, np.ndarray]:
        return {"steps": np.array(self.steps, dtype=np.int64)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.steps = int(state.get("steps", 0))

    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        x = np.asarray(inputs, dtype=float)
        free = engine.settle(circuit, x)
        eps = -self.eta * nudge_currents(self.cost, free.outputs,
                                         np.asarray(targets, dtype=float),
                                         circuit.differential, 1.0)   # η ∂C/∂V [A]
        B = x.shape[0]
        off = np.zeros((B + 1, x.shape[1]))
        err = engine.settle(circuit, off, nudges=np.concatenate([eps, np.zeros((1, eps.shape[1]))]))
        dv_eps = err.dv[:B] - err.dv[B:]
        per = -free.dv * dv_eps / self.eta
        if self.subset < 1.0:
            rng = np.random.default_rng([self.seed, 0x0E6A, self.steps])
            keep = np.zeros(circuit.n_devices, dtype=bool)
            keep[rng.choice(circuit.n_devices, max(1, round(self.subset * circuit.n_devices)),
                            replace=False)] = True
            per = per * keep
        self.steps += 1
        loss = self.cost.value(free.outputs, targets, circuit.differential)
        return RuleStep(grad=per.mean(axis=0), free=free, loss=loss, per_sample=per)

    def describe(self) -> str:
        part = "" if self.subset == 1.0 else f", {100 * self.subset:g} % of the devices per step"
        return f"Ω-learning (output-only readout), η = {self.eta:g} S{part}"


def compensate_amplifiers(circuit: Circuit, grad: np.ndarray) -> np.ndarray:
    """Scale each layer's EqProp estimate by A^(2k) (see :class:`EqProp`).

    ``grad`` is (..., n_devices); a circuit without amplifiers is returned as is.
    """
    amp = circuit.layer_amplification
    if not amp or all(a == 1.0 for a in amp):
        return grad
    out = np.array(grad, dtype=float, copy=True)
    for a, sl in zip(amp, circuit.layer_slices(), strict=True):
        out[..., sl] *= a * a
    return out


class AnalogSGD(LearningRule):
    """Analog SGD: the EqProp gradient, realized open-loop by the ``response``
    programmer with the ``sgd`` optimizer (module docstring)."""

    name = "analog_sgd"

    def __init__(self, member: LearningRule) -> None:
        self.member = member

    def check(self, circuit: Circuit) -> None:
        _check_response(circuit, self.name)

    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        return self.member.estimate(engine, circuit, inputs, targets)

    def describe(self) -> str:
        return f"analog SGD (open-loop pulses; gradient: {self.member.describe()})"


class ResidualLearning(LearningRule):
    """Residual learning with a second device array P (module docstring).

    Args:
        member: the rule giving ∂L/∂g (EqProp).
        lr: α [S²/V² as the sgd optimizer's lr]: P's desired change is −α ∂L/∂g.
        transfer: β [1]: W's desired change is β (g_P − g⋄), handed to the optimizer
            as the gradient −(β/α)(g_P − g⋄) (so ``sgd`` at rate α asks for it).
        mix: γ_r [1]: the phases read g_W + γ_r (g_P − g⋄).
        seed: seed of P's pulse generator.
    """

    name = "residual"

    def __init__(self, member: LearningRule, lr: float, transfer: float, mix: float,
                 seed: int = 0) -> None:
        for key, v in (("lr", lr), ("transfer_lr", transfer)):
            if not (np.isfinite(v) and v > 0):
                raise ConfigError(f"residual learning needs {key} > 0, got {v!r}")
        if not (np.isfinite(mix) and mix >= 0):
            raise ConfigError(f"residual learning needs mix >= 0, got {mix!r}")
        self.member, self.lr, self.transfer, self.mix = member, float(lr), float(transfer), mix
        self.seed = seed
        self.p: np.ndarray | None = None
        self.rng = np.random.default_rng([seed, 0x7E51])
        self._ref: tuple[Any, float, float] | None = None

    def check(self, circuit: Circuit) -> None:
        _check_response(circuit, self.name)

    def state(self) -> dict[str, np.ndarray]:
        if self.p is None:
            return {}
        return {"p": self.p.copy(),
                "rng": np.frombuffer(json.dumps(self.rng.bit_generator.state).encode(),
                                     dtype=np.uint8).copy()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        if "p" in state:
            self.p = np.asarray(state["p"], dtype=float).copy()
            self.rng.bit_generator.state = json.loads(bytes(state["rng"]).decode())

    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        from ..devices.programmers.open_loop import open_loop_pulses, response_device

        model = circuit.model
        device = response_device(model)
        if self._ref is None or self._ref[0] != model:  # P's reference: computed once
            x_ref = device.symmetric_point()            # (a state; g for response devices)
            self._ref = (model, x_ref, float(model.conductance(np.array([x_ref]))[0]))
        _, x_ref, g_ref = self._ref
        if self.p is None:
            self.p = np.full(circuit.n_devices, x_ref)
        g_min, g_max = model.g_range()
        g_p = model.conductance(self.p)
        mixed = np.clip(circuit.g + self.mix * (g_p - g_ref), g_min, g_max)
        step = self.member.estimate(engine, circuit.with_conductances(mixed), inputs, targets)
        self.p, _ = open_loop_pulses(device, self.p, -self.lr * step.grad, self.rng)
        grad_w = -(self.transfer / self.lr) * (model.conductance(self.p) - g_ref)
        return RuleStep(grad=grad_w, free=step.free, loss=step.loss)

    def describe(self) -> str:
        return (f"residual learning (P array at its symmetric point, mix {self.mix:g}, "
                f"transfer {self.transfer:g}; gradient: {self.member.describe()})")


def _check_response(circuit: Circuit, rule: str) -> None:
    from ..devices.programmers.open_loop import response_device
    from ..errors import DeviceModelError

    try:
        response_device(circuit.model)
    except DeviceModelError as exc:
        raise ConfigError(f"{rule}: {exc}") from None


RuleFactory = Callable[..., LearningRule]


def _eqprop(cost: Cost, t: Any, seed: int) -> LearningRule:
    return EqProp(cost, make_nudging(t.nudging, t.beta))


def _coupled(cost: Cost, t: Any, seed: int) -> LearningRule:
    return CoupledLearning(cost, t.eta, t.clamp_conductance)


def _geqprop(cost: Cost, t: Any, seed: int) -> LearningRule:
    member = _eqprop(cost, t, seed) if t.order == 1 else _coupled(cost, t, seed)
    return GeneralizedEqProp(t.order, member)


def _omega(cost: Cost, t: Any, seed: int) -> LearningRule:
    return OmegaLearning(cost, t.eta, t.subset, seed)


def _open_loop(rule: str, t: Any) -> None:
    if t.programmer != "response" or t.optimizer != "sgd":
        raise ConfigError(f"'training.rule' = '{rule}' updates the devices open-loop: set "
                          f"training.programmer = 'response' and training.optimizer = 'sgd'")


def _analog_sgd(cost: Cost, t: Any, seed: int) -> LearningRule:
    _open_loop("analog_sgd", t)
    return AnalogSGD(_eqprop(cost, t, seed))


def _residual(cost: Cost, t: Any, seed: int) -> LearningRule:
    _open_loop("residual", t)
    return ResidualLearning(_eqprop(cost, t, seed), t.lr[0], t.transfer_lr, t.mix, seed)


RULES: dict[str, RuleFactory] = {
    "eqprop": _eqprop, "coupled": _coupled, "geqprop": _geqprop, "omega": _omega,
    "analog_sgd": _analog_sgd, "residual": _residual}
"""Every learning rule by its config name (``training.rule``): name → factory
``(cost, training config, seed) → rule``."""


def make_rule(name: str, cost: Cost, training: Any, seed: int) -> LearningRule:
    """The rule ``name`` for ``training`` (a TrainingConfig).

    Raises:
        ConfigError: an unknown name or values the rule refuses.
    """
    factory = RULES.get(name)
    if factory is None:
        raise ConfigError(f"unknown value '{name}' for 'training.rule' "
                          f"(known: {', '.join(RULES)})")
    return factory(cost, training, seed)

"""The ``[training]`` config table: its keys, defaults, units and checks.

Every key is a field of :class:`TrainingConfig` with its default; the choices come
from the tuples below (one each), which the implementations' errors quote too.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from ..config import AtLeastOne, ConfigModel, Finite, Fraction, Positive, choice
from ..devices.programmers.array_decks import BIASES, STEPS
from ..devices.programmers.schemes import SCHEMES
from ..engines.programmers import PROGRAMMERS as _PROGRAMMER_REGISTRY
from ..engines.registry import ENGINES as _ENGINES
from ..errors import ConfigError
from .costs import COST_ALIASES as _COST_ALIASES
from .costs import COSTS as _COSTS
from .nudging import NUDGINGS as _NUDGINGS
from .optimizers import OPTIMIZERS as _OPTIMIZERS
from .optimizers import SCHEDULES as _SCHEDULES
from .rules import RULES as _RULES

NUDGINGS = tuple(_NUDGINGS)
ENGINES = tuple(_ENGINES)
OPTIMIZERS = tuple(_OPTIMIZERS)
SCHEDULES = _SCHEDULES
RULES = tuple(_RULES)
"""The choice lists: each the keys of its registry (nudging.py, engines/registry.py,
optimizers.py, rules.py, costs.py, engines/programmers.py)."""
PROGRAMMERS = tuple(_PROGRAMMER_REGISTRY)
"""The programmer names: the registry's (:data:`spicelearn.engines.programmers.PROGRAMMERS`)."""
PULSE_SCHEMES = tuple(SCHEMES)
ARRAY_BIASES = BIASES
ARRAY_STEPS = STEPS
COSTS = tuple(_COSTS)
COST_ALIASES = _COST_ALIASES


def _cost_name(value: Any) -> Any:
    return COST_ALIASES.get(value, value) if isinstance(value, str) else value


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


Nudging = choice(NUDGINGS, "nudging")
RuleName = choice(RULES, "rule")
CostName = Annotated[choice(COSTS, "cost"), BeforeValidator(_cost_name)]
EngineName = choice(ENGINES, "engine")
OptimizerName = choice(OPTIMIZERS, "optimizer")
ScheduleName = choice(SCHEDULES, "schedule")
ProgrammerName = choice(PROGRAMMERS, "programmer")
PulseSchemeName = choice(PULSE_SCHEMES, "pulse_scheme")
ArrayBias = choice(ARRAY_BIASES, "array_bias")
ArrayStep = choice(ARRAY_STEPS, "array_step")
LearningRates = Annotated[list[Positive], Field(min_length=1), BeforeValidator(_as_list)]


class TrainingConfig(ConfigModel):
    """The resolved ``[training]`` table (every default filled in)."""

    section = "training"
    epochs: AtLeastOne = 20
    """Training epochs."""
    batch_size: AtLeastOne = 16
    """Samples per mini-batch."""
    rule: RuleName = "eqprop"
    """The learning rule: ``eqprop``, ``coupled`` (coupled learning), ``geqprop``
    (generalized EqProp of order ``order``) or ``omega`` (Ω-gradient learning with
    output-only readout, linear resistor networks), ``analog_sgd`` or ``residual``
    (response devices, open-loop pulses: with ``programmer = "response"`` and
    ``optimizer = "sgd"``)."""
    eta: float = Field(0.5, gt=0)
    """``coupled``: the clamped displacement η ∈ (0, 1] of the outputs towards the
    target; ``omega``: the scale η of the injected error currents [S]."""
    clamp_conductance: Positive = 100.0
    """``coupled``: the conductance that holds each clamped output [S]."""
    order: int = Field(1, ge=1, le=2)
    """``geqprop``: the order k of the nudge (1: EqProp, 2: coupled learning)."""
    subset: float = Field(1.0, gt=0, le=1)
    """``omega``: the fraction of devices updated per step, drawn at random [1]."""
    transfer_lr: Positive = 0.1
    """``residual``: the transfer rate β from the P array to the devices [1]."""
    mix: float = Field(1.0, ge=0)
    """``residual``: γ_r, the weight of the P array in the conductances the phases read [1]."""
    beta: Positive = Field(1e-5, json_schema_extra={
        "hint": "the nudging direction is set by 'training.nudging'"})
    """Nudging strength β: the nudge current is I = −β ∂C/∂V [S]."""
    nudging: Nudging = "centered"
    """``positive`` (0, β), ``negative`` (−β, 0) or ``centered`` (−β, +β)."""
    cost: CostName = "cross_entropy"
    """``cross_entropy`` (softmax of p/T, one-hot targets) or ``mse``."""
    temperature: Positive = 0.03
    """Cross-entropy temperature [V]."""
    target: Finite = 0.1
    """MSE target of the true class' prediction [V]."""
    target_off: Finite
    """MSE target of the other classes' predictions; default −``target`` [V]."""
    engine: EngineName = "ngspice"
    """``ngspice`` (batched DC sweep) or ``numeric`` (Newton)."""
    workers: AtLeastOne = 1
    """ngspice worker processes."""
    optimizer: OptimizerName = "adam"
    """``sgd``, ``momentum`` or ``adam`` (in conductance space)."""
    lr: LearningRates = [1e-4]
    """Learning rate, one per layer (one value applies to all layers). Adam: the
    step size [S]; SGD/momentum: η in Δg = −η ∂L/∂g [S² / unit of L]."""
    momentum: Fraction = 0.9
    """Momentum μ (m ← μ m + d) [1]."""
    adam_beta1: Fraction = 0.9
    """Adam first-moment decay [1]."""
    adam_beta2: Fraction = 0.999
    """Adam second-moment decay [1]."""
    adam_eps: Positive = 1e-8
    """Adam denominator offset."""
    schedule: ScheduleName = "constant"
    """``constant``, ``step`` or ``cosine``."""
    step_epochs: AtLeastOne = 10
    """Step schedule: epochs per step."""
    step_gamma: Positive = 0.5
    """Step schedule: factor γ per step [1]."""
    lr_min_factor: float = Field(0.0, ge=0, le=1)
    """Cosine schedule floor f [1]."""
    programmer: ProgrammerName = "ideal"
    """How a desired Δg is realized on the devices: ``ideal`` (exact, within the
    model's range), ``pulse`` (pulses through the device's state equation),
    ``spice`` (one ngspice transient of every device's pulses), ``array`` (the pulses
    written on each crossbar layer, line by line, half-selected devices disturbed),
    ``response`` (open-loop pulses through a response device: Δg/Δg_min of them)."""
    pulse_scheme: PulseSchemeName = "identical"
    """``pulse``/``spice``/``array``: ``identical`` pulses, one ``pwm`` or one ``pam`` pulse."""
    pulse_v_up: Positive | None = None
    """Amplitude of the pulses that raise g [V]; default: the model's."""
    pulse_v_down: Positive | None = None
    """Magnitude of the amplitude of the pulses that lower g [V]; default: the model's."""
    pulse_width: Positive | None = None
    """Plateau of one pulse [s]; default: the scheme's."""
    array_bias: ArrayBias = "V/2"
    """``array``: the write scheme, ``V/2`` (unselected lines at half the pulse) or ``V/3``."""
    array_step: ArrayStep = "row"
    """``array``: the line written at a time, ``row`` or ``column``."""
    array_r_wire: float = Field(0.0, ge=0)
    """``array``: resistance of one wire segment between two cross points [Ω]."""
    target_accuracy: float = Field(0.9, gt=0, le=1)
    """Test accuracy whose first crossing the report times [1]."""

    @model_validator(mode="before")
    @classmethod
    def _default_target_off(cls, values: Any) -> Any:
        if isinstance(values, dict) and "target_off" not in values:
            target = values.get("target", cls.model_fields["target"].default)
            if isinstance(target, int | float) and not isinstance(target, bool):
                return {**values, "target_off": -target}
        return values

    def as_dict(self) -> dict[str, Any]:
        """Every key with its value; the ``pulse_*`` keys only for a pulsed programmer and
        only when set, the ``array_*`` keys only for ``array``, each rule's keys only
        for that rule and ``rule`` only when it is not ``eqprop`` (a run that uses
        none of them resolves as before they existed)."""
        out = super().as_dict()
        for key in [k for k in out if k.startswith("pulse_")]:
            if self.programmer not in ("pulse", "spice", "array") or out[key] is None:
                del out[key]
        for key in [k for k in out if k.startswith("array_")]:
            if self.programmer != "array":
                del out[key]
        coupled = self.rule == "coupled" or (self.rule == "geqprop" and self.order == 2)
        used = {"eta": coupled or self.rule == "omega", "clamp_conductance": coupled,
                "order": self.rule == "geqprop", "subset": self.rule == "omega",
                "transfer_lr": self.rule == "residual", "mix": self.rule == "residual"}
        for key, keep in used.items():
            if not keep:
                del out[key]
        if self.rule == "eqprop":  # an EqProp run resolves (and keeps its id) as before rules
            del out["rule"]
        return out

    @model_validator(mode="after")
    def _rule_values(self) -> TrainingConfig:
        coupled = self.rule == "coupled" or (self.rule == "geqprop" and self.order == 2)
        if coupled and self.eta > 1:
            raise ConfigError(f"config key 'training.eta' must be in (0, 1] for coupled "
                              f"learning, got {self.eta:g}")
        return self

    def layer_lr(self, n_layers: int) -> list[float]:
        """One learning rate per crossbar layer."""
        if len(self.lr) == 1:
            return self.lr * n_layers
        if len(self.lr) != n_layers:
            raise ConfigError(f"config key 'training.lr' has {len(self.lr)} values but the "
                              f"network has {n_layers} layers")
        return list(self.lr)


def resolve_training(table: dict[str, Any] | TrainingConfig | None) -> TrainingConfig:
    """Fill defaults into a ``[training]`` table and check every value (ConfigError if invalid)."""
    return TrainingConfig.check({} if table is None else table)

"""Learning: costs, nudging, learning rules, optimizers, programmers, the trainer."""

from .costs import MSE, CrossEntropy, make_cost, nudge_currents, predictions
from .optimizers import SGD, Adam, Momentum, Optimizer, Schedule, make_optimizer
from .programmer import IdealProgrammer, Programmer, ProgramResult, make_programmer
from .rules import EqProp, LearningRule, RuleStep
from .schema import TrainingConfig, resolve_training

__all__ = [
    "Adam", "CrossEntropy", "EqProp", "IdealProgrammer", "LearningRule", "MSE",
    "Momentum", "Optimizer", "RuleStep",
    "ProgramResult", "Programmer", "SGD", "Schedule", "TrainingConfig",
    "make_cost", "make_optimizer", "make_programmer",
    "nudge_currents", "predictions", "resolve_training",
]

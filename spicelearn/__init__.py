"""spicelearn: train memristor circuits with Equilibrium Propagation in ngspice."""

__version__ = "0.1.0"

"""Gradient training on pulsed response-function devices: analog SGD and residual learning.

Weights are normalized device states ``w = 2(g − g_min)/(g_max − g_min) − 1 ∈ [−1, 1]``
[1] of a :class:`~spicelearn.devices.response.ResponseDevice`. One potentiation pulse
moves w by ``Δw_min·q₊(w)``, one depression pulse by ``−Δw_min·q₋(w)``, with
``Δw_min = 2·dg_min/(g_max − g_min)`` [1]. Write ``F = (q₋ + q₊)/2`` for the symmetric
and ``G = (q₋ − q₊)/2`` for the asymmetric part of the response (both [1]).

A desired increment ``δ`` (any array shape) is realized as ``|δ|/Δw_min`` pulses of sign
``sign(δ)``. In expectation it moves the weight by

    w ← w + δ ⊙ F(w) − |δ| ⊙ G(w)                                           (1)

(``q₊ = F − G`` when δ > 0, ``q₋ = F + G`` when δ < 0), elementwise.

* **Analog SGD** (δ = −α ∇f): ``W ← W − α ∇f ⊙ F(W) − α |∇f| ⊙ G(W)``. Fed with a
  stochastic gradient, the second term does not average out (E|∇f| > 0 even where
  E∇f = 0): its fixed point solves ``E[∇f] ⊙ F + E|∇f| ⊙ G = 0`` and lies between the
  optimum of f and the symmetric point (G = 0), for any learning rate.
* **Residual learning** (Tiki-Taka family): a second array P, read relative to a reference
  at P's symmetric point (P = w_P − w_ref, so G = 0 at P = 0), accumulates the gradient
  taken at the mixed weights ``W̄ = W + γ_r·P`` (γ_r = ``mix`` [1]),

      P ← P − α ∇f(W̄) ⊙ F(P) − α |∇f(W̄)| ⊙ G(P),
      W ← W + β P ⊙ F(W) − β |P| ⊙ G(W),

  the second line being the transfer (rate β [1]), optionally one column at a time and
  every few steps. Its only fixed point with small fluctuations of P is P = 0, ∇f(W) = 0,
  so it reaches a critical point of f as the learning rates shrink.

Algorithms from Wu, Xiao, Gokmen, Fagbohungbe, Chen, "Analog in-memory training on general
non-ideal resistive elements: the impact of response functions", arXiv:2502.06309.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..devices.model import DeviceModel
from ..devices.programmers.open_loop import stochastic_round
from ..devices.response import ResponseDevice
from ..errors import ConfigError, DeviceModelError

MODES: tuple[str, ...] = ("expected", "pulsed")
"""How an update is applied: eq. (1) deterministically, or pulse by pulse."""
ALGORITHMS: tuple[str, ...] = ("analog_sgd", "residual")
"""The algorithms :func:`run_least_squares` can run."""

_U64 = (1 << 64) - 1


# -- checks ----------------------------------------------------------------------------
def _positive(name: str, value: float) -> float:
    if not isinstance(value, int | float | np.floating | np.integer) or isinstance(value, bool) \
            or not np.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _nonnegative(name: str, value: float) -> float:
    if not isinstance(value, int | float | np.floating | np.integer) or isinstance(value, bool) \
            or not np.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _count(name: str, value: int, minimum: int = 1) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _mode(mode: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def _response_device(device: DeviceModel, what: str = "device") -> ResponseDevice:
    if not isinstance(device, ResponseDevice):
        name = getattr(device, "name", type(device).__name__)
        raise DeviceModelError(f"{what} must be a response device (linear_step, soft_bounds, "
                               f"power_response, exp_response), got {name!r}")
    return device


def _weights(name: str, w: np.ndarray | float) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.size and (not np.all(np.isfinite(w)) or np.abs(w).max() > 1.0):
        raise ConfigError(f"{name} must be finite normalized weights in [-1, 1], got values in "
                          f"[{float(np.min(w))!r}, {float(np.max(w))!r}]")
    return w


def _finite(name: str, x: np.ndarray | float, shape: tuple[int, ...],
            broadcast: bool = False) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if broadcast and x.shape != shape:
        try:
            x = np.broadcast_to(x, shape)
        except ValueError:
            raise ConfigError(f"{name} of shape {x.shape} does not broadcast to {shape}") \
                from None
    if x.shape != shape:
        raise ConfigError(f"{name} must have shape {shape}, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ConfigError(f"{name} must be finite, got {int(np.sum(~np.isfinite(x)))} "
                          f"non-finite values")
    return x


# -- the response in normalized units -------------------------------------------------
def pulse_step(device: ResponseDevice) -> float:
    """Δw_min = 2·dg_min/(g_max − g_min): one pulse at q = 1, in normalized weight [1]."""
    device = _response_device(device)
    return 2.0 * device.dg_min / (device.g_max - device.g_min)


def response_parts(device: ResponseDevice,
                   w: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(F, G) at normalized weights ``w`` (any shape), both [1] and the shape of ``w``.

    ``F = (q₋ + q₊)/2``, ``G = (q₋ − q₊)/2`` with q± the device's pulse response; one
    pulse moves w by ``Δw_min·(F − G)`` up or ``Δw_min·(F + G)`` down (:func:`pulse_step`).
    ``w`` is clipped to [−1, 1]; q₊ = 0 at w = 1 and q₋ = 0 at w = −1.
    """
    device = _response_device(device)
    g = device.conductance_at(np.clip(np.asarray(w, dtype=float), -1.0, 1.0))
    qp, qm = device.response(np.clip(g, device.g_min, device.g_max))
    return 0.5 * (qm + qp), 0.5 * (qm - qp)


def analog_update(device: ResponseDevice, w: np.ndarray | float, delta: np.ndarray | float,
                  mode: str = "expected", rng: np.random.Generator | None = None) -> np.ndarray:
    """Weights after asking for the increment ``delta`` on devices at ``w`` [1].

    Args:
        device: the response device of every element.
        w: normalized weights in [−1, 1], any shape.
        delta: desired increments [1], broadcast to the shape of ``w``.
        mode: ``"expected"`` applies eq. (1), ``w + δ⊙F(w) − |δ|⊙G(w)``, clipped to
            [−1, 1]; ``"pulsed"`` sends ``n = round_s(|δ|/Δw_min)`` pulses of sign
            ``sign(δ)`` through :meth:`ResponseDevice.pulse` (round_s: stochastic
            rounding with ``rng``, so E[n] = |δ|/Δw_min; n is capped at the
            ``ceil(2/Δw_min)`` pulses that cross the range at q = 1).
        rng: the random generator of the pulsed mode (required there).

    Returns:
        New normalized weights, the shape of ``w``. Elements with δ = 0 are unchanged.
    """
    device = _response_device(device)
    w = _weights("w", w)
    delta = _finite("delta", delta, w.shape, broadcast=True)
    if _mode(mode) == "expected":
        f, g = response_parts(device, w)
        return np.clip(w + delta * f - np.abs(delta) * g, -1.0, 1.0)
    if rng is None:
        raise ConfigError("mode 'pulsed' needs a numpy Generator rng, got None")
    dw = pulse_step(device)
    n = np.minimum(stochastic_round(np.abs(delta) / dw, rng), int(np.ceil(2.0 / dw)))
    if not np.any(n):
        return w.copy()
    g0 = np.clip(device.conductance_at(w), device.g_min, device.g_max)
    moved = device.normalized(device.pulse(g0, np.sign(delta), n))
    return np.where(n > 0, np.clip(moved, -1.0, 1.0), w)


def analog_sgd_step(device: ResponseDevice, w: np.ndarray | float, grad: np.ndarray | float,
                    lr: float, rng: np.random.Generator | None = None,
                    mode: str = "expected") -> np.ndarray:
    """One analog SGD step: ``w ← w − α ∇f ⊙ F(w) − α |∇f| ⊙ G(w)`` [1].

    Args:
        device: the response device of every element.
        w: normalized weights in [−1, 1], any shape.
        grad: ∇f at ``w`` (same shape), in units of f per unit of w.
        lr: learning rate α > 0 [1/unit of f]; the desired step is ``−α·∇f``.
        rng: random generator, required in the pulsed mode.
        mode: ``"expected"`` (default, deterministic) or ``"pulsed"``
            (see :func:`analog_update`).

    Returns:
        New weights, the shape of ``w``. With F = 1, G = 0 (``linear_step``) this is
        plain SGD, ``w − α·∇f``, inside the bounds.
    """
    lr = _positive("lr", lr)
    w = _weights("w", w)
    grad = _finite("grad", grad, w.shape, broadcast=True)
    return analog_update(device, w, -lr * grad, mode, rng)


# -- stateful learners -----------------------------------------------------------------
def _rng_state(rng: np.random.Generator) -> np.ndarray:
    s = rng.bit_generator.state
    state, inc = s["state"]["state"], s["state"]["inc"]
    return np.array([state >> 64, state & _U64, inc >> 64, inc & _U64, s["has_uint32"],
                     s["uinteger"]], dtype=np.uint64)


def _rng_from_state(a: np.ndarray) -> np.random.Generator:
    a = [int(v) for v in np.asarray(a, dtype=np.uint64)]
    if len(a) != 6:
        raise ConfigError(f"state 'rng' must hold 6 words, got {len(a)}")
    bg = np.random.PCG64()
    bg.state = {"bit_generator": "PCG64", "state": {"state": (a[0] << 64) | a[1],
                                                    "inc": (a[2] << 64) | a[3]},
                "has_uint32": a[4], "uinteger": a[5]}
    return np.random.Generator(bg)


class _Learner:
    """Shared plumbing: shape, mode, step counter and a checkpointable PCG64 generator."""

    _arrays: tuple[str, ...] = ()

    def __init__(self, shape: Sequence[int] | int, mode: str, seed: int | None) -> None:
        self.shape = (int(shape),) if isinstance(shape, int | np.integer) else \
            tuple(int(s) for s in shape)
        if not self.shape or min(self.shape) < 1:
            raise ConfigError(f"shape must have at least one axis, all >= 1, got {shape!r}")
        self.mode = _mode(mode)
        self.steps = 0
        self._rng = np.random.Generator(np.random.PCG64(seed))

    def _init_w(self, w0: np.ndarray | float | None) -> np.ndarray:
        if w0 is None:
            return np.zeros(self.shape)
        return np.array(np.broadcast_to(_weights("w0", w0), self.shape), dtype=float)

    def state(self) -> dict[str, np.ndarray]:
        """Everything :meth:`load_state` needs to continue exactly: arrays only (copies)."""
        out = {k: np.array(getattr(self, k), dtype=float) for k in self._arrays}
        out["steps"] = np.array(self.steps, dtype=np.int64)
        out["rng"] = _rng_state(self._rng)
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore a :meth:`state` of a learner built with the same arguments."""
        missing = [k for k in (*self._arrays, "steps", "rng") if k not in state]
        if missing:
            raise ConfigError(f"state lacks {', '.join(missing)}")
        for k in self._arrays:
            setattr(self, k, _weights(k, _finite(k, state[k], self.shape)).copy())
        self.steps = _count("steps", int(np.asarray(state["steps"])), 0)
        self._rng = _rng_from_state(state["rng"])
        self._load_extra(state)

    def _load_extra(self, state: dict[str, np.ndarray]) -> None:
        pass


class AnalogSGD(_Learner):
    """Analog SGD on one device array W (normalized, shape ``shape``).

    ``step(∇f)``: ``W ← W − α·s ∇f ⊙ F(W) − α·s |∇f| ⊙ G(W)`` (s a per-step scale).
    """

    _arrays = ("w",)

    def __init__(self, device: ResponseDevice, shape: Sequence[int] | int, lr: float,
                 mode: str = "expected", *, w0: np.ndarray | float | None = None,
                 seed: int | None = None) -> None:
        super().__init__(shape, mode, seed)
        self.device = _response_device(device)
        self.lr = _positive("lr", lr)
        self.w = self._init_w(w0)

    def effective(self) -> np.ndarray:
        """The weights the gradient is taken at: W [1], shape ``shape`` (a copy)."""
        return self.w.copy()

    def step(self, grad: np.ndarray, scale: float = 1.0) -> None:
        """Apply ∇f taken at :meth:`effective`; ``scale`` multiplies α (a schedule)."""
        self.w = analog_update(self.device, self.w,
                               -self.lr * _positive("scale", scale)
                               * _finite("grad", grad, self.shape), self.mode, self._rng)
        self.steps += 1


class ResidualLearning(_Learner):
    """Residual learning on a main array W and a residual array P (both shape ``shape``).

    P is stored as its device state ``p`` (normalized) and read as ``P = p − p_ref``,
    with ``p_ref`` the symmetric point of ``device_p`` (G(p_ref) = 0), where it starts.
    Each :meth:`step` with ∇f taken at ``W̄ = W + mix·P``:

        P ← P − α·s ∇f ⊙ F(p) − α·s |∇f| ⊙ G(p)
        W ← W + β·s P ⊙ F(W) − β·s |P| ⊙ G(W)        (every ``transfer_every`` steps)

    s is the per-step scale (a schedule). With ``column_wise`` only the column
    ``W[..., j]``, j cycling over the last axis, is transferred at a time.

    Args:
        device: response device of W.
        device_p: response device of P (None: the same as ``device``); it must have a
            symmetric point inside its range.
        shape: shape of W and P.
        lr: α > 0, learning rate of P [1/unit of f].
        transfer_lr: β > 0, transfer rate from P to W [1].
        mix: γ_r ≥ 0, weight of P in the mixed weights [1].
        mode: ``"expected"`` or ``"pulsed"`` (see :func:`analog_update`).
        transfer_every: transfer once every this many steps (≥ 1).
        column_wise: transfer one column per transfer instead of the whole array.
        w0: initial W (normalized, broadcast to ``shape``; default 0).
        seed: seed of the PCG64 generator of the pulsed mode.
    """

    _arrays = ("w", "p")

    def __init__(self, device: ResponseDevice, device_p: ResponseDevice | None,
                 shape: Sequence[int] | int, lr: float, transfer_lr: float, mix: float,
                 mode: str = "expected", *, transfer_every: int = 1, column_wise: bool = False,
                 w0: np.ndarray | float | None = None, seed: int | None = None) -> None:
        super().__init__(shape, mode, seed)
        self.device = _response_device(device, "device")
        self.device_p = _response_device(device if device_p is None else device_p, "device_p")
        self.lr = _positive("lr", lr)
        self.transfer_lr = _positive("transfer_lr", transfer_lr)
        self.mix = _nonnegative("mix", mix)
        self.transfer_every = _count("transfer_every", transfer_every)
        self.column_wise = bool(column_wise)
        self.p_ref = float(self.device_p.normalized(self.device_p.symmetric_point()))
        if abs(self.p_ref) > 1.0 - 1e-9:
            raise DeviceModelError(f"device_p: symmetric point at w = {self.p_ref:.6g}, on a "
                                   f"bound; residual learning needs one inside (-1, 1)")
        self.w = self._init_w(w0)
        self.p = np.full(self.shape, self.p_ref)
        self.transfers = 0

    @property
    def residual(self) -> np.ndarray:
        """P = p − p_ref [1], shape ``shape``."""
        return self.p - self.p_ref

    def effective(self) -> np.ndarray:
        """The mixed weights ``W̄ = W + mix·(p − p_ref)`` [1], shape ``shape``."""
        return self.w + self.mix * self.residual

    def step(self, grad: np.ndarray, scale: float = 1.0) -> None:
        """Apply ∇f taken at :meth:`effective`; ``scale`` multiplies α and β (a schedule)."""
        scale = _positive("scale", scale)
        grad = _finite("grad", grad, self.shape)
        self.p = analog_update(self.device_p, self.p, -self.lr * scale * grad, self.mode,
                               self._rng)
        self.steps += 1
        if self.steps % self.transfer_every:
            return
        delta = self.transfer_lr * scale * self.residual
        if self.column_wise:
            mask = np.zeros(self.shape, dtype=bool)
            mask[..., self.transfers % self.shape[-1]] = True
            delta = np.where(mask, delta, 0.0)
        self.w = analog_update(self.device, self.w, delta, self.mode, self._rng)
        self.transfers += 1

    def state(self) -> dict[str, np.ndarray]:
        out = super().state()
        out["transfers"] = np.array(self.transfers, dtype=np.int64)
        return out

    def _load_extra(self, state: dict[str, np.ndarray]) -> None:
        if "transfers" not in state:
            raise ConfigError("state lacks transfers")
        self.transfers = _count("transfers", int(np.asarray(state["transfers"])), 0)


# -- a least-squares benchmark ---------------------------------------------------------
@dataclass(frozen=True)
class LeastSquares:
    """``f(W) = ‖A W − B‖²/(2m)`` over W of shape (n_features, n_outputs).

    ``a``: (m, n_features), ``b``: (m, n_outputs), ``w_opt``: the exact minimizer
    (n_features, n_outputs) [1], ``loss_opt = f(w_opt)`` > 0 (a residual remains).
    """

    a: np.ndarray
    b: np.ndarray
    w_opt: np.ndarray
    loss_opt: float

    def loss(self, w: np.ndarray) -> float:
        """f(W) = ‖A W − B‖²_F/(2m)."""
        r = self.a @ w - self.b
        return float(np.sum(r * r) / (2 * self.a.shape[0]))

    def gradient(self, w: np.ndarray) -> np.ndarray:
        """∇f(W) = Aᵀ(A W − B)/m, shape (n_features, n_outputs)."""
        return self.a.T @ (self.a @ w - self.b) / self.a.shape[0]

    def distance(self, w: np.ndarray) -> float:
        """Root-mean-square distance to the optimum, sqrt(mean((W − W*)²)) [1]."""
        return float(np.sqrt(np.mean((w - self.w_opt) ** 2)))


def least_squares_problem(n_features: int, n_outputs: int, seed: int, *,
                          n_samples: int | None = None, residual: float = 0.5,
                          low: float = 0.3, high: float = 0.7) -> LeastSquares:
    """A well-conditioned least-squares problem whose optimum sits well inside (−1, 1).

    W* has entries of random sign and magnitude uniform in [low, high] (default
    0.3–0.7: away from the bounds ±1 and from w = 0, the symmetric point of symmetric
    responses such as the power response at τ = 1). ``A = √m·U diag(s) Vᵀ`` with
    orthonormal U (m, n), V (n, n) and s² uniform in [0.5, 1.5], so the Hessian AᵀA/m
    has eigenvalues in [0.5, 1.5]. ``B = A W* + R`` with R orthogonal to the columns
    of A (RMS ``residual``), so W* is the exact minimizer and f(W*) = ‖R‖²/(2m).

    Args:
        n_features, n_outputs: W has shape (n_features, n_outputs).
        seed: seed of the construction.
        n_samples: m, the rows of A (default 4·n_features; must exceed n_features).
    """
    n_features = _count("n_features", n_features)
    n_outputs = _count("n_outputs", n_outputs)
    m = 4 * n_features if n_samples is None else _count("n_samples", n_samples)
    if m <= n_features:
        raise ConfigError(f"n_samples must exceed n_features={n_features}, got {m}")
    if not 0 < low < high < 1:
        raise ConfigError(f"need 0 < low < high < 1, got low={low!r}, high={high!r}")
    rng = np.random.default_rng(seed)
    w_true = rng.choice([-1.0, 1.0], size=(n_features, n_outputs)) \
        * rng.uniform(low, high, size=(n_features, n_outputs))
    u, _ = np.linalg.qr(rng.normal(size=(m, n_features)))
    v, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
    s = np.sqrt(rng.uniform(0.5, 1.5, size=n_features))
    a = np.sqrt(m) * (u * s) @ v.T
    e = rng.normal(size=(m, n_outputs))
    r = e - u @ (u.T @ e)
    r *= _nonnegative("residual", residual) / max(float(np.sqrt(np.mean(r * r))), 1e-300)
    b = a @ w_true + r
    w_opt = np.linalg.lstsq(a, b, rcond=None)[0]
    mag = np.abs(w_opt)
    if mag.min() < low - 1e-9 or mag.max() > high + 1e-9:  # the construction guarantees it
        raise ConfigError(f"least-squares optimum left [{low}, {high}] in magnitude")
    r_opt = a @ w_opt - b
    return LeastSquares(a, b, w_opt, float(np.sum(r_opt * r_opt) / (2 * m)))


@dataclass(frozen=True)
class History:
    """A least-squares run: ``step`` (n,), ``loss`` f(W̄) (n,), ``distance`` RMS
    ‖W̄ − W*‖ [1] (n,), recorded after those steps; ``weights`` the final W̄."""

    label: str
    algorithm: str
    step: np.ndarray
    loss: np.ndarray
    distance: np.ndarray
    weights: np.ndarray
    w_opt: np.ndarray


def _label(device: ResponseDevice, algorithm: str) -> str:
    name = "analog SGD" if algorithm == "analog_sgd" else "residual learning"
    gamma = getattr(device, "gamma", None)
    resp = device.name if gamma is None else f"{device.name} γ={gamma:g}"
    return f"{name}, {resp}"


def run_least_squares(device: ResponseDevice, algorithm: str, steps: int, lr: float, *,
                      problem: LeastSquares | None = None, transfer_lr: float = 0.05,
                      mix: float = 1.0, mode: str = "expected", grad_noise: float = 0.03,
                      lr_decay: float | None = 100.0, seed: int = 0,
                      device_p: ResponseDevice | None = None, transfer_every: int = 1,
                      column_wise: bool = False, record_every: int = 1) -> History:
    """Train W on a least-squares problem with a stochastic gradient; record the way down.

    Step k feeds the learner ``∇f(W̄) + σ·ξ`` (ξ ~ N(0, I), σ = ``grad_noise``) at its
    effective weights W̄, with the learning rates scaled by ``1/(1 + k/lr_decay)``
    (constant if ``lr_decay`` is None). W starts at 0.

    Args:
        device: response device of W (and of P unless ``device_p`` is given).
        algorithm: ``"analog_sgd"`` or ``"residual"``.
        steps: number of steps.
        lr: α; ``transfer_lr`` (β), ``mix``, ``device_p``, ``transfer_every`` and
            ``column_wise`` only matter for residual learning.
        problem: the problem (default ``least_squares_problem(8, 4, seed=1)``).
        mode: ``"expected"`` or ``"pulsed"``.
        seed: seed of the gradient noise and of the pulses.
        record_every: record every this many steps (and after the last).

    Returns:
        A :class:`History` labelled "<algorithm>, <device> γ=<gamma>".
    """
    if algorithm not in ALGORITHMS:
        raise ConfigError(f"algorithm must be one of {', '.join(ALGORITHMS)}, "
                          f"got {algorithm!r}")
    steps = _count("steps", steps)
    record_every = _count("record_every", record_every)
    sigma = _nonnegative("grad_noise", grad_noise)
    decay = None if lr_decay is None else _positive("lr_decay", lr_decay)
    problem = least_squares_problem(8, 4, seed=1) if problem is None else problem
    shape = problem.w_opt.shape
    learner: AnalogSGD | ResidualLearning
    if algorithm == "analog_sgd":
        learner = AnalogSGD(device, shape, lr, mode, seed=seed)
    else:
        learner = ResidualLearning(device, device_p, shape, lr, transfer_lr, mix, mode,
                                   transfer_every=transfer_every, column_wise=column_wise,
                                   seed=seed)
    noise = np.random.default_rng([seed, 1])
    rec_step, rec_loss, rec_dist = [], [], []
    for k in range(steps):
        w = learner.effective()
        grad = problem.gradient(w) + sigma * noise.normal(size=shape)
        learner.step(grad, 1.0 if decay is None else 1.0 / (1.0 + k / decay))
        if (k + 1) % record_every == 0 or k + 1 == steps:
            w = learner.effective()
            rec_step.append(k + 1)
            rec_loss.append(problem.loss(w))
            rec_dist.append(problem.distance(w))
    return History(_label(learner.device, algorithm), algorithm, np.array(rec_step),
                   np.array(rec_loss), np.array(rec_dist), learner.effective(),
                   problem.w_opt.copy())


def plot_least_squares(histories: Sequence[History], path: str | Path) -> Path:
    """Write a PNG of RMS distance to the optimum against step, log y, one line per run.

    Colour follows the response (label after the comma), line style the algorithm
    (dashed analog SGD, solid residual learning). Returns the path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not histories:
        raise ConfigError("plot_least_squares needs at least one history")
    responses = list(dict.fromkeys(h.label.split(", ", 1)[-1] for h in histories))
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, max(len(responses), 1)))
    fig, ax = plt.subplots(figsize=(7.0, 4.5))
    for h in histories:
        c = colours[responses.index(h.label.split(", ", 1)[-1])]
        ax.semilogy(h.step, np.maximum(h.distance, 1e-12), color=c,
                    ls="--" if h.algorithm == "analog_sgd" else "-", label=h.label)
    ax.set_xlabel("step")
    ax.set_ylabel("RMS distance to the least-squares optimum [normalized w]")
    ax.set_title("Least squares with noisy gradients: analog SGD vs residual learning")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path

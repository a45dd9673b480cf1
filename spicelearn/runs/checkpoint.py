"""Checkpoints: everything needed to continue a run exactly.

One checkpoint per epoch, two files in ``DIR/checkpoints/``:

* ``epoch_NNNN.npz``: arrays — ``g`` (n_devices,) conductances [S], the
  optimizer state (``opt.<key>``) and the programmer state (``prog.<key>``).
* ``epoch_NNNN.json``: the epoch, the run id (a hash of the resolved config; a
  checkpoint of another run is refused), the optimizer name, the state of the
  shuffling generator, the metrics rows so far, and the SHA-256 of the npz.

Both are written with :func:`~spicelearn.fileio.write_atomic`, the npz first, so a
json file always describes a complete npz. The newest json is the checkpoint; the
first (epoch 0, the initial conductances) and the newest are kept. In a run folder
both are listed in its manifest before they are written (``runs/folder.py``).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np

from ..errors import CheckpointError
from ..fileio import write_atomic
from ..learning.state import Checkpoint
from .folder import register

FORMAT = 1
_NAME = re.compile(r"^epoch_(\d{4,})\.json$")


def checkpoint_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / "checkpoints"


def save_checkpoint(run_dir: str | Path, ck: Checkpoint) -> Path:
    """Write ``ck`` atomically; returns the json path. Drops older ones except epoch 0."""
    folder = checkpoint_dir(run_dir)
    stem = f"epoch_{ck.epoch:04d}"
    arrays = {"g": np.asarray(ck.g, dtype=float)}
    arrays |= {f"opt.{k}": np.asarray(v) for k, v in ck.optimizer_state.items()}
    arrays |= {f"prog.{k}": np.asarray(v) for k, v in ck.programmer_state.items()}
    arrays |= {f"rule.{k}": np.asarray(v) for k, v in ck.rule_state.items()}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    raw = buf.getvalue()
    register(run_dir, [f"{folder.name}/{stem}.npz", f"{folder.name}/{stem}.json"])
    write_atomic(folder / f"{stem}.npz", raw)
    meta = {
        "format": FORMAT, "epoch": ck.epoch, "run_id": ck.run_id, "optimizer": ck.optimizer,
        "rng_state": ck.rng_state, "metrics": ck.metrics, "npz": f"{stem}.npz",
        "npz_sha256": hashlib.sha256(raw).hexdigest(),
    }
    path = write_atomic(folder / f"{stem}.json", json.dumps(meta, indent=1) + "\n")
    for old in _epochs(folder):
        if 0 < old < ck.epoch:
            for ext in (".json", ".npz"):
                (folder / f"epoch_{old:04d}{ext}").unlink(missing_ok=True)
    return path


def _epochs(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _NAME.match(p.name)))


def latest_epoch(run_dir: str | Path) -> int | None:
    """The epoch of the newest checkpoint in a run folder, or None."""
    eps = _epochs(checkpoint_dir(run_dir))
    return eps[-1] if eps else None


def load_checkpoint(run_dir: str | Path, run_id: str | None = None,
                    epoch: int | None = None) -> Checkpoint:
    """Read the newest (or the given epoch's) checkpoint.

    Raises:
        CheckpointError: none there, unreadable, its npz does not match its json
            (corrupt), or its run id is not ``run_id`` (a foreign checkpoint).
    """
    folder = checkpoint_dir(run_dir)
    if epoch is None:
        epoch = latest_epoch(run_dir)
        if epoch is None:
            raise CheckpointError(f"no checkpoint in {folder}")
    jpath = folder / f"epoch_{epoch:04d}.json"
    try:
        meta = json.loads(jpath.read_text())
        npz = folder / str(meta["npz"])
        raw = npz.read_bytes()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {jpath} is unreadable or corrupt: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {jpath} has an unknown format")
    if hashlib.sha256(raw).hexdigest() != meta.get("npz_sha256"):
        raise CheckpointError(f"checkpoint {npz} is corrupt "
                              f"(its SHA-256 does not match {jpath.name})")
    if run_id is not None and meta.get("run_id") != run_id:
        raise CheckpointError(
            f"checkpoint {jpath} belongs to another run (run id {meta.get('run_id')}, this "
            f"config has {run_id})")
    try:
        with np.load(io.BytesIO(raw)) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {npz} is corrupt: {exc}") from None
    if "g" not in arrays:
        raise CheckpointError(f"checkpoint {npz} holds no conductances")
    return Checkpoint(
        epoch=int(meta["epoch"]), run_id=str(meta["run_id"]), g=arrays["g"],
        optimizer=str(meta["optimizer"]),
        optimizer_state={k[4:]: v for k, v in arrays.items() if k.startswith("opt.")},
        programmer_state={k[5:]: v for k, v in arrays.items() if k.startswith("prog.")},
        rule_state={k[5:]: v for k, v in arrays.items() if k.startswith("rule.")},
        rng_state=meta["rng_state"], metrics=list(meta.get("metrics", [])),
    )

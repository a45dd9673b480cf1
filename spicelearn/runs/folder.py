"""Run folders own only what spicelearn wrote: the manifest, the claim and the lock.

Besides the run's files (see ``rundir.py``) a run folder ``DIR`` holds::

    .spicelearn-manifest.json   every path spicelearn created in DIR, files and folders,
                                relative and '/'-separated; rewritten atomically, and
                                always *before* the paths it adds are created
    .spicelearn.lock            locked (flock) by the process that trains in DIR; holds its pid

The rules:

* DIR is a run ("claimed") once ``run.json`` exists. It is written last, after the
  manifest and ``config.toml``, so a claimed folder can always be resumed (before
  the first checkpoint, resuming starts at epoch 0).
* A new run takes a new path, an empty folder, or a folder of an interrupted start
  (a manifest without ``run.json``). A folder holding anything spicelearn did not
  write is refused, naming the first such entry.
* ``--force`` on a claimed folder removes exactly the manifest's entries,
  ``run.json`` first (an interrupted removal leaves an unclaimed folder). A user's
  file survives, and so does a listed folder that still holds one; a user's file
  where the new run would write is refused.
* ``train`` and ``train --resume`` hold the lock for the whole run; a second
  process gets "run folder DIR is in use by process N".

Test seam: ``SPICELEARN_TEST_SIGNAL_AT=STAGE[:SIGNAL]`` sends SIGNAL (default
SIGKILL) to this process when a new run reaches STAGE (``locked``, ``unclaimed``,
``removed``, ``manifest``, ``config``, ``claimed``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import signal
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType

from ..errors import RunDirError
from ..fileio import atomic_leftover_of, write_atomic

MANIFEST = ".spicelearn-manifest.json"
LOCK = ".spicelearn.lock"
CLAIM = "run.json"
RUN_ENTRIES = ("config.toml", "run.json", "metrics.csv", "report.md", "checkpoints", "plots",
               "plots/loss.png", "plots/accuracy.png", "plots/conductances.png",
               "plots/trajectories.png", "plots/states.png")
_INTERNAL = (MANIFEST, LOCK)
_CHECKPOINT_FILE = re.compile(r"^checkpoints/epoch_\d{4,}\.(json|npz)$")
_FORMAT = 1


def _stage(name: str) -> None:
    spec = os.environ.get("SPICELEARN_TEST_SIGNAL_AT", "")
    stage, _, sig = spec.partition(":")
    if stage == name:
        os.kill(os.getpid(), getattr(signal, sig or "SIGKILL"))


# --- the manifest ----------------------------------------------------------------------


def _is_relative_entry(rel: object) -> bool:
    return (isinstance(rel, str) and "\0" not in rel
            and all(part not in ("", ".", "..") for part in rel.split("/")))


def read_manifest(folder: str | Path) -> set[str] | None:
    """The entries of ``folder``'s manifest, or None when it has none.

    Raises:
        RunDirError: the manifest is unreadable or not spicelearn's.
    """
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{path} is unreadable: {exc}") from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(_is_relative_entry(e) for e in entries):
        raise RunDirError(f"{path} is not a spicelearn manifest")
    return set(entries)


def _with_parents(entries: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for rel in entries:
        parts = rel.split("/")
        out |= {"/".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return out


def write_manifest(folder: str | Path, entries: Iterable[str]) -> None:
    """Write ``folder``'s manifest atomically (parents of the entries are listed too)."""
    listed = sorted(_with_parents(entries))
    text = json.dumps({"format": _FORMAT, "written_by": "spicelearn", "entries": listed},
                      indent=1)
    write_atomic(Path(folder) / MANIFEST, text + "\n")


def register(folder: str | Path, entries: Iterable[str]) -> None:
    """List ``entries`` in ``folder``'s manifest before they are created.

    Listed files other than the fixed run entries that no longer exist (old
    checkpoints) are dropped. A folder without a manifest (a checkpoint written
    through the Python API into any folder) is left alone.
    """
    p = Path(folder)
    owned = read_manifest(p)
    if owned is None:
        return
    new = _with_parents(entries)
    kept = {e for e in owned if e in RUN_ENTRIES or e in new or os.path.lexists(p / e)}
    if kept | new != owned:
        write_manifest(p, kept | new)


def foreign_entries(folder: str | Path, owned: set[str]) -> list[str]:
    """Entries of ``folder`` spicelearn did not write, sorted; inside listed folders too.

    The manifest, the lock file and leftovers of interrupted atomic writes of
    listed files are spicelearn's. A listed path that is now a symbolic link is not.
    """
    root = Path(folder)
    out: list[str] = []

    def walk(rel_dir: str) -> None:
        for name in sorted(os.listdir(root / rel_dir if rel_dir else root)):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not rel_dir and name in _INTERNAL:
                continue
            target = atomic_leftover_of(name)
            if target is not None and (f"{rel_dir}/{target}" if rel_dir else target) in (
                    owned | {MANIFEST}):
                continue
            if rel not in owned or (root / rel).is_symlink():
                out.append(rel)
            elif (root / rel).is_dir():
                walk(rel)

    walk("")
    return out


def _real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def remove_owned(folder: str | Path, owned: set[str]) -> None:
    """Remove exactly the listed entries of ``folder``: ``run.json`` first, then files
    (and leftovers of their interrupted writes), then listed folders left empty.

    Nothing below a symbolic link is touched; the manifest and the lock stay.
    """
    root = Path(folder)
    if CLAIM in owned and not (root / CLAIM).is_symlink():
        (root / CLAIM).unlink(missing_ok=True)
    _stage("unclaimed")
    reachable = [rel for rel in owned if all(
        _real_dir(root / "/".join(rel.split("/")[:i])) for i in range(1, rel.count("/") + 1))]
    folders = [""] + [rel for rel in reachable if _real_dir(root / rel)]
    for rel_dir in folders:
        for name in os.listdir(root / rel_dir if rel_dir else root):
            target = atomic_leftover_of(name)
            listed = f"{rel_dir}/{target}" if rel_dir else target
            if target is not None and (listed in owned or listed == MANIFEST):
                (root / rel_dir / name).unlink(missing_ok=True)
    for rel in reachable:
        if os.path.lexists(root / rel) and not _real_dir(root / rel):
            (root / rel).unlink(missing_ok=True)
    for rel in sorted(folders[1:], key=lambda r: r.count("/"), reverse=True):
        with contextlib.suppress(OSError):
            (root / rel).rmdir()  # a folder still holding a user's file stays


# --- the lock --------------------------------------------------------------------------


@contextlib.contextmanager
def hold_flock(lock_file: Path, cannot_write: str,
               in_use: Callable[[str], str]) -> Iterator[None]:
    """Hold an exclusive flock on ``lock_file`` (which records the holder's pid).

    Raises:
        RunDirError: ``cannot_write: <reason>`` when the file cannot be opened;
            ``in_use(who)`` when another process holds the lock (who names its pid).
    """
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    except OSError as exc:
        raise RunDirError(f"{cannot_write}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
            who = f"process {pid}" if pid.isdigit() else "another process"
            raise RunDirError(in_use(who)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def hold_lock(folder: str | Path) -> contextlib.AbstractContextManager[None]:
    """Hold ``folder``'s run lock (an exclusive flock on ``.spicelearn.lock``).

    Raises:
        RunDirError: the lock file cannot be written, or another process holds the
            lock (the message names its pid).
    """
    p = Path(folder)
    return hold_flock(p / LOCK, f"cannot write in run folder {p}",
                      lambda who: f"run folder {p} is in use by {who}")


# --- claiming a folder for a new run ---------------------------------------------------


def _collides(rel: str) -> bool:
    return rel in RUN_ENTRIES or bool(_CHECKPOINT_FILE.match(rel))


def check_new_run_folder(path: str | Path, force: bool) -> set[str] | None:
    """Check that a new run may use ``path`` (reads only); returns its manifest or None.

    Raises:
        RunDirError: ``path`` is not a folder; it holds another run and ``force`` is
            false; it holds an entry spicelearn did not write (named) that ``force``
            may not keep.
    """
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        return None
    if not p.is_dir():
        raise RunDirError(f"output path {p} exists and is not a folder")
    try:
        owned = read_manifest(p)
        foreign = foreign_entries(p, owned or set())
    except OSError as exc:
        raise RunDirError(f"cannot read output folder {p}: {exc.strerror}") from None
    claimed = owned is not None and CLAIM in owned and (p / CLAIM).is_file()
    if claimed and not force:
        raise RunDirError(f"output folder {p} holds another run (use --resume {p} to "
                          "continue it or --force to replace it)")
    if foreign and (owned is None or not force):
        if owned is not None:
            hint = "--force removes only spicelearn's files and keeps it"
        elif force:
            hint = "--force replaces only a run of spicelearn; use a new or empty folder"
        else:
            hint = "use a new or empty folder"
        raise RunDirError(f"output folder {p} holds '{foreign[0]}', which spicelearn did "
                          f"not write ({hint})")
    clash = next((rel for rel in foreign if _collides(rel)), None)
    if clash is not None:
        raise RunDirError(f"output folder {p} holds '{clash}', which spicelearn did not "
                          "write and the new run would overwrite (move it away first)")
    return owned


def _make_folders(p: Path) -> list[Path]:
    """Create ``p`` and its missing parents; returns the folders created, outermost first."""
    missing = [d for d in (p, *p.parents) if not d.exists()]
    created: list[Path] = []
    try:
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError:
                if not d.is_dir():
                    raise
                continue  # made meanwhile by another process
            created.append(d)
    except OSError as exc:
        _remove_folders(created)
        reason = ("a parent is not a folder" if exc.errno in (errno.ENOTDIR, errno.EEXIST)
                  else exc.strerror)
        raise RunDirError(f"cannot create output folder {p}: {reason}") from None
    return created


def _remove_folders(created: Sequence[Path]) -> None:
    for d in reversed(created):
        with contextlib.suppress(OSError):
            d.rmdir()


class NewRun:
    """Claim a folder for a new run; a context manager that holds its lock.

    On entering: check the folder (before anything is written), create it, take the
    lock, check again, remove the replaced run's entries (``force``), write the
    manifest, then ``files`` in order, ``run.json`` last (the claim). A failure or
    Ctrl-C before the claim undoes what was written (a folder created is removed
    again; a replaced run stays removed). ``claimed`` tells whether ``run.json``
    was written.
    """

    def __init__(self, path: str | Path, force: bool,
                 files: Sequence[tuple[str, str]]) -> None:
        if not files or files[-1][0] != CLAIM:
            raise ValueError(f"the last file of a new run must be {CLAIM}")
        self.path = Path(path)
        self.force = force
        self.files = list(files)
        self._claiming = False
        self._stack = contextlib.ExitStack()

    @property
    def claimed(self) -> bool:
        """True once this run's ``run.json`` is written."""
        return self._claiming and (self.path / CLAIM).is_file()

    def __enter__(self) -> Path:
        p = self.path
        check_new_run_folder(p, self.force)
        created = _make_folders(p)
        had_lock = (p / LOCK).exists()
        written: list[Path] = []  # what this attempt wrote, removed again on a failure
        try:
            self._stack.enter_context(hold_lock(p))
            if not had_lock:
                written.append(p / LOCK)
            _stage("locked")
            owned = check_new_run_folder(p, self.force)
            if owned:
                remove_owned(p, owned)
            _stage("removed")
            if owned is None:
                written.append(p / MANIFEST)
            write_manifest(p, RUN_ENTRIES)
            _stage("manifest")
            for rel, text in self.files:
                self._claiming = rel == CLAIM
                written.append(p / rel)
                write_atomic(p / rel, text)
                _stage("config" if rel != CLAIM else "claimed")
        except BaseException as exc:
            if not self.claimed:
                for f in reversed(written):
                    with contextlib.suppress(OSError):
                        f.unlink(missing_ok=True)
            self._stack.close()
            if not self.claimed:
                _remove_folders(created)
            if isinstance(exc, OSError):
                raise RunDirError(f"cannot write in output folder {p}: {exc.strerror}") \
                    from None
            raise
        return p

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.close()


# --- opening a run to resume it --------------------------------------------------------


def holds_run(path: str | Path) -> bool:
    """True when ``path`` holds a run that can be resumed (``config.toml`` and ``run.json``)."""
    p = Path(path)
    return (p / "config.toml").is_file() and (p / CLAIM).is_file()


@contextlib.contextmanager
def open_run(path: str | Path) -> Iterator[Path]:
    """Hold the lock of the run in ``path`` (to resume it).

    Raises:
        RunDirError: ``path`` holds no run, or another process holds its lock.
    """
    p = Path(path)
    if not holds_run(p):
        raise RunDirError(f"{p} holds no spicelearn run (no config.toml / run.json)")
    with hold_lock(p):
        yield p


def adopt_run(path: str | Path) -> None:
    """Make sure the run in ``path`` has a manifest listing the run's entries.

    A run written before manifests existed gets one listing the fixed run entries
    and its checkpoint files.
    """
    p = Path(path)
    owned = read_manifest(p)
    if owned is None:
        ck = p / "checkpoints"
        found = [f"checkpoints/{f.name}" for f in ck.iterdir()] if _real_dir(ck) else []
        write_manifest(p, [*RUN_ENTRIES, *(f for f in found if _CHECKPOINT_FILE.match(f))])
    elif not set(RUN_ENTRIES) <= owned:
        register(p, RUN_ENTRIES)

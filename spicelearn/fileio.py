"""Writing files so that nothing is ever left half-written.

Every file spicelearn produces goes through :func:`write_atomic`: the content is
written to a temporary file ``.NAME.XXXXXXXX.tmp`` in the same folder, flushed,
and renamed over the target only when complete. A process killed mid-write
leaves at most that temporary file, never a truncated target;
:func:`atomic_leftover_of` recognizes such leftovers.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_LEFTOVER = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (text is written as UTF-8).

    Raises:
        OSError: the folder cannot be created or written (read-only, full, a
            regular file in the way); its ``filename`` is ``path``.
    """
    p = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as exc:
        raise _naming(exc, p) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _naming(exc, p) from None
        raise
    return p


def _naming(exc: OSError, path: Path) -> OSError:
    """``exc`` as the same kind of OSError, naming ``path`` as the file that failed."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def atomic_leftover_of(name: str) -> str | None:
    """The target name whose interrupted :func:`write_atomic` left the file ``name``, or None."""
    m = _LEFTOVER.match(name)
    return m.group("target") if m else None

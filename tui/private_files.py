"""Files only their owner may read: written atomically (temporary file, then rename), mode 0600."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

#: A temporary file older than this was left by a write that never finished (a kill, a crash).
STALE_AFTER = 3600


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(directory: Path) -> None:
    """Delete what interrupted writes left in ``directory`` (``.NAME.*.tmp`` over an hour old)."""
    cutoff = time.time() - STALE_AFTER
    for temp in directory.glob(".*.tmp"):
        try:
            if temp.is_file() and temp.stat().st_mtime < cutoff:
                temp.unlink()
        except OSError:
            continue  # gone already, or not ours to delete: harmless either way

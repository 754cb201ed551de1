"""Write a file atomically: the one implementation (temp file beside it, fsync, rename).

A failure at any point leaves no partial file under the target name, and an existing file is
replaced only by a complete new one. :func:`write_atomic` raises the ``OSError`` itself, so each
caller words the consequence for its users (a recording still in memory, a journal that is
safe up to its last flush, a cache entry that will be recomputed).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["write_atomic"]


def write_atomic(
    path: str | os.PathLike[str], content: bytes | Callable[[BinaryIO], object]
) -> Path:
    """Write ``content`` to ``path`` atomically and durably.

    Parameters
    ----------
    path : path
        Target file; its folder must exist.
    content : bytes or callable
        The bytes, or ``write(fh)`` that writes them to a binary file object.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        The write failed (disk full, permission denied...); no partial file is left.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        # mkstemp makes 0600 files; give the usual permissions (or keep the replaced file's)
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        with contextlib.suppress(OSError):
            os.chmod(tmp_name, mode)
        with os.fdopen(fd, "wb") as fh:
            if isinstance(content, bytes | bytearray | memoryview):
                fh.write(content)
            else:
                content(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        with contextlib.suppress(OSError):  # durability of the rename; not fatal where unsupported
            dfd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return target

"""One command at a time per folder: a lock file (filelock, on every OS), without pandas, so that the
batch runner takes it before anything else."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


class Busy(RuntimeError):
    """Another command is writing to the same folder."""


@contextlib.contextmanager
def locked(folder: Path | str, message: str) -> Iterator[None]:
    """Hold the folder's lock (``.lock``, via filelock: works on every OS) or raise :class:`Busy`."""
    from filelock import FileLock, Timeout

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / ".lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise Busy(message) from None
    try:
        yield
    finally:
        lock.release()

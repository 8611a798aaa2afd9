"""Reading a file a user names: a regular file, read without blocking and never past its cap.

A named pipe or a device such as ``/dev/zero`` is refused before a byte is read, and a file
larger than the cap is refused by its size first, then by what was read (a file can grow).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import BrounckerError


def read_capped(path: Path, max_bytes: int, error: type[BrounckerError], kind: str,
                check_size: Callable[[int], None]) -> bytes:
    """The bytes of ``path``, at most ``max_bytes + 1`` of them read; ``check_size`` is called
    with the size on disk before reading and with the bytes read after, and raises when over.
    Errors are ``error`` with one line naming ``path``; ``kind`` says what the file should be
    (``"a spec is a TOML file"``)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # checked before fdopen, which refuses a directory itself
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "a named pipe" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        raise error(f"{path}: {what}; {kind}")
    with os.fdopen(fd, "rb") as handle:
        check_size(info.st_size)
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    check_size(len(raw))
    return raw

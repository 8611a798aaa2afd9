"""The driver of a search: which process runs it, and whether that process is still there.

A running driver writes a heartbeat into its search's row (host, process id, time of the
last beat) every :data:`HEARTBEAT_SECONDS` and with every batch it writes. A search
stored as ``running`` has lost its driver when

- it has no beat at all (left by a brouncker older than the heartbeat),
- its last beat is older than :data:`STALE_AFTER_BEATS` beats, or
- its driver ran on this host and its process no longer exists (killed, out of memory,
  taken down with its Ray instance): this needs no waiting.

Such a search is shown as interrupted, and ``search resume`` finishes it.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HEARTBEAT_SECONDS = 10.0  # a driver beats this often while it runs a search
STALE_AFTER_BEATS = 6  # ... and counts as gone after this many beats missed (a minute)
STALE_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * STALE_AFTER_BEATS)


@dataclass(frozen=True, slots=True)
class Driver:
    """A process that runs a search: its host name and process id."""

    host: str
    pid: int

    @classmethod
    def this_process(cls) -> Driver:
        """The driver that this process is."""
        return cls(socket.gethostname(), os.getpid())


def as_utc(moment: datetime) -> datetime:
    """A time from the database as an aware UTC time (SQLite gives naive UTC times back).

    >>> as_utc(datetime(2026, 12, 7, 9, 0)).isoformat()
    '2026-12-07T09:00:00+00:00'
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def process_exists(pid: int) -> bool:
    """Whether process ``pid`` exists on this host and has not exited (a zombie, killed
    but not yet reaped by its parent, has exited).

    >>> process_exists(os.getpid())
    True
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[:1] != ["Z"]
    except OSError:  # no /proc here: os.kill said it exists
        return True


def no_driver_since(
    host: str | None, pid: int | None, heartbeat_at: datetime | None, updated_at: datetime | None, *, now: datetime,
    here: str | None = None,
) -> datetime | None:
    """When the driver of a ``running`` search was last seen, if it is gone; None while it runs.

    ``here`` is this host's name (default: :func:`socket.gethostname`); a driver on
    another host is judged by its beat alone.

    >>> t = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    >>> no_driver_since("elsewhere", 1, t, t, now=t + timedelta(seconds=20), here="here") is None
    True
    >>> no_driver_since("elsewhere", 1, t, t, now=t + STALE_AFTER + timedelta(seconds=1), here="here") == t
    True
    >>> no_driver_since(None, None, None, t, now=t) == t  # no beat at all: an older driver, gone
    True
    """
    if heartbeat_at is None:
        return as_utc(updated_at) if updated_at is not None else as_utc(now)
    beat = as_utc(heartbeat_at)
    if as_utc(now) - beat > STALE_AFTER:
        return beat
    if host is not None and pid is not None and host == (here or socket.gethostname()) and not process_exists(pid):
        return beat
    return None

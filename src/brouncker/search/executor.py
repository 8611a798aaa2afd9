"""Executors: run a module-level function over many tasks, serially or on Ray.

Both yield :class:`TaskOutcome` objects as tasks finish. An exception raised inside the
function is a mathematical or user error: it is caught where it happened, never
retried, and comes back as ``TaskOutcome.error``. A worker process that dies (killed,
out of memory, ``os._exit``) is a system failure: Ray reruns its task up to
``max_retries`` times.

:class:`RayExecutor` starts a private Ray instance on this machine, or joins a cluster
when given an address or ``$RAY_ADDRESS`` (with token authentication, the default of
``ray start --head``, when a token is at hand: ``$RAY_AUTH_TOKEN`` or
``~/.ray/auth_token``). If Ray is already initialised in this process it is reused and
left running on close. It keeps a few tasks per CPU in flight and collects them with
``ray.wait``; whether large requests are allowed (:func:`brouncker.limits.allow_large`)
travels with each task.

The private instance (:class:`LocalInstance`) is started by a small keeper process in a
process group of its own (``ray.init(address="local")`` there, never a bare
``ray.init()``, which would join whatever cluster ``/tmp/ray`` last named), without a
dashboard. The keeper holds a pipe from this process; when the pipe closes, because this
process closed the executor, exited or was killed (even by SIGKILL), the keeper kills its
whole process group. Ray's agents, which ignore SIGTERM and outlive a killed driver when
started from it directly, go with it.

A Ray instance or cluster that goes away under a run (``ray stop``, a head that restarts,
an out-of-memory kill) leaves ``ray.wait`` waiting, and about a minute later Ray's core
worker ends this process without a word. So the executor waits in slices of
:data:`HEALTH_CHECK_SECONDS` and, when nothing came back in a slice (or Ray reports a
system error), checks the instance: the keeper watches its raylet and GCS and says
when one dies; a cluster's head must still accept connections. When it is gone, the
executor shuts its side of Ray down (so that this process survives) and raises
:class:`~brouncker.errors.ClusterLostError` naming what went away.

>>> with SerialExecutor() as ex:
...     [(o.index, o.result, o.error) for o in ex.imap_unordered(abs, [-2, 3])]
[(0, 2, None), (1, 3, None)]
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, Generic, TypeVar

from ..errors import BrounckerError, ClusterLostError
from ..limits import allow_large, large_allowed

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_RETRIES = 3  # reruns of a task whose worker process died
DEFAULT_IN_FLIGHT_PER_CPU = 2  # tasks queued per CPU: keeps workers busy, bounds memory
OBJECT_STORE_BYTES = 512 * 1024**2  # the embedded instance moves only small records
CONNECT_TIMEOUT = 5.0  # seconds to wait for a cluster's head to accept a connection
START_TIMEOUT = 180.0  # seconds to wait for the private instance (Ray starts in about 4 s; slower under load)
STOP_TIMEOUT = 10.0  # seconds to wait for the keeper to take its instance down
HEALTH_CHECK_SECONDS = 2.0  # a wait slice: with nothing back after it, the executor checks its instance or cluster
KEEPER_CHECK_SECONDS = 1.0  # how often the keeper looks at its raylet and GCS
PROBES_TO_LOSE = 2  # a cluster's head counts as gone after this many failed connections in a row
LOSS_GRACE_SECONDS = 3.0  # after a system error from Ray, how long to look for a lost instance before blaming the task
VITAL_PROCESSES = ("raylet", "gcs_server")  # the processes of an instance without which no task runs
AUTH_NOTICE_LOGGER = "ray._private.authentication.authentication_token_setup"


@dataclass(frozen=True, slots=True)
class TaskOutcome(Generic[T, R]):
    """What became of one task: its result, or the error it raised (never both)."""

    index: int  # position of the task in the input sequence
    task: T
    result: R | None
    error: str | None  # a mathematical/user error raised inside fn (not retried)

    @property
    def ok(self) -> bool:
        return self.error is None


def describe_exception(exc: BaseException) -> str:
    """One line: the exception type, its message and where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"


def _check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail fast when nothing listens at ``host:port`` (Ray itself retries for minutes)."""
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # "auto", "ray://...": Ray's own business
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConnectionError(
            f"nothing answers at {address} ({exc.strerror or exc}); start the head with `ray start --head --port {port}`"
        ) from None


def _gcs_address(ray: Any) -> str:
    """``host:port`` of the GCS this process is connected to; empty when Ray does not say
    (a Ray Client connection), and then the head is not probed."""
    try:
        return str(ray.get_runtime_context().gcs_address or "")
    except Exception:  # noqa: BLE001 - any failure means: unknown, so never probed
        return ""


def _token_available() -> bool:
    """Whether a Ray authentication token is at hand ($RAY_AUTH_TOKEN or its file)."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return True
    path = os.environ.get("RAY_AUTH_TOKEN_PATH") or os.path.join("~", ".ray", "auth_token")
    return os.path.isfile(os.path.expanduser(path))


def _enable_token_auth() -> None:
    """Send the token to the cluster: ``RAY_AUTH_MODE=token``, which Ray reads into its
    cached C++ config (refreshed through Ray's own helper where it exists)."""
    os.environ["RAY_AUTH_MODE"] = "token"
    try:
        config = getattr(importlib.import_module("ray._raylet"), "Config", None)
    except ImportError:
        config = None
    if config is not None:  # a Ray without the cached config reads the variable itself
        config.initialize("")


def _call(fn: Callable[[Any], Any], task: Any, large: bool = False) -> tuple[bool, Any]:
    """Run ``fn(task)`` (with large requests allowed if ``large``) and return
    ``(True, result)`` or ``(False, error line)``."""
    try:
        with allow_large(large):
            return True, fn(task)
    except Exception as exc:  # noqa: BLE001 - an error inside fn is data, not a crash
        return False, describe_exception(exc)


# The keeper of a private instance: starts it in its own process group (its parent made it
# a session leader), says where it is, waits for EOF on stdin while it watches the vital
# processes of the instance (saying which died), then kills the whole group.
_KEEPER = """
import json, logging, os, select, signal, sys
try:
    import ray
    options, check, vital = json.loads(sys.argv[1])
    ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False, **options)
    sys.stdout.write("ADDRESS " + ray.get_runtime_context().gcs_address + "\\n")
    sys.stdout.flush()
    node = getattr(ray._private.worker, "_global_node", None)
    while True:
        readable, _, _ = select.select([sys.stdin], [], [], check)
        if readable and not os.read(sys.stdin.fileno(), 4096):
            break
        dead = sorted({kind for kind, _ in node.dead_processes() if kind in vital}) if node is not None else []
        if dead:
            sys.stdout.write("LOST " + " ".join(dead) + "\\n")
            sys.stdout.flush()
            break
finally:
    os.killpg(0, signal.SIGKILL)
"""


class LocalInstance:
    """A private Ray instance on this machine that nothing of it outlives this process.

    It runs under a keeper process in a new session (so a process group of its own, out
    of the terminal's reach); every Ray process (GCS, raylet, agents, workers) inherits
    that group. :meth:`close`, or the end of this process however it comes, closes the
    keeper's stdin, and the keeper kills the group.
    """

    def __init__(self, cpus: int, object_store_bytes: int = OBJECT_STORE_BYTES, timeout: float = START_TIMEOUT) -> None:
        env = dict(os.environ)
        env.setdefault("RAY_AUTH_MODE", "token")  # Ray's default for a new instance, said explicitly: no notice
        env.pop("RAY_ADDRESS", None)
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        options = json.dumps([{"num_cpus": cpus, "object_store_memory": object_store_bytes}, KEEPER_CHECK_SECONDS, VITAL_PROCESSES])
        self._lost: str | None = None
        self.keeper = subprocess.Popen(
            [sys.executable, "-c", _KEEPER, options],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env, start_new_session=True,
        )
        try:
            self.address = self._read_address(timeout)
        except BaseException:
            self.close()
            raise

    def _read_address(self, timeout: float) -> str:
        assert self.keeper.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrounckerError(f"a local Ray instance did not start within {timeout:.0f} s")
            readable, _, _ = select.select([self.keeper.stdout], [], [], min(remaining, 1.0))
            if readable:
                line = self.keeper.stdout.readline().decode(errors="replace")
                if line.startswith("ADDRESS "):
                    return line.split(None, 1)[1].strip()
                if line:
                    continue  # something else printed on stdout
                self.keeper.wait()
                raise BrounckerError(f"cannot start a local Ray instance: {self._last_error()}")

    def _last_error(self) -> str:
        self._stderr.seek(0)
        lines = [line.strip() for line in self._stderr.read().decode(errors="replace").splitlines() if line.strip()]
        return lines[-1][:300] if lines else f"the keeper exited with code {self.keeper.returncode}"

    def lost(self) -> str | None:
        """What of the instance went away (its keeper says, or is gone); None while it runs."""
        if self._lost is None and self.keeper.stdout is not None and not self.keeper.stdout.closed:
            while select.select([self.keeper.stdout], [], [], 0)[0]:
                line = self.keeper.stdout.readline().decode(errors="replace")
                if line.startswith("LOST "):
                    self._lost = f"its {' and '.join(line.split()[1:])} died"
                if not line:
                    break
        if self._lost is None and self.keeper.poll() is not None:
            code = self.keeper.returncode
            self._lost = f"its keeper process {self.keeper.pid} was killed by signal {-code}" if code < 0 else (
                f"its keeper process {self.keeper.pid} exited with code {code}")
        return self._lost

    def close(self) -> None:
        """Take the instance down: the keeper kills its process group (idempotent)."""
        if self.keeper.stdin is not None and not self.keeper.stdin.closed:
            self.keeper.stdin.close()
        try:
            self.keeper.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:  # the keeper is stuck: do its work
            try:
                os.killpg(self.keeper.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.keeper.wait()
        if self.keeper.stdout is not None:
            self.keeper.stdout.close()
        self._stderr.close()


class Executor(ABC):
    """Runs ``fn`` over ``tasks``, yielding outcomes as they finish (any order)."""

    workers: int

    @abstractmethod
    def imap_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[TaskOutcome[T, R]]:
        """Yield one :class:`TaskOutcome` per task. ``fn`` must be a module-level function."""

    def close(self) -> None:
        """Release the workers (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Every task in this process, in order: for tests, tiny runs and ``--workers 0``."""

    workers = 1

    def imap_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[TaskOutcome[T, R]]:
        for index, task in enumerate(tasks):
            ok, value = _call(fn, task)
            yield TaskOutcome(index, task, value if ok else None, None if ok else value)


class RayExecutor(Executor):
    """Tasks on Ray: a private local instance by default, or a cluster by address."""

    def __init__(
        self,
        workers: int | None = None,
        address: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        in_flight_per_cpu: int = DEFAULT_IN_FLIGHT_PER_CPU,
    ) -> None:
        import ray

        self._ray = ray
        self._owns = False
        self._instance: LocalInstance | None = None
        target = address or os.environ.get("RAY_ADDRESS") or None
        if not ray.is_initialized():
            if target:
                _check_reachable(target)
                if "RAY_AUTH_MODE" not in os.environ and _token_available():
                    _enable_token_auth()  # what `ray start --head` expects by default
                try:
                    ray.init(address=target, logging_level=logging.WARNING, log_to_driver=False)
                except ConnectionError as exc:
                    raise ConnectionError(
                        f"{exc}; is the cluster up (`ray start --head --port PORT`), and does this machine hold "
                        "its token (~/.ray/auth_token or $RAY_AUTH_TOKEN)?"
                    ) from None
            else:
                # a private instance on this machine: its token-auth notice is noise here
                logging.getLogger(AUTH_NOTICE_LOGGER).setLevel(logging.ERROR)
                self._instance = LocalInstance(cpus=workers or os.cpu_count() or 1)
                if os.environ.get("RAY_AUTH_MODE", "token") == "token":
                    _enable_token_auth()  # the keeper's instance uses Ray's default: a token
                try:
                    ray.init(address=self._instance.address, logging_level=logging.WARNING, log_to_driver=False)
                except BaseException:
                    self._instance.close()
                    raise
            self._owns = True
        cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
        self.workers = min(workers, cpus) if workers else cpus
        self.max_retries = max_retries
        self.in_flight = max(1, self.workers * in_flight_per_cpu)
        self._remote = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=False)(_call)
        self._closed = False
        self._gcs_address: str = _gcs_address(ray)
        self._where = f"the Ray cluster at {target}" if target and self._instance is None else "the local Ray instance"
        self._failed_probes = 0

    def lost(self) -> str | None:
        """What went away, when the instance or cluster under this executor did; None while it runs.

        The keeper of a private instance says so at once; otherwise the GCS (the head)
        must accept a connection, and :data:`PROBES_TO_LOSE` refusals in a row mean it is gone."""
        what = self._instance.lost() if self._instance is not None else None
        if what is None:
            try:
                _check_reachable(self._gcs_address, timeout=HEALTH_CHECK_SECONDS)
                self._failed_probes = 0
            except ConnectionError:
                self._failed_probes += 1
                if self._failed_probes >= PROBES_TO_LOSE:
                    what = f"its head at {self._gcs_address} does not answer"
        return f"{self._where} went away ({what})" if what else None

    def _lost_after_error(self) -> str | None:
        """After a system error from Ray: whether it came from a lost instance or cluster
        (looked at for :data:`LOSS_GRACE_SECONDS`, the time its keeper needs to notice)."""
        deadline = time.monotonic() + LOSS_GRACE_SECONDS
        while (what := self.lost()) is None and time.monotonic() < deadline:
            time.sleep(KEEPER_CHECK_SECONDS / 2)
        return what

    def imap_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[TaskOutcome[T, R]]:
        ray = self._ray
        pending: dict[Any, int] = {}
        fn_ref = ray.put(fn)
        large = large_allowed()
        position = 0
        lost: str | None = None
        try:
            while position < len(tasks) or pending:
                while position < len(tasks) and len(pending) < self.in_flight:
                    pending[self._remote.remote(fn_ref, tasks[position], large)] = position
                    position += 1
                try:
                    ready, _ = ray.wait(list(pending), num_returns=1, timeout=HEALTH_CHECK_SECONDS)
                except ray.exceptions.RaySystemError:
                    if (lost := self._lost_after_error()) is not None:
                        raise ClusterLostError(lost) from None
                    raise
                if not ready and (lost := self.lost()) is not None:
                    raise ClusterLostError(lost)
                for ref in ready:
                    index = pending.pop(ref)
                    try:
                        ok, value = ray.get(ref)
                    except ray.exceptions.RayError as exc:  # the worker died max_retries + 1 times, or Ray did
                        if (lost := self._lost_after_error()) is not None:
                            raise ClusterLostError(lost) from None
                        ok, value = False, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
                    yield TaskOutcome(index, tasks[index], value if ok else None, None if ok else value)
        finally:
            if lost is not None:  # nothing left to cancel; leave Ray before its core worker ends this process
                self.close()
            for ref in pending if lost is None else ():  # interrupted: stop what is still running
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001 - best effort while unwinding
                    pass

    def close(self) -> None:
        if not self._closed and self._owns and self._ray.is_initialized():
            self._ray.shutdown()
        if self._instance is not None:
            self._instance.close()
            self._instance = None
        self._closed = True


def make_executor(workers: int | None = None, address: str | None = None) -> Executor:
    """``workers == 0`` -> :class:`SerialExecutor`; otherwise :class:`RayExecutor`."""
    if workers == 0:
        return SerialExecutor()
    if workers is not None and workers < 0:
        raise BrounckerError(f"--workers must be 0 (serial) or positive, got {workers}")
    return RayExecutor(workers=workers, address=address)

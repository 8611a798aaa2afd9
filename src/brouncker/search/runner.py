"""The driver of every search: spec -> plan -> shards -> executor -> records -> database.

One driver serves every kind of search (:mod:`brouncker.search.kinds`): the kind plans the
shards and says what a worker runs; the driver does the rest. The shards are computed
(and the spec's limits checked) before the store is touched.

The same spec twice is the same search (found by its hash): its shards are added once,
and only shards not yet ``done`` run again, so a rerun or a ``resume`` after a crash or
Ctrl-C adds nothing twice. Workers return records; only this driver writes them, in
batches, each batch in one transaction **before** its shards are marked ``done``: a
driver killed between the two leaves shards to redo, whose records the store ignores as
already present. An error raised inside a shard marks it ``failed`` with the message; a
later run or resume tries it again.

The driver claims its search (host, process id) and beats in the search's row while it
runs: on a timer, and with every batch it writes. A driver that dies without a word
(killed, out of memory) leaves a beat that goes stale, and the search reads as
interrupted. When the Ray instance or cluster goes away under it, the driver writes what
it holds, puts the unfinished shards back, and ends the run as interrupted, saying what
went away (:attr:`SearchReport.interruption`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..errors import BrounckerError, ClusterLostError, StoreError
from ..records import ConjectureRecord, EdgeRecord, MetricsRecord, PCFRecord, SearchStatus, ShardStatus
from ..store import HEARTBEAT_SECONDS, Driver
from .executor import Executor, TaskOutcome, make_executor
from .kinds import kind_of, plan_search
from .shards import Plan, Shard, ShardResult
from .spec import SearchSpec, parse_spec

if TYPE_CHECKING:
    from ..store import ConjectureRow, ShardRow, Store

BATCH_RECORDS = 2000  # records buffered before a write
BATCH_SECONDS = 5.0  # ... or seconds since the last write, whichever comes first
TO_RUN = (ShardStatus.PENDING, ShardStatus.RUNNING, ShardStatus.FAILED)


@dataclass(frozen=True, slots=True)
class SearchReport:
    """How a run of a search ended, and what the search holds."""

    search_id: int
    name: str
    status: SearchStatus  # done | failed (some shards failed) | interrupted
    shards: dict[str, int]  # shards by status
    counters: dict[str, float]  # summed over done shards
    seconds: float  # this run
    pcfs_per_second: float  # this run, in the kind's units (PCFs; (LHS, period) pairs for ESMA)
    kind: str = "pcf"
    unit: str = "PCFs"
    written: dict[str, int] = field(default_factory=dict)  # rows this run added
    findings: list[ConjectureRow] = field(default_factory=list)  # the search's conjectures
    errors: list[str] = field(default_factory=list)  # "shard N: message" for failed shards
    interruption: str | None = None  # what went away when the Ray instance or cluster did; None for Ctrl-C

    def as_dict(self) -> dict[str, Any]:
        return {
            "search_id": self.search_id,
            "name": self.name,
            "kind": self.kind,
            "unit": self.unit,
            "status": self.status,
            "shards": dict(self.shards),
            "counters": dict(self.counters),
            "seconds": self.seconds,
            "pcfs_per_second": self.pcfs_per_second,
            "written": dict(self.written),
            "findings": [f.as_dict() for f in self.findings],
            "errors": list(self.errors),
            "interruption": self.interruption,
        }


class _Batch:
    """Records waiting to be written, and the shards they complete."""

    def __init__(self) -> None:
        self.pcfs: list[PCFRecord] = []
        self.metrics: list[MetricsRecord] = []
        self.conjectures: list[ConjectureRecord] = []
        self.edges: list[EdgeRecord] = []
        self.shards: list[tuple[int, dict]] = []
        self.since = time.monotonic()

    def add(self, result: ShardResult) -> None:
        self.pcfs.extend(result.pcfs)
        self.metrics.extend(result.metrics)
        self.conjectures.extend(result.conjectures)
        self.edges.extend(result.edges)
        self.shards.append((result.shard.index, dict(result.counts)))

    @property
    def size(self) -> int:
        return len(self.pcfs) + len(self.metrics) + len(self.conjectures) + len(self.edges)

    def due(self) -> bool:
        return self.size >= BATCH_RECORDS or (bool(self.shards) and time.monotonic() - self.since >= BATCH_SECONDS)


class _Heartbeat:
    """The driver's beat on a thread of its own, every :data:`HEARTBEAT_SECONDS` until
    stopped, so that a long shard does not make a live driver look gone. A beat that
    fails (the database busy or away) is skipped: the next one may pass, and the
    driver's own writes report a database that is gone."""

    def __init__(self, store: Store, search_id: int, driver: Driver) -> None:
        self.store, self.search_id, self.driver = store, search_id, driver
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"brouncker-heartbeat-{search_id}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self.store.beat(self.search_id, self.driver)
            except StoreError:
                pass

    def __enter__(self) -> Self:
        if not self.store.in_memory:  # no other process can read an in-memory store, nor another thread
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=HEARTBEAT_SECONDS)


def _sum_counts(rows: list[ShardRow]) -> dict[str, float]:
    total: dict[str, float] = {}
    for row in rows:
        for key, value in (row.counts or {}).items():
            if isinstance(value, (int, float)):
                total[key] = total.get(key, 0) + value
    return total


def _progress(console: Console | None, enabled: bool, unit: str) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]:>10,.0f} " + unit + "/s"),
        TextColumn("hits {task.fields[hits]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        transient=False,
    )


class SearchRunner:
    """Runs one search of a store to completion (or until interrupted)."""

    def __init__(
        self,
        store: Store,
        spec: SearchSpec,
        search_id: int,
        executor: Executor,
        *,
        plan: Plan | None = None,
        progress: bool = True,
        console: Console | None = None,
        task_fn: Callable[[Any], ShardResult] | None = None,
    ) -> None:
        self.store = store
        self.spec = spec
        self.kind = kind_of(spec)
        self.plan = plan or self.kind.plan(spec)
        self.search_id = search_id
        self.executor = executor
        self.progress = progress
        self.console = console or Console(stderr=True)
        self.task_fn = task_fn or self.kind.work
        self.written = {"pcfs": 0, "metrics": 0, "conjectures": 0}
        self.errors: list[str] = []
        self.driver = Driver.this_process()
        self.interruption: str | None = None

    def _flush(self, batch: _Batch) -> _Batch:
        if batch.shards:
            counts = self.store.write_records(
                pcfs=batch.pcfs, metrics=batch.metrics, conjectures=batch.conjectures, search_id=self.search_id
            )
            for key, value in counts.as_dict().items():
                self.written[key] += value
            if batch.edges:
                self.written["edges"] = self.written.get("edges", 0) + self.store.write_edges(batch.edges)
            for index, shard_counts in batch.shards:
                self.store.set_shard_status(self.search_id, index, ShardStatus.DONE, counts=shard_counts)
            self.store.beat(self.search_id, self.driver)
        return _Batch()

    def run(self) -> SearchReport:
        started = time.perf_counter()
        todo = [s for s in self.store.shards(self.search_id) if s.status in TO_RUN]
        shards = [Shard(s.shard_index, s.start, s.stop) for s in todo]
        tasks = self.kind.tasks(self.spec, shards, self.search_id) if shards else []
        total = sum(self.plan.units_of(shard) for shard in shards)
        self.store.claim_search(self.search_id, self.driver)  # refused while another driver runs it
        for s in todo:
            self.store.set_shard_status(self.search_id, s.shard_index, ShardStatus.RUNNING)
        done_units = 0
        hits = 0
        status = SearchStatus.DONE
        batch = _Batch()
        pending = {shard.index for shard in shards}
        try:
            with _Heartbeat(self.store, self.search_id, self.driver), \
                    _progress(self.console, self.progress and bool(tasks), self.kind.unit) as bar:
                job = bar.add_task(self.spec.name, total=max(total, 1), rate=0.0, hits=0)
                outcome: TaskOutcome[Any, ShardResult]
                for outcome in self.executor.imap_unordered(self.task_fn, tasks):
                    shard = shards[outcome.index]
                    pending.discard(shard.index)
                    if outcome.error is not None or outcome.result is None:
                        message = outcome.error or "no result"
                        self.errors.append(f"shard {shard.index}: {message}")
                        self.store.set_shard_status(self.search_id, shard.index, ShardStatus.FAILED, error=message[:2000])
                    else:
                        batch.add(outcome.result)
                        hits += len(outcome.result.conjectures)
                        if batch.due():
                            batch = self._flush(batch)
                    done_units += self.plan.units_of(shard)
                    elapsed = max(time.perf_counter() - started, 1e-9)
                    bar.update(job, completed=done_units, rate=done_units / elapsed, hits=hits)
                batch = self._flush(batch)
        except (KeyboardInterrupt, ClusterLostError) as exc:
            status = SearchStatus.INTERRUPTED
            self.interruption = str(exc) if isinstance(exc, ClusterLostError) else None
            try:
                batch = self._flush(batch)
            finally:
                for index in pending:
                    self.store.set_shard_status(self.search_id, index, ShardStatus.PENDING)
        if self.kind.finish is not None:
            self.kind.finish(self.store, self.search_id)
        return self._report(status, time.perf_counter() - started, done_units)

    def _report(self, status: SearchStatus, seconds: float, done_units: int) -> SearchReport:
        shards = self.store.shards(self.search_id)
        by_status: dict[str, int] = {}
        for s in shards:
            by_status[s.status] = by_status.get(s.status, 0) + 1
        counters = _sum_counts([s for s in shards if s.status is ShardStatus.DONE])
        if status is not SearchStatus.INTERRUPTED:
            status = SearchStatus.FAILED if by_status.get(ShardStatus.FAILED) else SearchStatus.DONE
        counters_out = {k: counters.get(k, 0) for k in (*self.kind.count_keys, "seconds", "cpu_seconds")}
        self.store.set_search_status(self.search_id, status, counters=counters_out)
        errors = self.errors or [f"shard {s.shard_index}: {s.error}" for s in shards if s.status is ShardStatus.FAILED]
        return SearchReport(
            search_id=self.search_id,
            name=self.spec.name,
            status=status,
            shards=by_status,
            counters=counters_out,
            seconds=round(seconds, 3),
            pcfs_per_second=round(done_units / seconds, 1) if seconds > 0 else 0.0,
            kind=self.kind.name,
            unit=self.kind.unit,
            written=dict(self.written),
            findings=self.store.query(search=self.search_id, sort="id"),
            errors=errors,
            interruption=self.interruption,
        )


def prepare_search(store: Store, spec: SearchSpec, plan: Plan | None = None) -> int:
    """The search of this spec in the store (created if new), with all its shards.

    The plan (shards and limits) is made first, so a spec that cannot run leaves nothing
    in the store, and a new search's row and shards are written in one transaction. This
    is the one place that creates searches. A stored search keeps the shards it was given:
    they, not a new plan, say what is left to run.
    """
    plan = plan or plan_search(spec)
    spec_hash = spec.hash
    shards = [(s.index, s.start, s.stop) for s in plan.shards]
    search_id = store.find_search_by_hash(spec_hash)
    if search_id is None:
        return store.create_search(spec.name, spec.as_dict(), spec_hash, shards=shards)
    if not store.shards(search_id):  # a search row left without shards by an older brouncker
        store.add_shards(search_id, shards)
    return search_id


def stored_spec(store: Store, search_id: int) -> SearchSpec:
    """The spec of a stored search; :class:`StoreError` if there is no such search."""
    row = store.search(search_id)
    if row is None or row.spec is None:
        raise StoreError(f"no search with id {search_id}")
    return parse_spec(row.spec, f"search {search_id}")


def _check_device(spec: SearchSpec) -> None:
    """Refuse ``[screen] device = "gpu"`` up front when the search runs on this machine and it
    has no CUDA device (on a cluster the workers' machines decide)."""
    screen = getattr(spec, "screen", None)
    if getattr(screen, "device", None) != "gpu":
        return
    from ..screening.gpu import available  # numba.cuda: imported only for a GPU spec

    if not available():
        raise BrounckerError('[screen] device = "gpu": numba sees no CUDA device on this machine; use device = "cpu"')


def run_search(
    store: Store,
    spec: SearchSpec,
    *,
    plan: Plan | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    address: str | None = None,
    search_id: int | None = None,
    progress: bool = True,
    console: Console | None = None,
    task_fn: Callable[[Any], ShardResult] | None = None,
) -> SearchReport:
    """Run (or resume) the search of ``spec`` in ``store`` until no shard is left.

    ``plan`` is :func:`~brouncker.search.kinds.plan_search` of the spec (made here when not
    given); ``executor`` defaults to :func:`make_executor` with ``workers`` and ``address``
    (closed at the end); ``task_fn`` replaces the kind's task function (fault-injection tests).
    The caller owns ``store`` and closes it.
    """
    if executor is None and not (address or os.environ.get("RAY_ADDRESS")):
        _check_device(spec)
    plan = plan or plan_search(spec)
    if search_id is None:
        search_id = prepare_search(store, spec, plan)
    own = executor is None
    if executor is None:
        try:
            executor = make_executor(workers=workers, address=address)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise BrounckerError(f"cannot start the executor: {' '.join(str(exc).split())[:300]}") from None
    try:
        runner = SearchRunner(store, spec, search_id, executor, plan=plan, progress=progress, console=console, task_fn=task_fn)
        return runner.run()
    finally:
        if own:
            executor.close()


def resume_search(store: Store, search_id: int, **kwargs: Any) -> SearchReport:
    """Run the shards of a stored search that are not done yet."""
    spec = stored_spec(store, search_id)
    return run_search(store, spec, search_id=search_id, **kwargs)

"""Verifications run in the background for the web app, one at a time.

A request to verify a stored conjecture to N digits becomes a :class:`Job`; one worker
thread runs the jobs in order, each by :func:`brouncker.convergence.verify.verify`, and
records the outcome through the store's API (:meth:`~brouncker.store.Store.record_verification`),
which is the only write the web app makes. A job's page follows it: waiting, running (for
how long, to how many digits), then the verdict. A store whose file was deleted or
replaced is refused before a job is queued, and a job whose write fails says why and
leaves the server serving.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import BrounckerError, BusyError, StoreError
from ..store import ConjectureRow, Store
from ..stored import verifiable, verify_and_record

JOBS_KEPT = 200  # finished jobs whose pages can still be opened
RETRY_AFTER_SECONDS = 10  # what a refusal for a full queue tells the client to wait


class JobState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(slots=True)
class Job:
    """One verification asked for through the app (mutable: the worker fills it in)."""

    id: str
    conjecture_id: int
    digits: int
    formula: str
    state: JobState = JobState.WAITING
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    verdict: str | None = None
    digits_agreed: int | None = None
    depth: int | None = None
    seconds: float | None = None
    message: str = ""
    verification_id: int | None = None
    store_failed: bool = False  # the verification ran, but the store could not record it

    @property
    def elapsed(self) -> float:
        """Seconds it has run (or ran)."""
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    @property
    def ended(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class VerificationJobs:
    """The queue of verifications: checked on submission, run one at a time, recorded
    through ``writer`` (the app's only store that may write)."""

    def __init__(self, writer: Store, max_digits: int, max_waiting: int) -> None:
        self.writer = writer
        self.max_digits = max_digits
        self.max_waiting = max_waiting
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="brouncker-verify")

    def submit(self, conjecture_id: int, digits: int) -> Job:
        """A new job verifying the stored conjecture to ``digits`` digits; a conjecture that
        cannot be verified and N beyond the cap are refused (BrounckerError), a store whose
        file went away (StoreUnavailableError), and a full queue (BusyError)."""
        if not 1 <= digits <= self.max_digits:
            raise BrounckerError(f"digits: {digits} is not between 1 and {self.max_digits} (the cap this server was started with)")
        self.writer.check_same_database()
        row = verifiable(self.writer.get_conjecture(conjecture_id), conjecture_id)
        with self._lock:
            queued = [j for j in self._jobs.values() if not j.ended]
            if len(queued) > self.max_waiting:
                running = sum(1 for j in queued if j.state is JobState.RUNNING)
                raise BusyError(f"the queue is full: {len(queued)} verifications ({running} running, {len(queued) - running} waiting, "
                                f"at most {self.max_waiting} wait); try again when one has finished")
            job = Job(secrets.token_hex(8), conjecture_id, digits, f"{row.expression} = PCF({row.a}, {row.b})")
            self._jobs[job.id] = job
            while len(self._jobs) > JOBS_KEPT:
                oldest = next(iter(self._jobs.values()))
                if not oldest.ended:
                    break
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job, row)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: Job, row: ConjectureRow) -> None:
        job.started = time.time()
        job.state = JobState.RUNNING
        try:
            result, job.seconds, job.verification_id = verify_and_record(self.writer, row, job.digits)
            job.verdict, job.digits_agreed, job.depth = result.verdict, result.digits_agreed, result.depth
            job.message = result.message
            job.state = JobState.DONE
        except BrounckerError as exc:
            job.message = str(exc)
            job.store_failed = isinstance(exc, StoreError)
            job.state = JobState.FAILED
        except Exception as exc:  # a bug: the job says so, the server keeps serving
            job.message = f"internal error: {type(exc).__name__}: {exc}"
            job.state = JobState.FAILED
        finally:
            job.finished = time.time()

    def close(self) -> None:
        """Stop taking jobs; the running one finishes."""
        self._pool.shutdown(wait=True, cancel_futures=True)

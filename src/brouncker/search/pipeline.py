r"""One shard of a PCF search, start to finish: pure (no database, no Ray), returns records.

Both modes start with the vectorised float64 screen of the whole shard
(:func:`brouncker.screening.screen.screen`), which drops divergent, rational and non-converging
PCFs; those it drops as still moving but whose error falls like a power of $1/n$ come back
with a Richardson-extrapolated float limit (:mod:`brouncker.screening.slow`, counted as
``slow``). Then:

* ``identify`` (the Ramanujan Machine's meet-in-the-middle): the float limits are
  matched against the sorted Möbius tables of the spec's constants
  (:func:`brouncker.screening.match.match`); only the matches get exact work: the canonical form,
  an exact walk to twice the spec's digits, the LLL identification with its exact
  re-check (:func:`brouncker.identification.identify.confirm`, one constant at a time, the cheapest
  accepted relation wins), and the dynamics record of each confirmed conjecture.
* ``dynamics`` (the Blind-Delta way): every survivor gets the canonical form, an exact
  walk and the full dynamics record; identification is as above.
* ``fr`` (the factorial-reduction search of arXiv 2308.11829): no float screen; every PCF
  gets the exact FR test (:func:`brouncker.convergence.factorial.factorial_reduction`) at
  the spec's ``[fr] depth``. Each class that passes is re-checked by its dynamics record
  at ``[fr] recheck_depth`` (FR with the record's own tolerance), given an exact limit
  (accelerated when it converges slowly, :func:`brouncker.pcf.limit.pcf_limit`) and
  identified against the spec's constants: Möbius in one constant, in $K$ and $K^2$, and
  relations over two constants, re-checked at twice the digits. What no constant
  explains is stored as a **candidate**, with its limit to the digits it reached.

Results are deduplicated by canonical key, and the exact work runs on the **canonical**
PCF: every member of an equivalence class yields the same records (same key, same
coefficients, same expression), so shards may overlap in classes and the store's
insert-or-ignore keeps one copy, whatever order the shards finish in. The conjecture's
``a, b`` are therefore the canonical coefficients; the PCF as met in the space (and its
index) is kept in the conjecture's ``data``.

:data:`PCF_KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
from mpmath import mp

from ..convergence.dynamics import dynamics
from ..convergence.factorial import factorial_reductions
from ..errors import InconclusiveError
from ..identification.identify import Identification, confirm, identify
from ..limits import SCREEN_BLOCK
from ..pcf.canonical import Canonical, canonical
from ..pcf.fraction import PCF
from ..pcf.limit import pcf_limit
from ..precision import LIMIT_GUARD_DIGITS, RECHECK_FACTOR
from ..records import ConjectureKind, ConjectureRecord, MetricsRecord, PCFRecord, chosen_delta
from ..screening.match import match, moebius_tables
from ..screening.screen import DEFAULT_ENGINE, DIVERGENCE_BOUND, NOT_CONVERGED, Screening, screen
from ..screening.slow import SLOW_CHANGE, accelerate
from .kinds import Kind
from .shards import Plan, Shard, ShardResult, ShardRun
from .space import Space, TemplateSpace
from .spec import PCFSpec

COUNT_KEYS = (
    "pcfs", "converged", "divergent", "rational", "not_converged",
    "matched", "classes", "elsewhere", "exact", "confirmed", "unconfirmed", "inconclusive",
    "fr_passed", "fr", "fr_rejected", "candidates", "slow",
)
SCREEN_ENGINES = {"cpu": DEFAULT_ENGINE, "gpu": "gpu", "numpy": "numpy"}  # [screen] device -> the screen's engine
SLOW_MATCH_TOLERANCE = 1e-8  # a slow PCF's extrapolated float limit is good to about 1e-9 (relative)
MIN_FR_DIGITS = 15  # an FR limit known to fewer than twice this many digits is only a candidate

SUMMARY = (
    ("pcfs", "PCFs screened"), ("converged", "converged"), ("slow", "converging slowly"), ("matched", "matched"),
    ("fr_passed", "passed the FR test"), ("fr", "FR classes"), ("fr_rejected", "FR not confirmed"),
    ("confirmed", "confirmed"), ("candidates", "candidates"), ("exact", "exact records"),
)


@dataclass(frozen=True, slots=True)
class ShardTask:
    """What a worker needs: the spec, the shard, and the search the records belong to."""

    spec: PCFSpec
    shard: Shard
    search_id: int | None = None


def _coefficients(row: np.ndarray) -> tuple[int, ...]:
    return tuple(int(x) for x in row)


class _Shard(ShardRun[PCFSpec]):
    """The mutable state of one shard's run (records gathered, counters, classes seen)."""

    def __init__(self, spec: PCFSpec, shard: Shard, search_id: int | None) -> None:
        super().__init__(spec, shard, search_id, COUNT_KEYS)

    def identify(self, pcf: PCF, constants: list[str]) -> Identification | None:
        """The cheapest relation of the limit with one of ``constants``, re-checked exactly."""
        digits = self.spec.digits
        try:
            limit = pcf_limit(pcf.a, pcf.b, RECHECK_FACTOR * digits + LIMIT_GUARD_DIGITS, self.spec.exact.depth)
        except InconclusiveError:
            self.counts["inconclusive"] += 1
            return None
        best: Identification | None = None
        for name in constants:
            found = confirm(pcf.a, pcf.b, name, digits, limit=limit)
            if found is None or not found.constants:  # none, or a rational: not a formula for a constant
                continue
            if best is None or found.excess_digits > best.excess_digits:
                best = found
        self.counts["confirmed" if best else "unconfirmed"] += 1
        return best

    def record(self, pcf: PCF, key: str, identification: Identification | None, found: PCF, index: int) -> None:
        """Add the records of one canonical PCF: the PCF, its dynamics, its conjecture."""
        dyn = dynamics(pcf.a, pcf.b, self.spec.exact.dynamics_depth, limit_digits=self.spec.digits)
        self.counts["exact"] += 1
        self.metrics.append(MetricsRecord(key, self.spec.exact.dynamics_depth, dyn.as_dict()))
        self.pcfs.append(PCFRecord(key, pcf.a, pcf.b, self.search_id))
        if identification is None:
            return
        delta, delta_kind = chosen_delta(dyn.delta_fr, dyn.delta_naive)
        self.conjectures.append(
            ConjectureRecord(
                kind=ConjectureKind.PCF,
                expression=identification.expression,
                constants=identification.constants,
                relation=identification.relation,
                digits=identification.checked_digits or identification.digits,
                canonical_key=key,
                a=pcf.a,
                b=pcf.b,
                delta=delta,
                delta_kind=delta_kind,
                limit=identification.value,
                data={"found_index": index, "found_a": list(found.a), "found_b": list(found.b)},
                search_id=self.search_id,
            )
        )


    def record_fr(self, pcf: PCF, key: str, index: int, found: PCF, parameters: dict[str, int] | None) -> None:
        """Re-check, evaluate, identify and record one class that passed the FR test
        (``parameters``: the template's values that gave ``found``, when there is a template)."""
        spec = self.spec
        depth = spec.fr.recheck_depth
        dyn = dynamics(pcf.a, pcf.b, depth, limit_digits=spec.digits)
        if not dyn.fr:
            self.counts["fr_rejected"] += 1
            return
        if dyn.convergence in ("divergent", "rational"):
            self.counts[dyn.convergence] += 1
            return
        digits = spec.digits
        deep = RECHECK_FACTOR * digits
        try:
            limit = pcf_limit(pcf.a, pcf.b, deep + LIMIT_GUARD_DIGITS, spec.exact.depth, partial=True)
        except InconclusiveError:
            self.counts["inconclusive"] += 1
            return
        found_id = None
        use = min(digits, limit.digits // RECHECK_FACTOR)  # a slow limit: fewer digits, re-checked at twice as many
        if use >= MIN_FR_DIGITS:
            found_id = identify(limit.value, use, spec.constants, pairs=True, squares=True, deeper=limit.value,
                                deeper_digits=RECHECK_FACTOR * use)
        else:
            self.counts["inconclusive"] += 1
        if found_id is not None and not found_id.constants:
            self.counts["rational"] += 1
            return
        self.counts["exact"] += 1
        self.counts["fr"] += 1
        self.metrics.append(MetricsRecord(key, depth, dyn.as_dict()))
        self.pcfs.append(PCFRecord(key, pcf.a, pcf.b, self.search_id))
        delta, delta_kind = chosen_delta(dyn.delta_fr, dyn.delta_naive)
        data: dict[str, object] = {"found_index": index, "found_a": list(found.a), "found_b": list(found.b)}
        if parameters is not None:
            data["parameters"] = parameters
        self.counts["confirmed" if found_id else "candidates"] += 1
        shown = min(limit.digits, deep)
        with mp.workdps(shown + 5):
            value = mpmath.nstr(limit.value, shown, strip_zeros=False)
        self.conjectures.append(ConjectureRecord.of_value(
            ConjectureKind.PCF, found_id, value, shown, canonical_key=key, a=pcf.a, b=pcf.b, delta=delta,
            delta_kind=delta_kind, data=data, search_id=self.search_id,
        ))


def _run_fr(state: _Shard, space: Space | TemplateSpace, a_rows: np.ndarray, b_rows: np.ndarray) -> None:
    """Mode ``fr``: the exact FR test of every PCF, then the exact work of each FR class."""
    spec, shard = state.spec, state.shard
    passed: list[tuple[int, PCF]] = []
    fraction = a_rows.any(axis=1) & b_rows.any(axis=1)  # a = 0 or b = 0 for every n: no fraction
    state.counts["rational"] += int((~fraction).sum())
    rows = np.flatnonzero(fraction)
    for row, reduction in zip(rows.tolist(), factorial_reductions(a_rows[rows], b_rows[rows], spec.fr.depth)):
        if reduction.finite:
            state.counts["rational"] += 1
        elif reduction.fr:
            passed.append((row, PCF(_coefficients(a_rows[row]), _coefficients(b_rows[row]))))
    state.counts["fr_passed"] = len(passed)
    for row, found in passed:
        canon = canonical(found)
        if canon.key in state.seen:
            continue
        state.seen.add(canon.key)
        state.counts["classes"] += 1
        index = shard.start + row
        parameters = dict(zip(space.template.parameters, space.parameters_of(index))) if isinstance(space, TemplateSpace) else None
        state.record_fr(canon.pcf, canon.key, index, found, parameters)


def _screen_and_match(spec: PCFSpec, state: _Shard, a_rows: np.ndarray, b_rows: np.ndarray,
                      offset: int, by_row: dict[int, list[str]]) -> np.ndarray:
    """Screen one block of a shard (its rows start at ``offset`` in the shard), add its counts
    to the shard's and the constants its limits match to ``by_row``; the block's survivors."""
    screened, survivors, limits, slow = _survivors(spec, a_rows, b_rows)
    for key, value in screened.counts().items():
        state.counts[key] += value
    state.counts["slow"] += int(slow.sum())
    tables = moebius_tables(tuple(spec.constants), spec.match.bound)
    for kept, tolerance in ((~slow, spec.match.tolerance), (slow, max(spec.match.tolerance, SLOW_MATCH_TOLERANCE))):
        for m in match(limits[kept], tables, tolerance, spec.screen.max_denominator):
            names = by_row.setdefault(offset + int(survivors[kept][m.index]), [])
            if m.constant not in names:
                names.append(m.constant)
    return survivors


def run_shard(spec: PCFSpec, shard: Shard, search_id: int | None = None) -> ShardResult:
    """Screen, match, and do the exact work of one shard; see the module docstring.

    In ``identify`` mode the shard is enumerated, screened and matched one block of
    :data:`~brouncker.limits.SCREEN_BLOCK` PCFs at a time, keeping only the matched rows:
    its memory is a block's, whatever the shard's size
    (:meth:`brouncker.search.spec.PCFSpec.task_bytes`)."""
    state = _Shard(spec, shard, search_id)
    space = spec.space()
    state.counts["pcfs"] = len(shard)
    by_row: dict[int, list[str]] = {}
    if spec.mode == "identify":
        found_by_row: dict[int, PCF] = {}
        for start in range(shard.start, shard.stop, SCREEN_BLOCK):
            a_rows, b_rows = space.coefficients(start, min(start + SCREEN_BLOCK, shard.stop))
            before = set(by_row)
            _screen_and_match(spec, state, a_rows, b_rows, start - shard.start, by_row)
            for row in set(by_row) - before:
                local = row - (start - shard.start)
                found_by_row[row] = PCF(_coefficients(a_rows[local]), _coefficients(b_rows[local]))
        rows = sorted(by_row)
        found_pcfs = [found_by_row[row] for row in rows]
    else:
        a_rows, b_rows = space.coefficients(shard.start, shard.stop)
        if spec.mode == "fr":
            _run_fr(state, space, a_rows, b_rows)
            return state.result()
        survivors = _screen_and_match(spec, state, a_rows, b_rows, 0, by_row)
        rows = survivors.tolist()
        found_pcfs = [PCF(_coefficients(a_rows[row]), _coefficients(b_rows[row])) for row in rows]
    state.counts["matched"] = len(by_row)
    canons = [canonical(f) for f in found_pcfs]
    skip = _done_elsewhere(spec, shard, rows, found_pcfs, canons, by_row) if spec.mode == "dynamics" else set()
    state.counts["elsewhere"] = len(skip)
    for row, found_pcf, canon in zip(rows, found_pcfs, canons):
        if canon.key in state.seen or row in skip:
            continue
        state.seen.add(canon.key)
        state.counts["classes"] += 1
        matched = by_row.get(row)
        identification = state.identify(canon.pcf, matched) if matched else None
        if spec.mode == "identify" and identification is None:
            continue
        state.record(canon.pcf, canon.key, identification, found_pcf, shard.start + row)
    return state.result()


def _done_elsewhere(
    spec: PCFSpec, shard: Shard, rows: list[int], found: list[PCF], canons: list[Canonical], by_row: dict[int, list[str]]
) -> set[int]:
    """Rows whose class another shard records: the one that holds the canonical member.

    That shard records the class exactly when the canonical member survives its screen
    (checked here on the same rows: the screen is per column and rescales by powers of
    two, so it gives the same verdict) and, for a matched row, when the canonical limit
    is matched too, which a pure sign change guarantees (the tables are symmetric). In a
    box symmetric under $a \to -a$ this halves the exact work of dynamics mode.
    """
    space = spec.space()
    width_a, width_b = space.widths
    elsewhere: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    for row, pcf, canon in zip(rows, found, canons):
        c = canon.pcf
        if c == pcf or len(c.a) > width_a or len(c.b) > width_b:
            continue
        sign_only = canon.scale.constant == 1 and canon.scale.numerator == (1,) and canon.scale.denominator == (1,)
        if row in by_row and not sign_only:
            continue
        a = (0,) * (width_a - len(c.a)) + c.a
        b = (0,) * (width_b - len(c.b)) + c.b
        try:
            index = space.index_of(a, b)
        except ValueError:  # the canonical member is outside the box
            continue
        if not shard.start <= index < shard.stop:
            elsewhere.append((row, a, b))
    if not elsewhere:
        return set()
    _, kept, _, _ = _survivors(spec, np.array([e[1] for e in elsewhere]), np.array([e[2] for e in elsewhere]))
    return {elsewhere[i][0] for i in kept.tolist()}


def _survivors(spec: PCFSpec, a_rows: np.ndarray, b_rows: np.ndarray) -> tuple[Screening, np.ndarray, np.ndarray, np.ndarray]:
    """The screen of the rows, the rows that go on (sorted), their float limits, and which of
    them converge slowly: those the screen kept, and those it dropped with a small change
    whose Richardson extrapolation settles (:func:`brouncker.screening.slow.accelerate`)."""
    screened = screen(
        a_rows, b_rows, depth=spec.screen.depth, tolerance=spec.screen.tolerance,
        max_denominator=spec.screen.max_denominator, engine=SCREEN_ENGINES[spec.screen.device],
    )
    converged = np.flatnonzero(screened.converged)
    with np.errstate(invalid="ignore"):
        dropped = (screened.status == NOT_CONVERGED) & (screened.change < SLOW_CHANGE) & (np.abs(screened.limits) < DIVERGENCE_BOUND)
    candidates = np.flatnonzero(dropped)
    accelerated = accelerate(a_rows[candidates], b_rows[candidates], spec.screen.depth)
    rows = np.concatenate([converged, candidates[accelerated.rows]])
    limits = np.concatenate([screened.limits[converged], accelerated.limits])
    slow = np.concatenate([np.zeros(converged.size, dtype=bool), np.ones(accelerated.rows.size, dtype=bool)])
    order = np.argsort(rows, kind="stable")
    return screened, rows[order], limits[order], slow[order]


def run_task(task: ShardTask) -> ShardResult:
    """The executor's entry point (module level, so it pickles by reference)."""
    return run_shard(task.spec, task.shard, task.search_id)


def plan_pcf(spec: PCFSpec) -> Plan:
    """The space's size and its shards (the spec already checked them against its limits)."""
    space = spec.space()
    return Plan("pcf", len(space), 1, tuple(space.shards(spec.shard_size)))


def pcf_tasks(spec: PCFSpec, shards: Sequence[Shard], search_id: int | None) -> list[ShardTask]:
    return [ShardTask(spec, shard, search_id) for shard in shards]


PCF_KIND: Kind[PCFSpec, ShardTask] = Kind(
    name="pcf",
    spec_model=PCFSpec,
    unit="PCFs",
    count_keys=COUNT_KEYS,
    summary=SUMMARY,
    plan=plan_pcf,
    tasks=pcf_tasks,
    work=run_task,
)

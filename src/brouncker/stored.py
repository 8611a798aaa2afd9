"""Verification of stored conjectures: the one place that checks that a stored conjecture can
be verified by depth, verifies it, and records the verification through the store's API.

The command line (``brouncker verify ID``) and the web app's "Verify to N digits" share it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .errors import BrounckerError
from .records import ConjectureKind

if TYPE_CHECKING:
    from .convergence.verify import Verification
    from .store import ConjectureDetail, ConjectureRow, Store


def verifiable(detail: ConjectureDetail | None, conjecture_id: int) -> ConjectureRow:
    """The conjecture's row, if it is a PCF formula with a closed form to verify; otherwise a
    one-line error saying why not."""
    if detail is None:
        raise BrounckerError(f"no conjecture with id {conjecture_id}")
    row = detail.conjecture
    if row.kind is not ConjectureKind.PCF:
        raise BrounckerError(f"conjecture {conjecture_id} is of kind {row.kind}: only PCF conjectures can be verified by depth")
    if not row.a or not row.b:
        raise BrounckerError(f"conjecture {conjecture_id} has no continued fraction of its own (a family of PCFs): nothing to walk")
    if row.expression is None:
        raise BrounckerError(
            f"conjecture {conjecture_id} is a candidate: no bank constant explains its value, so there is nothing to verify it against"
        )
    return row


def verify_and_record(store: Store, row: ConjectureRow, digits: int, max_depth: int | None = None) -> tuple[Verification, float, int]:
    """Verify ``row`` (from :func:`verifiable`) to ``digits`` digits and record the
    verification with the seconds it took; the result, those seconds and the id of the
    verification row."""
    from .convergence.verify import verify

    assert row.a is not None and row.b is not None and row.expression is not None  # verifiable() says so
    started = time.perf_counter()
    result = verify(row.a, row.b, row.expression, digits, max_depth=max_depth)
    seconds = time.perf_counter() - started
    verification_id = store.record_verification(
        row.id, digits_requested=digits, digits_agreed=result.digits_agreed,
        depth=result.depth, seconds=seconds, verdict=result.verdict,
    )
    return result, seconds, verification_id

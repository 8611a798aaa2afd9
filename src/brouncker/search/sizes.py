"""Counts, durations and sizes for the one-line refusals of searches that are too large.

>>> number(1768900), duration(5400), size(3.2e8)
('1,768,900', '90 min', '320 MB')
"""

from __future__ import annotations

from ..limits import MEMORY_SHARE, machine_memory


def number(n: int | float) -> str:
    """A count for a message: digits grouped, or a power of ten when it is long.

    >>> number(1768900), number(192_699_928_990_721), number(10**40)
    ('1,768,900', '1.93e14', '1.00e40')
    """
    n = int(n)
    if abs(n) < 10**12:
        return f"{n:,}"
    digits = str(abs(n))
    mantissa = round(int(digits[:4]) / 1000, 2)
    exponent = len(digits) - 1
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{'-' if n < 0 else ''}{mantissa:.2f}e{exponent}"


def duration(seconds: float) -> str:
    """A duration for a message.

    >>> duration(42), duration(9000), duration(3e7), duration(1e40)
    ('42 s', '2.5 hours', '347 days', '3.17e32 years')
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    if seconds < 3 * 365 * 86400:
        return f"{seconds / 86400:.0f} days"
    years = seconds / (365.25 * 86400)
    return f"{years:.0f} years" if years < 10**6 else f"{number(years)} years"


def size(nbytes: float) -> str:
    """Bytes for a message.

    >>> size(3.2e8), size(2.5e12), size(1e40)
    ('320 MB', '2.5 TB', '1.00e31 GB')
    """
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            if unit == "TB" and nbytes >= 1e15:
                return f"{number(nbytes / 1e9)} GB"
            value = nbytes / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{nbytes / 1e3:.0f} kB"


def check_memory(what: str, nbytes: float) -> None:
    """Refuse a request whose estimated memory exceeds the machine's share (no key raises this)."""
    total = machine_memory()
    if total is not None and nbytes > MEMORY_SHARE * total:
        raise ValueError(f"{what} needs about {size(nbytes)} of memory, more than {MEMORY_SHARE:.0%} of this machine's {size(total)}")

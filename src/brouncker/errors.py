"""Errors a user can cause. The command line prints their message on one line and exits 2."""


class BrounckerError(Exception):
    """Base for every error a user can cause (bad input, bad spec, unreachable database)."""


class ParseError(BrounckerError):
    """Text that is not a valid polynomial or constant expression."""


class UnknownConstantError(BrounckerError):
    """A constant name that is not in the bank."""


class SpecError(BrounckerError):
    """An invalid search specification."""


class StoreError(BrounckerError):
    """A database that cannot be reached, or whose schema is out of date."""


class StoreUnavailableError(StoreError):
    """A store that cannot be used now: its file was deleted or replaced after it was opened, or it cannot be written."""


class BusyError(BrounckerError):
    """A queue that is full: the same request may succeed later."""


class InconclusiveError(BrounckerError):
    """The computation did not settle to the digits needed within the budget allowed."""


class FieldError(BrounckerError):
    """A matrix field, trajectory, start or parameter value that cannot be used; the message says which."""


class LimitError(BrounckerError):
    """A request larger than a documented limit, or than this machine's memory."""


class FoldError(BrounckerError):
    """A PCF that has no fold of the kind asked for: a finite fraction, a bad residue, or a
    k-step matrix whose walk collapses."""


class CertificateError(BrounckerError):
    """A certificate of equivalence that cannot be read (malformed JSON, text that is no
    polynomial); one that reads but does not hold is a negative answer, not an error."""


class ClusterLostError(BrounckerError):
    """The Ray instance or cluster under a running search went away (stopped, restarted, killed)."""

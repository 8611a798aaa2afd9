"""The ``brouncker`` command line: parses options, calls the library, prints.

Each module registers the commands of one group on :data:`app`; :func:`main` is the
console script's entry point.
"""

# the commands register themselves on `app`, in this order in --help
from . import formulas  # noqa: F401, I001
from . import store  # noqa: F401
from . import searches  # noqa: F401
from . import imports  # noqa: F401
from . import clusters  # noqa: F401
from . import serve  # noqa: F401
from . import cmf  # noqa: F401
from . import relate  # noqa: F401
from .app import app, main, run

__all__ = ["app", "main", "run"]

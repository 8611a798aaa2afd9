"""Working precision: every margin, guard and re-check factor of the code base, named once.

Each constant says what it protects against. Modules import them from here; none defines
its own copy.
"""

from __future__ import annotations

# --- integer relations ------------------------------------------------------------------

# --- limits of PCFs -----------------------------------------------------------------------

# --- constants of the bank ----------------------------------------------------------------

# --- ESMA ---------------------------------------------------------------------------------

"""Sizes a user may ask for, each with a named limit checked before any work starts.

A limit can be raised on purpose (a command-line flag or a spec key says so); the
default keeps one request within seconds to minutes and within this machine's memory.
"""

from __future__ import annotations

# --- formulas: verify, identify, metrics, canonical -----------------------------------

# --- searches: spaces, shards, spec files, ESMA ------------------------------------------

# --- the store and the web app -------------------------------------------------------------

# `brouncker serve`: the list of conjectures comes in pages; a page asks for at most
# SERVE_MAX_PAGE_SIZE rows. "Verify to N digits" takes N up to the cap set at start-up
# (--max-digits, SERVE_VERIFY_DIGITS unless raised), and no cap goes beyond
# SERVE_MAX_VERIFY_DIGITS: a verification of 10^5 digits takes minutes on one core.
SERVE_PAGE_SIZE = 50  # rows of a page unless the URL asks for another size
SERVE_MAX_PAGE_SIZE = 500
SERVE_VERIFY_DIGITS = 5_000  # the default cap on N of "Verify to N digits"
SERVE_MAX_VERIFY_DIGITS = 100_000  # the highest cap --max-digits may set
SERVE_MAX_WAITING_VERIFICATIONS = 8  # verifications queued behind the running one; more are refused
SERVE_MAX_EXPORT_ROWS = 200_000  # rows of one export (CSV, JSON, LaTeX); a larger filter is refused

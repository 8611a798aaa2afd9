"""Sizes a user may ask for, each with a named limit checked before any work starts.

A limit can be raised on purpose (a command-line flag or a spec key says so); the
default keeps one request within seconds to minutes and within this machine's memory.
"""

from __future__ import annotations

# --- formulas: verify, identify, metrics, canonical -----------------------------------

# --- searches: spaces, shards, spec files, ESMA ------------------------------------------

# --- the store and the web app -------------------------------------------------------------

"""Dynamics and verification: how a PCF converges (δ, factorial reduction, rate) and
whether it equals a constant to N digits."""

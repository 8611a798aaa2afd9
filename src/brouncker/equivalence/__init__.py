"""Equivalence of formulas: certificates that two PCFs (or folds of them) are one recurrence
seen through a change of basis, and how to find them."""

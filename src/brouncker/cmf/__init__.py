"""Conservative matrix fields: the field and its conservation, trajectory matrices, exact
walks, the PCF of a rank-2 trajectory, and the known fields (e, π, ζ(3), f/f̄, pFq)."""

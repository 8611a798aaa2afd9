"""PCF evaluation: integer polynomials, the PCF value object, canonical forms, and exact
walks (binary splitting) to any depth."""

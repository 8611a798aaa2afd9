"""Relations and identification: integer relations between a value and the constant bank."""

"""Screening of many PCFs at once: float64 walks on arrays, and the meet-in-the-middle
match of their limits against Möbius tables of the constants."""

"""ESMA and sequences: signed continued fractions of constants, Berlekamp–Massey, and the
guessing of recurrences."""

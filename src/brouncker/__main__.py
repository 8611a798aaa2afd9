"""``python -m brouncker`` runs the command line."""

from .cli import main

main()

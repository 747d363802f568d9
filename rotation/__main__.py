"""``python -m rotation`` is ``synap-rotation``."""

from rotation.cli import main

main()

"""``python -m xlreport`` is the ``xlreport`` command."""

from .cli import main

main()

"""``python -m textdistill_lab``: the same as the ``textdistill`` command."""

from .cli import main

raise SystemExit(main())

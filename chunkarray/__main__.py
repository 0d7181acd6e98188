"""``python -m chunkarray``: the command line."""

from chunkarray.cli import main

raise SystemExit(main())

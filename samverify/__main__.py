"""``python -m samverify``: the same command line as the ``samverify`` script."""

from verify._cli import main

raise SystemExit(main())

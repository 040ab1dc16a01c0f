"""``python -m bronwijzer.cli``: the same as the ``bronwijzer`` command."""

import sys

from bronwijzer.cli import main

sys.exit(main())

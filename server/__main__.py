"""``python -m backdesk.server``: the same as ``backdesk serve``."""

import sys

from . import main

sys.exit(main())

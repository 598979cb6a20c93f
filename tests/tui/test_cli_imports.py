"""The command line imports only what a command needs: ``backdesk serve`` starts without Textual,
Rich or httpx (the reference server is standard library only)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from backdesk.tui.cli import main
try:
    main(["serve", "--help"])
except SystemExit:
    pass
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"textual", "rich", "httpx"})
print(",".join(loaded), file=sys.stderr)
"""


def test_serve_loads_neither_textual_nor_httpx():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    assert "--port" in done.stdout  # the server's own help
    assert done.stderr.strip() == ""

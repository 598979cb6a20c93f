"""The spec and the server agree: Schemathesis runs every check, stateful phase included, against a
fresh reference server, with a fixed seed and a bounded number of examples per operation."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from backdesk.server import ReferenceServer

pytest.importorskip("schemathesis", reason="schemathesis is in the test extra: pip install '.[test]'")

HERE = Path(__file__).parent
SEED = 20261127
EXAMPLES = 30


def test_the_server_answers_as_the_spec_says(tmp_path):
    spec = resources.files("backdesk.api_client").joinpath("openapi.json")
    people = {"operators": [("ana", "tok-ana")], "leads": [("lee", "tok-lee")]}
    with ReferenceServer(tmp_path / "st.sqlite3", demo_data=30, **people) as server:
        command = [
            *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml")),
            *("run", str(spec), "--url", f"{server.url}/api/v1", "-H", "Authorization: Bearer tok-lee"),
            *("--checks", "all", "--seed", str(SEED), "--max-examples", str(EXAMPLES), "--workers", "1"),
            *("--generation-database", "none", "--request-timeout", "10", "--no-color"),
        ]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": str(HERE)}
        run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]

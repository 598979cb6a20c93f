"""Schemathesis hooks for test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

Three "schema-valid request rejected" failures are not the server's fault, and are dropped:
a made-up ``cursor`` (cursors are opaque: only the server's own are valid, which no schema
can say), a made-up ``operator`` to assign a task to (only the server knows its people), and
a case whose body was generated as invalid but labelled valid because its scenario was about
another part of the request.
"""

from __future__ import annotations

import schemathesis
from schemathesis.generation import GenerationMode


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:  # type: ignore[no-untyped-def]
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    made_up_cursor = "cursor" in (case.query or {}) and "cursor" in response.text
    made_up_operator = case.operation.path.endswith("/assign") and "There is no operator" in response.text
    invalid_part = any(info.mode == GenerationMode.NEGATIVE for info in case.meta.components.values())
    return not (made_up_cursor or made_up_operator or invalid_part)

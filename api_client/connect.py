"""Pick and build a backend adapter by name, so the TUI never imports one directly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import AuthError, InvalidRequestError
from .protocol import Backend

#: Backend names the CLI and profiles accept, with a line each for help texts.
BACKENDS = {
    "workqueue": "backdesk's Work Queue API (the reference server or your own)",
    "rt": "Request Tracker 5 (REST 2.0)",
}


@dataclass(frozen=True, slots=True)
class Credentials:
    """Where to connect and as whom. Secrets come from the environment or a command."""

    url: str
    user: str | None = None
    token: str | None = None
    password: str | None = None
    verify: bool | str = True
    options: Mapping[str, object] = field(default_factory=dict)


def connect(kind: str, creds: Credentials) -> Backend:
    """A ready adapter of ``kind`` (see :data:`BACKENDS`); no request is sent yet."""
    if kind == "workqueue":
        from .workqueue import WorkQueueBackend

        if not creds.token:
            raise AuthError("No token for the Work Queue API: set BACKDESK_TOKEN or the profile's token_env.")
        return WorkQueueBackend(creds.url, creds.token, verify=creds.verify)
    if kind == "rt":
        from .rt import RTBackend

        if not creds.user:
            raise AuthError("Request Tracker needs a user name: pass --user or set user in the profile.")
        if not (creds.password or creds.token):
            raise AuthError("No secret for Request Tracker: set BACKDESK_PASSWORD, BACKDESK_TOKEN or token_command.")
        return RTBackend(creds.url, user=creds.user, password=creds.password, token=creds.token, verify=creds.verify)
    raise InvalidRequestError(f"Unknown backend {kind!r}; use one of {', '.join(BACKENDS)}.")

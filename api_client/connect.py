"""Pick and build a backend adapter by name, so the TUI never imports one directly.

``Credentials.options`` carries a profile's ``[profiles.NAME.options]`` table to the adapter.
Request Tracker reads ``leads_group``: the RT group whose members are leads (default
``Leads``; ``""`` makes everyone a lead and leaves every decision to RT's rights).
Redmine reads these (all optional; see :mod:`api_client.redmine_options`):

* ``projects``: project identifiers, names or ids to show as queues (default: every project
  you can see that tracks issues);
* ``tracker``: a tracker name or id; lists show only its issues, new tasks use it;
* ``waiting_statuses``: open statuses that mean waiting (default ``["Feedback"]``);
* ``done_status``, ``rejected_status``, ``duplicate_status``: the closed status each
  resolution sets (default Closed, Rejected, Closed); ``reopen_status``: the open status
  reopening sets (default the first open status that is not waiting, New);
* ``low_priorities``, ``normal_priorities``, ``high_priorities``, ``urgent_priorities``:
  Redmine priority names per level, over the default (Low, Normal, High, Urgent by name,
  Immediate -> urgent, others by their place around the default priority);
* ``resolution_field``, ``tags_field``, ``reference_field``: custom field names (or ids)
  holding the resolution (a list field), the tags (a multiple list field) and the reference;
* ``lead_roles``: Redmine role names whose members are leads in a project (default
  ``["Lead", "Manager"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit, urlunsplit

from .errors import AuthError, InvalidRequestError
from .protocol import Backend

#: Backend names the CLI and profiles accept, with a line each for help texts.
BACKENDS = {
    "workqueue": "backdesk's Work Queue API (the reference server or your own)",
    "rt": "Request Tracker 5 (REST 2.0)",
    "redmine": "Redmine 5 (REST API; an API key or a login)",
}


@dataclass(frozen=True, slots=True)
class Credentials:
    """Where to connect and as whom. Secrets come from the environment or a command."""

    url: str
    user: str | None = None
    token: str | None = None
    password: str | None = None
    verify: bool | str = True
    #: Backend-specific settings from the profile's ``options`` table (see the module docstring).
    options: Mapping[str, object] = field(default_factory=dict)


def connect(kind: str, creds: Credentials) -> Backend:
    """A ready adapter of ``kind`` (see :data:`BACKENDS`); no request is sent yet."""
    creds = without_userinfo(creds)
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
        return RTBackend(
            creds.url,
            user=creds.user,
            password=creds.password,
            token=creds.token,
            verify=creds.verify,
            leads_group=_rt_leads_group(creds.options),
        )
    if kind == "redmine":
        from .redmine import RedmineBackend
        from .redmine_options import RedmineOptions

        if not (creds.token or (creds.user and creds.password)):
            raise AuthError(
                "No credentials for Redmine: set BACKDESK_TOKEN to your API key (My account > API "
                "access key), or pass --user with BACKDESK_PASSWORD."
            )
        return RedmineBackend(
            creds.url,
            api_key=creds.token,
            user=creds.user,
            password=creds.password,
            options=RedmineOptions.parse(creds.options),
            verify=creds.verify,
        )
    raise InvalidRequestError(f"Unknown backend {kind!r}; use one of {', '.join(BACKENDS)}.")


def _rt_leads_group(options: Mapping[str, object]) -> str | None:
    """RT's one option, ``leads_group``: the RT group whose members are leads (default
    "Leads"); an empty name makes everyone a lead, leaving every decision to RT's rights."""
    unknown = sorted(set(options) - {"leads_group"})
    if unknown:
        raise InvalidRequestError(f"Unknown Request Tracker option {unknown[0]!r}; use leads_group.")
    group = options.get("leads_group", "Leads")
    if not isinstance(group, str):
        raise InvalidRequestError("Request Tracker option 'leads_group': expected a group name.")
    return group.strip() or None


def without_userinfo(creds: Credentials) -> Credentials:
    """A user and password written into the URL (``https://ana:PW@host``) move into the
    credentials, so the password never shows in a label, an error, a log or a preferences key."""
    parts = urlsplit(creds.url)
    if parts.username is None and parts.password is None:
        return creds
    url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    user = creds.user or (unquote(parts.username) if parts.username else None)
    password = creds.password or (unquote(parts.password) if parts.password else None)
    return replace(creds, url=url, user=user, password=password)

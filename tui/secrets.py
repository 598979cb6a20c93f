"""Secrets: a profile's token from the environment or its ``token_command``, and masking for display.

config.toml never holds a secret (the loader refuses :data:`SECRET_KEYS` there); what
``backdesk config`` prints goes through :func:`mask`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from backdesk.api_client.connect import Credentials

from .config import ConfigError, Profile

TOKEN_COMMAND_TIMEOUT = 15
#: Keys whose values are secrets: never read from config.toml, always masked when shown.
SECRET_KEYS = ("token", "password", "secret")
MASK = "********"


def resolve_credentials(profile: Profile, environ: Mapping[str, str] = os.environ) -> Credentials:
    """Credentials for ``profile``, running its ``token_command`` if it has one.

    Without ``token_env`` or ``token_command`` the secrets come from ``BACKDESK_TOKEN`` and
    ``BACKDESK_PASSWORD``, as on the command line. For ``rt`` a command's output is the password.
    The profile's ``options`` pass through to the adapter as they are.
    """
    token, password = environ.get("BACKDESK_TOKEN"), environ.get("BACKDESK_PASSWORD")
    if profile.token_command:
        secret = run_token_command(profile)
        token, password = (None, secret) if profile.backend == "rt" else (secret, None)
    elif profile.token_env:
        token, password = environ.get(profile.token_env), None
        if not token:
            raise ConfigError(f"Profile {profile.name!r} reads its token from ${profile.token_env}, which is not set.")
    verify: bool | str = profile.verify
    if profile.ca_bundle:
        verify = os.path.expanduser(profile.ca_bundle)
        if not os.path.isfile(verify):
            raise ConfigError(f"Profile {profile.name!r} has ca_bundle {profile.ca_bundle!r}, which is not a file.")
    return Credentials(
        url=profile.url, user=profile.user, token=token, password=password, verify=verify, options=dict(profile.options)
    )


def run_token_command(profile: Profile) -> str:
    """Run the profile's ``token_command`` (no shell) and return its stripped output."""
    what = f"The token_command of profile {profile.name!r}"
    try:
        argv = shlex.split(profile.token_command or "")
    except ValueError as err:
        raise ConfigError(f"{what} cannot be split into words: {err}.") from None
    if not argv:
        raise ConfigError(f"{what} is empty.")
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TOKEN_COMMAND_TIMEOUT, stdin=subprocess.DEVNULL, check=False
        )
    except FileNotFoundError:
        raise ConfigError(f"{what} failed: program {argv[0]!r} was not found.") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what} did not finish within {TOKEN_COMMAND_TIMEOUT} seconds.") from None
    except OSError as err:
        raise ConfigError(f"{what} could not start: {err.strerror or err}.") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        detail = f": {said[0][:200]}" if said else ""
        raise ConfigError(f"{what} failed with exit status {done.returncode}{detail}")
    secret = done.stdout.strip()
    if not secret:
        raise ConfigError(f"{what} printed nothing.")
    return secret


def mask(value: Any) -> Any:
    """A copy with secret values hidden: keys named token, password or secret, and URL passwords."""
    if isinstance(value, dict):
        return {k: MASK if k.lower() in SECRET_KEYS else mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str) and "://" in value:
        return _mask_url(value)
    return value


def _mask_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))

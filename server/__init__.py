"""The reference Work Queue API v1 server: standard library only (http.server + sqlite3)."""

from .cli import main
from .reference import ReferenceServer

__all__ = ["ReferenceServer", "main"]

"""Server text made safe for a terminal. The adapters apply it to everything they decode.

Nothing a server sends may reach the terminal as a control sequence, and nothing may hide or
reorder what the operator reads:

* ESC sequences (CSI such as ``ESC[2J``, OSC such as the title-setting OSC 0 and the
  clipboard-writing OSC 52, DCS/SOS/PM/APC strings, two-byte escapes), their 8-bit C1 forms,
  and every other C0 or C1 control character are removed. Tab and newline survive in
  :func:`clean` (bodies); :func:`clean_line` turns them into spaces (titles, names, words).
* Bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) and zero-width characters
  (U+200B–U+200F, U+2060, U+FEFF) are shown visibly, as ``⟨U+202E⟩``.

Both functions are idempotent, so text cleaned here can safely be cleaned again for display.
"""

from __future__ import annotations

import re

# Alternatives in order: string sequences (OSC, DCS, SOS, PM, APC) up to their terminator
# (BEL or ST) or the end of the text; CSI (7- or 8-bit); any other ESC sequence. Other 8-bit
# introducers are removed alone with the C1 controls, leaving their payload as plain text, so
# a stray C1 byte in mis-decoded text cannot swallow what follows.
_SEQUENCES = re.compile(
    r"\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\t\n]")


def _visible(match: re.Match[str]) -> str:
    return f"⟨U+{ord(match[0]):04X}⟩"


def clean(value: object) -> str:
    """``value`` as text with escape sequences and controls removed (tab and newline kept)
    and bidi/zero-width characters made visible. ``None`` is the empty string."""
    text = "" if value is None else str(value)
    text = _SEQUENCES.sub("", text.replace("\r\n", "\n"))
    return _INVISIBLE.sub(_visible, _CONTROLS.sub("", text))


def clean_line(value: object) -> str:
    """Like :func:`clean`, with tab and newline also turned into spaces: one-line text."""
    return _LINE_BREAKS.sub(" ", clean(value))

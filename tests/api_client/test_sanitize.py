"""The terminal-text sanitiser: no server text may drive the terminal or hide what it says."""

from __future__ import annotations

import pytest

from backdesk.api_client.sanitize import clean, clean_line

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"a{ESC}[2Jb", "ab"),  # clear screen
        (f"{ESC}[1;31mred{ESC}[0m", "red"),  # SGR colours
        (f"{ESC}[?1049h{ESC}[?25l", ""),  # alternate screen, hide cursor (private parameters)
        (f"x{ESC}]0;pwned{BEL}y", "xy"),  # OSC 0: window title, BEL-terminated
        (f"x{ESC}]0;pwned{ST}y", "xy"),  # OSC 0, ST-terminated
        (f"x{ESC}]52;c;cm0gLXJmIH4K{BEL}y", "xy"),  # OSC 52: clipboard write ("rm -rf ~")
        (f"x{ESC}]8;;http://evil{ST}link{ESC}]8;;{ST}", "xlink"),  # OSC 8 hyperlink
        (f"x{ESC}]52;c;unterminated", "x"),  # an unterminated OSC swallows the rest
        (f"x{ESC}Pq#0;2;0;0;0{ST}y", "xy"),  # DCS (sixel)
        (f"x{ESC}_apc{ST}{ESC}^pm{ST}{ESC}Xsos{ST}y", "xy"),  # APC, PM, SOS
        (f"x{ESC}cy", "xy"),  # RIS: full reset
        (f"x{ESC}(By", "xy"),  # charset designation
        (f"x{ESC}7{ESC}8y", "xy"),  # save / restore cursor
        ("x\x9b2Jy", "xy"),  # 8-bit CSI
        ("x\x9d0;title\x07y", "x0;titley"),  # 8-bit OSC: the introducer goes, the rest is plain text
        ("x\x90dcs\x9cy", "xdcsy"),  # 8-bit DCS, 8-bit ST
        (f"x{ESC}", "x"),  # a lone ESC at the end
        (f"x{ESC}[12", "x12"),  # an incomplete CSI loses its ESC
    ],
)
def test_escape_sequences_are_removed(raw, expected):
    assert clean(raw) == expected


def test_c0_and_c1_controls_are_removed_but_tab_and_newline_kept():
    c0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n")
    c1 = "".join(chr(c) for c in range(0x7F, 0xA0))
    assert clean(f"a{c0}b{c1}c") == "abc"
    assert clean("line one\n\tindented") == "line one\n\tindented"
    assert clean("windows\r\nline\rcarriage") == "windows\nlinecarriage"


@pytest.mark.parametrize(
    "char",
    [
        *map(chr, range(0x202A, 0x202F)),
        *map(chr, range(0x2066, 0x206A)),
        *map(chr, range(0x200B, 0x2010)),
        "\u2060",
        "\ufeff",
    ],
)
def test_bidi_and_zero_width_characters_are_shown_visibly(char):
    assert clean(f"a{char}b") == f"a⟨U+{ord(char):04X}⟩b"


def test_an_rtl_override_cannot_reverse_what_follows():
    # "invoice_[RLO]fdp.exe" would read as "invoice_exe.pdf" in a terminal.
    assert clean("invoice_\u202efdp.exe") == "invoice_⟨U+202E⟩fdp.exe"


def test_ordinary_text_passes_unchanged():
    text = 'Rückerstattung für Bestellung #42 — 返金 ✓ [bold]not markup[/bold] 100% O\'Brien "quoted" \\ 🙂'
    assert clean(text) == text
    assert clean_line(text) == text


def test_none_and_non_strings():
    assert clean(None) == ""
    assert clean(42) == "42"


def test_clean_line_turns_tab_and_newline_into_spaces():
    assert clean_line("a\tb\nc\r\nd") == "a b c d"
    assert clean_line(f"name{ESC}]0;x{BEL}\n") == "name "


@pytest.mark.parametrize("raw", [f"{ESC}[2J\u202e\x9b1m\u200b{ESC}]52;c;x{BEL}", "⟨U+202E⟩", "a\r\nb\t"])
def test_cleaning_twice_changes_nothing(raw):
    assert clean(clean(raw)) == clean(raw)
    assert clean_line(clean_line(raw)) == clean_line(raw)


def test_nothing_dangerous_survives_a_hostile_mix():
    hostile = "".join(chr(c) for c in range(0xA0)) + "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    hostile += "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
    out = clean(hostile * 3)
    assert not any(ord(c) < 0x20 and c not in "\t\n" or 0x7F <= ord(c) < 0xA0 for c in out)
    assert not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200e\ufeff")

"""Tracking codes: short enough to read out on the phone, long enough not to be guessed.

Twelve characters of Crockford's Base32 (no I, L, O, U: nothing to mistake) are 60 random
bits, shown in groups of four: `7KQ4-M2XA-9RTD`. Typing is forgiving: case, spaces and
dashes do not matter, and O/I/L are read as 0/1/1."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(typed: str) -> str | None:
    """The code as stored, or None when `typed` cannot be one."""
    raw = "".join(typed.upper().split()).replace("-", "").translate(CONFUSABLE)
    if len(raw) != LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))

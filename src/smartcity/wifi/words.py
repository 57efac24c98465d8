"""Words and colours of the module (English message ids; pages translate them when shown)."""

from __future__ import annotations


def _(message: str) -> str:
    """Marks a text for the catalogue; pages translate it when they show it."""
    return message


STATE_WORDS = {"online": _("online"), "offline": _("offline"), "unknown": _("no report yet")}
# Map colours: online, offline, no report (contrast ≥ 3:1 against the map's tiles).
COLOURS = {"online": "#00856f", "offline": "#b3261e", "unknown": "#6b6b6b"}


def state_key(online: bool | None) -> str:
    return "unknown" if online is None else "online" if online else "offline"

"""Words and colours of the module (English message ids; pages translate them when shown)."""

from __future__ import annotations

from smartcity.core.web.i18n import gettext_noop as _

STATE_WORDS = {"online": _("online"), "offline": _("offline"), "unknown": _("no report yet")}
# Map colours: online, offline, no report (contrast ≥ 3:1 against the map's tiles).
COLOURS = {"online": "#00856f", "offline": "#b3261e", "unknown": "#6b6b6b"}


def state_key(online: bool | None) -> str:
    return "unknown" if online is None else "online" if online else "offline"

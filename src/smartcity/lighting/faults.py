"""Fault rules of a luminaire, each on its own readings (times in UTC, powers in W)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from smartcity.core.web.i18n import _, gettext_

FaultKind = Literal["lamp_failure", "day_burner", "cycling", "communication_loss"]
KINDS: tuple[FaultKind, ...] = ("lamp_failure", "day_burner", "cycling", "communication_loss")
LABELS_DE = {
    "lamp_failure": "Leuchtmittelausfall",
    "day_burner": "Tagbrenner",
    "cycling": "Takten (häufiges Ein- und Ausschalten)",
    "communication_loss": "Kommunikationsverlust",
}
# The same names for pages in either language (English message ids, German in the catalogue).
NAMES = {
    "lamp_failure": _("Lamp failure"),
    "day_burner": _("Day burner"),
    "cycling": _("Cycling (switching on and off often)"),
    "communication_loss": _("Loss of communication"),
}


def kind_name(kind: str) -> str:
    """A fault kind in the page's language."""
    message = NAMES.get(kind)
    return gettext_(message) if message is not None else kind


@dataclass(frozen=True)
class Rules:
    # Below this share of rated power a lamp counts as dark, above it as lit.
    dark_below: float = 0.05
    lit_above: float = 0.10
    # A command needs this long before the power reading must follow it.
    settle: timedelta = timedelta(minutes=5)
    cycling_switches: int = 6
    cycling_window: timedelta = timedelta(minutes=30)
    silence: timedelta = timedelta(minutes=30)


RULES = Rules()


def lamp_failure(
    commanded_level: int | None,
    commanded_at: datetime | None,
    power: tuple[datetime, float] | None,
    rated_w: float,
    now: datetime,
    rules: Rules = RULES,
) -> bool:
    """Commanded on (and given time to follow), but the newest power reading, taken after
    that, is about zero."""
    if not commanded_level or commanded_at is None or now - commanded_at < rules.settle:
        return False
    if power is None or power[0] < commanded_at + rules.settle:
        return False
    return power[1] < rules.dark_below * rated_w


def day_burner(
    active: bool, power: tuple[datetime, float] | None, rated_w: float, rules: Rules = RULES
) -> bool:
    """Drawing power in daylight."""
    return not active and power is not None and power[1] > rules.lit_above * rated_w


def cycling(
    readings: Sequence[tuple[datetime, float]], rated_w: float, now: datetime, rules: Rules = RULES
) -> bool:
    """At least `cycling_switches` changes between lit and dark within the window (a failing
    lamp or ballast that keeps restarting)."""
    recent = [w for t, w in sorted(readings) if now - rules.cycling_window <= t <= now]
    states = [
        w > rules.lit_above * rated_w
        for w in recent
        if w > rules.lit_above * rated_w or w < rules.dark_below * rated_w
    ]
    switches = sum(1 for a, b in itertools.pairwise(states) if a != b)
    return switches >= rules.cycling_switches


def communication_loss(last_seen: datetime | None, now: datetime, rules: Rules = RULES) -> bool:
    """No reading of any kind for `silence` (a luminaire that never reported is not lost:
    it may not be installed yet)."""
    return last_seen is not None and now - last_seen > rules.silence

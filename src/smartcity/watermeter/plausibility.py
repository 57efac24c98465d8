"""Is a meter reading plausible? Each rule on its own, in the order a reading meets them.

Refused (the citizen corrects it at once):
- the reading date must be after the last reading's;
- the reading may not have more digits before the decimal point than the meter shows.

Accepted but flagged for staff review, with the reason:
- a reading lower than the last one is taken as the meter running over (passing 99999 → 0)
  when that gives a plausible consumption (which needs an expected rate); otherwise flagged;
- no consumption at all;
- a consumption per day below 0.3 or above 3 times the expected rate. The expected rate is
  the meter's previous daily rate; for a meter without one, 125 litres per person per day
  (the German average, Umweltbundesamt) when the household size is known;
- more than 300 litres per person per day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

AVERAGE_LITERS_PER_PERSON_DAY = 125
MAX_LITERS_PER_PERSON_DAY = 300
LOW_FACTOR = 0.3
HIGH_FACTOR = 3.0


@dataclass(frozen=True)
class MeterState:
    digits: int
    last_liters: int
    last_read_on: date
    persons: int | None = None
    daily_liters: float | None = None

    @property
    def expected_daily(self) -> float | None:
        if self.daily_liters:
            return self.daily_liters
        if self.persons:
            return float(AVERAGE_LITERS_PER_PERSON_DAY * self.persons)
        return None


@dataclass(frozen=True)
class Flag:
    code: str
    message: str


@dataclass(frozen=True)
class Verdict:
    refusal: str | None = None
    consumption_liters: int | None = None
    daily_liters: float | None = None
    rollover: bool = False
    flags: list[Flag] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.refusal is not None


def _m3(liters: float) -> str:
    return f"{liters / 1000:.3f}".replace(".", ",") + " m³"


def _date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def consumption_flags(state: MeterState, consumption: int, days: int) -> list[Flag]:
    """What is odd about a consumption over a number of days."""
    daily = consumption / days
    flags: list[Flag] = []
    if consumption == 0:
        flags.append(Flag("zero", "Seit der letzten Ablesung wurde kein Wasser verbraucht."))
        return flags
    expected = state.expected_daily
    if expected is not None and not (LOW_FACTOR * expected <= daily <= HIGH_FACTOR * expected):
        flags.append(
            Flag(
                "rate",
                f"Der Verbrauch von {daily:.0f} Litern pro Tag weicht stark vom erwarteten ab "
                f"({expected:.0f} Liter pro Tag).",
            )
        )
    if state.persons and daily > MAX_LITERS_PER_PERSON_DAY * state.persons:
        flags.append(
            Flag(
                "per_person",
                f"Der Verbrauch von {daily / state.persons:.0f} Litern pro Person und Tag liegt "
                f"über {MAX_LITERS_PER_PERSON_DAY} Litern.",
            )
        )
    return flags


def check(state: MeterState, reading_liters: int, read_on: date) -> Verdict:
    if read_on <= state.last_read_on:
        return Verdict(
            refusal="Das Ablesedatum muss nach der letzten Ablesung am "
            f"{_date(state.last_read_on)} liegen."
        )
    if reading_liters < 0:
        return Verdict(refusal="Ein Zählerstand kann nicht negativ sein.")
    if reading_liters >= 10**state.digits * 1000:
        return Verdict(
            refusal=f"Der Zähler zeigt höchstens {state.digits} Stellen vor dem Komma; "
            f"bitte prüfen Sie den Zählerstand."
        )
    days = (read_on - state.last_read_on).days
    if reading_liters >= state.last_liters:
        consumption = reading_liters - state.last_liters
        return Verdict(
            consumption_liters=consumption,
            daily_liters=consumption / days,
            flags=consumption_flags(state, consumption, days),
        )
    # Lower than before: the meter may have run over from all nines to zero. Without an
    # expected consumption to compare with, that cannot be told from a typing error.
    over = reading_liters + 10**state.digits * 1000 - state.last_liters
    if state.expected_daily is not None and not consumption_flags(state, over, days):
        return Verdict(consumption_liters=over, daily_liters=over / days, rollover=True)
    return Verdict(
        flags=[
            Flag(
                "lower",
                f"Der Zählerstand ist niedriger als bei der letzten Ablesung "
                f"({_m3(state.last_liters)}), und ein Überlauf des Zählers ergäbe keinen "
                "plausiblen Verbrauch.",
            )
        ]
    )

"""The module's value lists with their words for people (English message ids; pages
translate them when shown)."""

from __future__ import annotations


def _(message: str) -> str:
    """Marks a text for the catalogue; pages translate it when they show it."""
    return message


# Use types of non-residential buildings, as a municipality's own buildings fall into them.
USE_TYPES = {
    "administration": _("administration building"),
    "school": _("school"),
    "daycare": _("day-care centre"),
    "sports_hall": _("sports hall"),
    "swimming_pool": _("indoor swimming pool"),
    "fire_station": _("fire station"),
    "culture": _("library, museum or theatre"),
    "other": _("other use"),
}
METER_KINDS = {
    "electricity": _("electricity"),
    "heat": _("heat (district heating)"),
    "gas": _("natural gas"),
    "water": _("water"),
}
# What a meter counts: electricity and heat meters kWh, gas and water meters m³.
UNITS = {"electricity": "kWh", "heat": "kWh", "gas": "m³", "water": "m³"}
UNIT_DEFINITIONS = {
    "kWh": "http://qudt.org/vocab/unit/KiloW-HR",
    "m³": "http://qudt.org/vocab/unit/M3",
}
# What the reports add up: heating energy (heat and gas, in kWh), electricity, water.
CARRIERS = {
    "heating": _("heating energy"),
    "electricity": _("electricity"),
    "water": _("water"),
}
CARRIER_OF = {"electricity": "electricity", "heat": "heating", "gas": "heating", "water": "water"}
CARRIER_UNITS = {"heating": "kWh", "electricity": "kWh", "water": "m³"}
OBSERVED_PROPERTY = "urn:smartcity:energy:meter-reading:"

"""OCPI values in words for people (English message ids; pages translate them when shown,
not here at import)."""

from __future__ import annotations


def _(message: str) -> str:
    """Marks a text for the catalogue; pages translate it when they show it."""
    return message


STATUS_WORDS = {
    "AVAILABLE": _("free"),
    "CHARGING": _("occupied"),
    "BLOCKED": _("blocked (e.g. by a parked car)"),
    "RESERVED": _("reserved"),
    "INOPERATIVE": _("not in operation"),
    "OUTOFORDER": _("out of order"),
    "PLANNED": _("planned"),
    "REMOVED": _("removed"),
    "UNKNOWN": _("status unknown"),
}
CONNECTOR_WORDS = {
    "IEC_62196_T2": _("Type 2"),
    "IEC_62196_T2_COMBO": _("CCS (Combo 2)"),
    "CHADEMO": _("CHAdeMO"),
    "DOMESTIC_F": _("household socket (Schuko)"),
    "IEC_62196_T1": _("Type 1"),
    "IEC_62196_T1_COMBO": _("CCS (Combo 1)"),
}
FORMAT_WORDS = {"SOCKET": _("socket"), "CABLE": _("fixed cable")}
PARKING_WORDS = {
    "ON_STREET": _("on the street"),
    "PARKING_LOT": _("car park (open air)"),
    "PARKING_GARAGE": _("multi-storey car park"),
    "UNDERGROUND_GARAGE": _("underground car park"),
    "ON_DRIVEWAY": _("on a driveway"),
    "ALONG_MOTORWAY": _("along a motorway"),
}
POWER_WORDS = {
    "AC_1_PHASE": _("alternating current, one phase"),
    "AC_2_PHASE": _("alternating current, two phases"),
    "AC_2_PHASE_SPLIT": _("alternating current, split phase"),
    "AC_3_PHASE": _("alternating current, three phases"),
    "DC": _("direct current"),
}
CAPABILITY_WORDS = {
    "CONTACTLESS_CARD_SUPPORT": _("contactless card"),
    "CREDIT_CARD_PAYABLE": _("credit card"),
    "DEBIT_CARD_PAYABLE": _("debit card"),
    "RFID_READER": _("charging card (RFID)"),
}
# Map colours: free, in use, not usable.
COLOURS = {"free": "#00856f", "busy": "#c05600", "out": "#6b6b6b"}

"""What a smart bench measures, and how its Datastreams are recognised: by the definition of
their ObservedProperty (the EEA's pollutant vocabulary where there is one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smartcity.core.web.i18n import _, gettext_

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
MICROGRAMS = {"name": "Mikrogramm je Kubikmeter", "symbol": "µg/m³", "definition": "ucum:ug/m3"}


@dataclass(frozen=True)
class Quantity:
    key: str
    name: str
    definition: str
    observation_type: str
    unit: dict[str, str]

    def datastream(self, bench_name: str) -> dict[str, Any]:
        return {
            "name": f"{self.name} {bench_name}",
            "description": self.name,
            "observationType": OM + self.observation_type,
            "unitOfMeasurement": self.unit,
        }


NO_UNIT = {"name": "", "symbol": "", "definition": ""}
QUANTITIES = (
    Quantity(
        "temperature",
        "Lufttemperatur",
        "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
        "OM_Measurement",
        {"name": "Grad Celsius", "symbol": "°C", "definition": "ucum:Cel"},
    ),
    Quantity(
        "humidity",
        "Relative Luftfeuchte",
        "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0413/",
        "OM_Measurement",
        {"name": "Prozent", "symbol": "%", "definition": "ucum:%"},
    ),
    Quantity(
        "pm10",
        "PM10",
        "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5",
        "OM_Measurement",
        MICROGRAMS,
    ),
    Quantity(
        "pm25",
        "PM2,5",
        "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001",
        "OM_Measurement",
        MICROGRAMS,
    ),
    Quantity(
        "no2",
        "Stickstoffdioxid",
        "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/8",
        "OM_Measurement",
        MICROGRAMS,
    ),
    Quantity(
        "o3",
        "Ozon",
        "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/7",
        "OM_Measurement",
        MICROGRAMS,
    ),
    Quantity(
        "charging",
        "Ladeanschluss verfügbar",
        "urn:smartcity:bench:charging-available",
        "OM_TruthObservation",
        NO_UNIT,
    ),
    Quantity(
        "wifi",
        "WLAN-Hotspot in Betrieb",
        "urn:smartcity:bench:wifi-online",
        "OM_TruthObservation",
        NO_UNIT,
    ),
)
BY_DEFINITION = {q.definition: q for q in QUANTITIES}
# SO2 is part of both indices; benches rarely measure it, but a linked Datastream counts.
SO2_DEFINITION = "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/1"
POLLUTANT_KEYS = {"pm10", "pm25", "no2", "o3", "so2"}

# What a person reads for a quantity (English message ids, marked for the catalogue, where
# the German is; translated when shown).
NAMES = {
    "temperature": _("Air temperature"),
    "humidity": _("Relative humidity"),
    "pm10": _("Particulate matter PM10"),
    "pm25": _("Particulate matter PM2.5"),
    "no2": _("Nitrogen dioxide"),
    "o3": _("Ozone"),
    "so2": _("Sulphur dioxide"),
    "charging": _("Charging port available"),
    "wifi": _("Wi-Fi hotspot online"),
}


def quantity_name(key: str) -> str:
    """The quantity's name in the page's language (the key itself for one we do not know)."""
    message = NAMES.get(key)
    return gettext_(message) if message is not None else key

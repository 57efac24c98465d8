"""JSON Schemas of the OCPI 2.2.1 objects this platform sends, written from the spec's tables
(mod_locations, mod_tariffs, transport_and_format, types): required fields (cardinality 1 and
+), types, value lists and string lengths. No other properties are allowed, so a misspelt
field fails too."""

from __future__ import annotations

from typing import Any


def string(length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": length}


def one_of(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def array(items: dict[str, Any], *, at_least: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": items, "minItems": at_least}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
        "additionalProperties": False,
    }


# types.asciidoc: CiString and string with their lengths; DateTime is RFC 3339 in UTC, at
# most 25 characters, the zone designator optional; URL string(255).
DATETIME = {
    "type": "string",
    "maxLength": 25,
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$",
}
URL = string(255)
INT = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DISPLAY_TEXT = obj({"language": string(2), "text": string(512)})
STATUS = one_of(
    "AVAILABLE",
    "BLOCKED",
    "CHARGING",
    "INOPERATIVE",
    "OUTOFORDER",
    "PLANNED",
    "REMOVED",
    "RESERVED",
    "UNKNOWN",
)
GEO_LOCATION = obj(
    {
        "latitude": {**string(10), "pattern": r"^-?[0-9]{1,2}\.[0-9]{5,7}$"},
        "longitude": {**string(11), "pattern": r"^-?[0-9]{1,3}\.[0-9]{5,7}$"},
    }
)
IMAGE = obj(
    {
        "url": URL,
        "category": one_of(
            "CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"
        ),
        "type": string(4),
    },
    {"thumbnail": URL, "width": INT, "height": INT},
)
BUSINESS_DETAILS = obj({"name": string(100)}, {"website": URL, "logo": IMAGE})
CONNECTOR_TYPE = one_of(
    "CHADEMO",
    "CHAOJI",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_C",
    "DOMESTIC_D",
    "DOMESTIC_E",
    "DOMESTIC_F",
    "DOMESTIC_G",
    "DOMESTIC_H",
    "DOMESTIC_I",
    "DOMESTIC_J",
    "DOMESTIC_K",
    "DOMESTIC_L",
    "DOMESTIC_M",
    "DOMESTIC_N",
    "DOMESTIC_O",
    "GBT_AC",
    "GBT_DC",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20",
    "NEMA_6_30",
    "NEMA_6_50",
    "NEMA_10_30",
    "NEMA_10_50",
    "NEMA_14_30",
    "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN",
    "TESLA_R",
    "TESLA_S",
)
CONNECTOR = obj(
    {
        "id": string(36),
        "standard": CONNECTOR_TYPE,
        "format": one_of("SOCKET", "CABLE"),
        "power_type": one_of("AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"),
        "max_voltage": INT,
        "max_amperage": INT,
        "last_updated": DATETIME,
    },
    {
        "max_electric_power": INT,
        "tariff_ids": array(string(36)),
        "terms_and_conditions": URL,
    },
)
STATUS_SCHEDULE = obj({"period_begin": DATETIME, "status": STATUS}, {"period_end": DATETIME})
CAPABILITY = one_of(
    "CHARGING_PROFILE_CAPABLE",
    "CHARGING_PREFERENCES_CAPABLE",
    "CHIP_CARD_SUPPORT",
    "CONTACTLESS_CARD_SUPPORT",
    "CREDIT_CARD_PAYABLE",
    "DEBIT_CARD_PAYABLE",
    "PED_TERMINAL",
    "REMOTE_START_STOP_CAPABLE",
    "RESERVABLE",
    "RFID_READER",
    "START_SESSION_CONNECTOR_REQUIRED",
    "TOKEN_GROUP_CAPABLE",
    "UNLOCK_CAPABLE",
)
EVSE = obj(
    {
        "uid": string(36),
        "status": STATUS,
        "connectors": array(CONNECTOR, at_least=1),
        "last_updated": DATETIME,
    },
    {
        "evse_id": string(48),
        "status_schedule": array(STATUS_SCHEDULE),
        "capabilities": array(CAPABILITY),
        "floor_level": string(4),
        "coordinates": GEO_LOCATION,
        "physical_reference": string(16),
        "directions": array(DISPLAY_TEXT),
        "parking_restrictions": array(
            one_of("EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES")
        ),
        "images": array(IMAGE),
    },
)
REGULAR_HOURS = obj(
    {
        "weekday": {"type": "integer", "minimum": 1, "maximum": 7},
        "period_begin": {**string(5), "pattern": r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"},
        "period_end": {**string(5), "pattern": r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"},
    }
)
EXCEPTIONAL_PERIOD = obj({"period_begin": DATETIME, "period_end": DATETIME})
HOURS = obj(
    {"twentyfourseven": BOOLEAN},
    {
        "regular_hours": array(REGULAR_HOURS),
        "exceptional_openings": array(EXCEPTIONAL_PERIOD),
        "exceptional_closings": array(EXCEPTIONAL_PERIOD),
    },
)
ENERGY_MIX = obj(
    {"is_green_energy": BOOLEAN},
    {
        "energy_sources": array(
            obj(
                {
                    "source": one_of(
                        "NUCLEAR",
                        "GENERAL_FOSSIL",
                        "COAL",
                        "GAS",
                        "GENERAL_GREEN",
                        "SOLAR",
                        "WIND",
                        "WATER",
                    ),
                    "percentage": {"type": "number", "minimum": 0, "maximum": 100},
                }
            )
        ),
        "environ_impact": array(
            obj({"category": one_of("NUCLEAR_WASTE", "CARBON_DIOXIDE"), "amount": NUMBER})
        ),
        "supplier_name": string(64),
        "energy_product_name": string(64),
    },
)
LOCATION = obj(
    {
        "country_code": {**string(2), "minLength": 2},
        "party_id": {**string(3), "minLength": 3},
        "id": string(36),
        "publish": BOOLEAN,
        "address": string(45),
        "city": string(45),
        "country": {**string(3), "minLength": 3},
        "coordinates": GEO_LOCATION,
        "time_zone": string(255),
        "last_updated": DATETIME,
    },
    {
        "publish_allowed_to": array({"type": "object"}),
        "name": string(255),
        "postal_code": string(10),
        "state": string(20),
        "related_locations": array({"type": "object"}),
        "parking_type": one_of(
            "ALONG_MOTORWAY",
            "PARKING_GARAGE",
            "PARKING_LOT",
            "ON_DRIVEWAY",
            "ON_STREET",
            "UNDERGROUND_GARAGE",
        ),
        "evses": array(EVSE),
        "directions": array(DISPLAY_TEXT),
        "operator": BUSINESS_DETAILS,
        "suboperator": BUSINESS_DETAILS,
        "owner": BUSINESS_DETAILS,
        "facilities": array(
            one_of(
                "HOTEL",
                "RESTAURANT",
                "CAFE",
                "MALL",
                "SUPERMARKET",
                "SPORT",
                "RECREATION_AREA",
                "NATURE",
                "MUSEUM",
                "BIKE_SHARING",
                "BUS_STOP",
                "TAXI_STAND",
                "TRAM_STOP",
                "METRO_STATION",
                "TRAIN_STATION",
                "AIRPORT",
                "PARKING_LOT",
                "CARPOOL_PARKING",
                "FUEL_STATION",
                "WIFI",
            )
        ),
        "opening_times": HOURS,
        "charging_when_closed": BOOLEAN,
        "images": array(IMAGE),
        "energy_mix": ENERGY_MIX,
    },
)
PRICE = obj({"excl_vat": NUMBER}, {"incl_vat": NUMBER})
PRICE_COMPONENT = obj(
    {
        "type": one_of("ENERGY", "FLAT", "PARKING_TIME", "TIME"),
        "price": NUMBER,
        "step_size": INT,
    },
    {"vat": NUMBER},
)
TARIFF = obj(
    {
        "country_code": {**string(2), "minLength": 2},
        "party_id": {**string(3), "minLength": 3},
        "id": string(36),
        "currency": {**string(3), "minLength": 3},
        "elements": array(
            obj(
                {"price_components": array(PRICE_COMPONENT, at_least=1)},
                {"restrictions": {"type": "object"}},
            ),
            at_least=1,
        ),
        "last_updated": DATETIME,
    },
    {
        "type": one_of(
            "AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"
        ),
        "tariff_alt_text": array(DISPLAY_TEXT),
        "tariff_alt_url": URL,
        "min_price": PRICE,
        "max_price": PRICE,
        "start_date_time": DATETIME,
        "end_date_time": DATETIME,
        "energy_mix": ENERGY_MIX,
    },
)
# transport_and_format: the response format. `data` is absent on errors.
RESPONSE = obj(
    {"status_code": INT, "timestamp": DATETIME},
    {"data": {}, "status_message": {"type": "string"}},
)
VERSION = obj({"version": one_of("2.0", "2.1", "2.1.1", "2.2", "2.2.1"), "url": URL})
ENDPOINT = obj(
    {
        "identifier": one_of(
            "cdrs",
            "chargingprofiles",
            "commands",
            "credentials",
            "hubclientinfo",
            "locations",
            "sessions",
            "tariffs",
            "tokens",
        ),
        "role": one_of("SENDER", "RECEIVER"),
        "url": URL,
    }
)
VERSION_DETAILS = obj(
    {"version": VERSION["properties"]["version"], "endpoints": array(ENDPOINT, at_least=1)}
)

"""Results checked against their Datastream's observationType (OGC 18-088, table 14): a
Measurement is a number, a CountObservation an integer, a TruthObservation a boolean and a
CategoryObservation a string (a category URI or term); other types take any JSON value."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from smartcity.sensorthings.errors import BadRequest


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_EXPECTED: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "OM_Measurement": ("a number", _is_number),
    "OM_CountObservation": ("an integer", _is_integer),
    "OM_TruthObservation": ("true or false", lambda value: isinstance(value, bool)),
    "OM_CategoryObservation": ("a string", lambda value: isinstance(value, str)),
}


@functools.lru_cache(maxsize=256)
def short_type(observation_type: str) -> str:
    """`http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement` → `OM_Measurement`;
    clients also send the short form."""
    return observation_type.rsplit("/", 1)[-1]


def check_result(observation_type: str, result: Any, label: str = "result") -> None:
    expected = _EXPECTED.get(short_type(observation_type))
    if expected is None or result is None:
        return
    description, accepts = expected
    if not accepts(result):
        raise BadRequest(
            f"'{label}' must be {description}: the Datastream's observationType is "
            f"{short_type(observation_type)}."
        )


def check_multi_result(types: list[Any], result: Any) -> None:
    if not isinstance(result, list) or len(result) != len(types):
        raise BadRequest(
            f"The result of a MultiDatastream Observation is an array of {len(types)} "
            "values, one per ObservedProperty."
        )
    for position, (observation_type, value) in enumerate(zip(types, result, strict=True)):
        if isinstance(observation_type, str):
            check_result(observation_type, value, f"result[{position}]")

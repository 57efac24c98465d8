"""API fuzzing: schemathesis generates requests for every operation of our OpenAPI document
(valid and invalid ones) and checks that none is answered with a server error, and that every
answer is documented: its status code, its content type and its body's schema. CI runs a
bounded number of examples per operation; `make fuzz` runs many more."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smartcity.core.identity.permissions import SCOPES
from tests.conftest import World

CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]

EXAMPLES = int(os.environ.get("SMARTCITY_FUZZ_EXAMPLES", "3"))


@pytest.fixture
def database_url(tmp_path: Any, sqlite_template: Any) -> str:
    # The generated requests test the HTTP layer; the database behind it is SQLite here.
    path = tmp_path / "smartcity.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _in_dresden(case: Any) -> Any:
    # Random municipality slugs end at "no such municipality"; the handlers are behind it.
    if case.path_parameters and "municipality" in case.path_parameters:
        case.path_parameters["municipality"] = "dresden"
    return case


def test_every_answer_is_documented_and_none_is_a_server_error(app: FastAPI, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.api_key(world.dresden, *SCOPES)}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    undocumented: list[str] = []
    answered: Counter[int] = Counter()
    operations = 0
    for found in schema.get_all_operations():
        if isinstance(found, Err):
            failures.append(f"the OpenAPI document has an invalid operation: {found.err()}")
            continue
        operation = found.ok()
        operations += 1

        @given(case=operation.as_strategy().map(_in_dresden))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=os.environ.get("SMARTCITY_FUZZ_EXAMPLES") is None,
        )
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            answered[response.status_code // 100] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query or ''} "
                    f"-> {response.status_code}: {response.text[:300]}"
                )
            try:
                case.validate_response(response, checks=CONFORMANCE)
            except FailureGroup as failed:
                undocumented.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {failed}"[:600]
                )

        call()
    assert operations > 100  # the whole document, every module
    # Some generated requests got past validation and authorization into the handlers.
    assert answered[2] > 0, answered
    assert failures == []
    assert undocumented == [], "\n".join(undocumented)


# Values at the edges of what can be computed or stored (issue 20.6): the OpenAPI document
# cannot describe `$filter` or SensorThings bodies, so these are generated here.
_HUGE_NUMBERS = st.integers(min_value=300, max_value=4000).map(lambda n: "9" * n)
_SURROGATES = st.integers(min_value=0xD800, max_value=0xDFFF).map(lambda c: f"\\u{c:04x}")
_DURATIONS = st.integers(min_value=0, max_value=10**20).map(lambda n: f"now() sub duration'P{n}D'")
_INSTANTS = st.integers(min_value=0, max_value=99999).map(
    lambda year: f"{year:04d}-01-01T00:00:00Z"
)


def test_hostile_sensorthings_values_are_never_a_server_error(client: Any, world: World) -> None:
    headers = {
        "Authorization": f"Bearer {world.api_key(world.dresden, 'sta:write')}",
        "content-type": "application/json",
    }
    sta = "/dresden/sta/v1.1"
    thing = client.post(
        f"{sta}/Things",
        json={
            "name": "Pegel",
            "description": "",
            "Datastreams": [
                {
                    "name": "Stand",
                    "description": "",
                    "observationType": "OM_Observation",
                    "unitOfMeasurement": {"name": "cm", "symbol": "cm", "definition": "x"},
                    "Sensor": {"name": "S", "description": "", "encodingType": "t", "metadata": ""},
                    "ObservedProperty": {"name": "P", "definition": "", "description": ""},
                }
            ],
        },
        headers=headers,
    )
    assert thing.status_code == 201, thing.text
    datastream = client.get(f"{sta}/Datastreams").json()["value"][0]["@iot.id"]
    failures: list[str] = []

    @given(
        number=_HUGE_NUMBERS,
        surrogate=_SURROGATES,
        duration=_DURATIONS,
        instant=_INSTANTS,
    )
    @settings(
        max_examples=max(EXAMPLES * 5, 10),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(number: str, surrogate: str, duration: str, instant: str) -> None:
        requests = [
            ("post", f"{sta}/Datastreams({datastream})/Observations", f'{{"result": {number}}}'),
            ("post", f"{sta}/Datastreams({datastream})/Observations", f'{{"result": -{number}.5}}'),
            ("post", f"{sta}/Things", f'{{"name": "x{surrogate}", "description": ""}}'),
            (
                "post",
                f"{sta}/Datastreams({datastream})/Observations",
                f'{{"result": "{surrogate}", "parameters": {{"{surrogate}": 1}}}}',
            ),
            ("get", f"{sta}/Observations?$filter=phenomenonTime gt {duration}", None),
            ("get", f"{sta}/Observations?$filter=phenomenonTime lt {instant}", None),
            ("get", f"{sta}/Observations?$filter=result eq {number}", None),
        ]
        for method, url, body in requests:
            response = (
                client.post(url, content=body, headers=headers)
                if method == "post"
                else client.get(url)
            )
            if response.status_code >= 500:
                failures.append(f"{method} {url[:120]} {str(body)[:80]} -> {response.text[:200]}")

    call()
    assert failures == []

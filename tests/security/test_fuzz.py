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
    assert undocumented == []

"""API fuzzing: schemathesis generates requests for every operation of our OpenAPI document
(valid and invalid ones) and checks that none is answered with a server error. CI runs a
bounded number of examples per operation; `make fuzz` runs many more."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from smartcity.core.identity.permissions import SCOPES
from tests.conftest import World

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("SMARTCITY_FUZZ_EXAMPLES", "3"))


@pytest.fixture
def database_url(tmp_path: Any, sqlite_template: Any) -> str:
    # The generated requests test the HTTP layer; the database behind it is SQLite here.
    path = tmp_path / "smartcity.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def test_no_operation_answers_with_a_server_error(app: FastAPI, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.api_key(world.dresden, *SCOPES)}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    answered: Counter[int] = Counter()
    operations = 0
    for found in schema.get_all_operations():
        operation = found.ok()
        operations += 1

        @given(case=operation.as_strategy())
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

        call()
    assert operations > 100  # the whole document, every module
    # Some generated requests got past validation and authorization into the handlers.
    assert answered[2] > 0, answered
    assert failures == []

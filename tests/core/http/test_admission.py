"""A burst of requests waits for its turn instead of failing, a request that waited too long
gets a 503 it can retry, and one municipality's burst leaves room for the others."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from smartcity.core.http.admission import Admission


def slow_app(seconds: float, running: list[int]) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        running.append(1)
        try:
            await asyncio.sleep(seconds)
        finally:
            running.pop()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def _get_all(app: object, paths: list[str]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return list(await asyncio.gather(*(client.get(path) for path in paths)))


def test_a_burst_waits_for_its_turn_and_every_request_is_answered() -> None:
    running: list[int] = []
    most = 0

    async def scenario() -> list[httpx.Response]:
        nonlocal most
        app = Admission(slow_app(0.05, running), places=4, queue_seconds=10)  # type: ignore[arg-type]
        task = asyncio.ensure_future(_get_all(app, [f"/dresden/x/{i}" for i in range(40)]))
        while not task.done():
            most = max(most, len(running))
            await asyncio.sleep(0.005)
        return task.result()

    answers = asyncio.run(scenario())
    assert [a.status_code for a in answers] == [200] * 40
    assert most <= 3  # three quarters of four places for one municipality


def test_who_waited_too_long_gets_a_503_to_retry() -> None:
    running: list[int] = []
    app = Admission(slow_app(0.5, running), places=1, queue_seconds=0.1)  # type: ignore[arg-type]
    answers = asyncio.run(_get_all(app, ["/dresden/a", "/dresden/b", "/dresden/c"]))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 503, 503]
    refused = next(a for a in answers if a.status_code == 503)
    assert refused.headers["retry-after"] == "5"
    assert refused.headers["content-type"] == "application/problem+json"
    assert "try again" in refused.json()["detail"]


def test_one_citys_burst_leaves_a_place_for_another_city() -> None:
    running: list[int] = []
    app = Admission(slow_app(0.3, running), places=4, queue_seconds=0.2)  # type: ignore[arg-type]

    async def scenario() -> tuple[list[httpx.Response], httpx.Response]:
        burst = asyncio.ensure_future(_get_all(app, [f"/dresden/{i}" for i in range(10)]))
        await asyncio.sleep(0.05)
        other = (await _get_all(app, ["/radebeul/status"]))[0]
        return await burst, other

    burst, other = asyncio.run(scenario())
    assert other.status_code == 200
    assert sum(a.status_code == 503 for a in burst) >= 1


def test_health_checks_never_wait() -> None:
    running: list[int] = []
    app = Admission(slow_app(0.3, running), places=1, queue_seconds=0.05)  # type: ignore[arg-type]
    answers = asyncio.run(_get_all(app, ["/dresden/a", "/healthz", "/readyz", "/metrics"]))
    assert [a.status_code for a in answers] == [200, 200, 200, 200]


def test_made_up_paths_leave_nothing_behind() -> None:
    running: list[int] = []
    app = Admission(slow_app(0.0, running), places=4, queue_seconds=1)  # type: ignore[arg-type]
    answers = asyncio.run(_get_all(app, [f"/scan-{i}/x" for i in range(200)]))
    assert {a.status_code for a in answers} == {200}
    assert app._tenants == {}

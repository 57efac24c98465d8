"""The leisure benchmark (bench/leisure.py) runs end to end at a tiny size on each database:
a real server, a booking rush that sells the slot out without overselling and with a valid
ticket for every confirmed booking, entry scans that all admit and whose count is published,
and the offline signature check. The figures themselves are for docs/performance.md."""

from __future__ import annotations

import pytest

from bench import leisure


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_leisure_benchmark_runs_at_a_tiny_size(backend: str) -> None:
    [report] = leisure.main(
        [
            "--citizens", "40",
            "--places", "12",
            "--clients", "4",
            "--scans", "100",
            "--verify", "200",
            "--backend", backend,
        ]
    )  # fmt: skip
    rush = report["rush"]
    assert set(rush["statuses"]) <= {201, 409}
    assert rush["confirmed"] == rush["statuses"][201]
    assert rush["check"] == {
        "capacity": 12,
        "sold": 12,
        "held": 0,
        "oversold": 0,
        "sold_equals_valid_tickets": True,
        "bookings_without_valid_ticket": 0,
    }
    scan = report["scan"]
    assert scan["results"] == {"ok": 50}
    assert scan["published_occupancy"] == scan["entries"] == 100
    assert report["offline_verification"]["verified"] == 200
    assert report["server_errors"] == []

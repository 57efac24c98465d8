"""The transit benchmark (bench/transit.py) runs end to end at a tiny size on each database:
a generated feed that the validator accepts, its import stage alone and the platform's whole
pipeline, departures through the service and through a real server, and the kiosk boards of
benches near stations. The figures themselves are for docs/performance.md."""

from __future__ import annotations

import pytest

from bench import transit


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_transit_benchmark_runs_at_a_tiny_size(backend: str) -> None:
    result = transit.main(
        [
            "--stops", "90",
            "--stop-times", "3000",
            "--requests", "10",
            "--kiosks", "5",
            "--no-quarter",
            "--backend", backend,
        ]
    )  # fmt: skip
    assert result["feeds"]["full"]["rows"]["stops.txt"] == 90
    assert result["feeds"]["full"]["rows"]["stop_times.txt"] >= 3000
    assert all(check["errors"] == 0 for check in result["validator"].values())
    [report] = result["reports"]
    full = report["import"]["full"]
    assert full["status"] == "active"
    assert full["counts"]["stop_times.txt"] == result["feeds"]["full"]["rows"]["stop_times.txt"]
    assert report["import_stage_alone"]["full"]["stop_times"] == full["counts"]["stop_times.txt"]
    assert report["departures_service"]["n"] == report["departures_http"]["n"] == 10
    # Trips run every few minutes all day: a station's board is never empty.
    assert report["departures_http"]["departures_per_board"] > 0
    kiosk = report["kiosk"]
    assert kiosk["kiosks"] == 5
    assert kiosk["boards_shown"] >= 5
    assert kiosk["server_cpu_seconds"] > 0
    assert report["server_errors"] == []
    assert "| backend | kiosks |" in transit.table(result)

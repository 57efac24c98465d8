"""The occupancy history of five Dresden car parks (demo_data/README.txt), for the demo, the
simulator, the forecast tests and the forecast benchmark."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import datetime
from functools import cache
from importlib import resources

LOTS = (
    "dresdenaltmarkt",
    "dresdencentrumgalerie",
    "dresdencitycenter",
    "dresdenkarstadt",
    "dresdenwoehrlflorentinum",
)


@cache
def occupancy_history(lot: str) -> dict[datetime, float]:
    """Percent occupied by local time (naive, Europe/Berlin), every 15 minutes."""
    if lot not in LOTS:
        raise KeyError(lot)
    packed = resources.files("smartcity.parking").joinpath(f"demo_data/{lot}.csv.gz").read_bytes()
    text = gzip.decompress(packed).decode("utf-8")
    return {
        datetime.fromisoformat(stamp): float(percent)
        for stamp, percent in csv.reader(io.StringIO(text))
    }


@cache
def history_end(lot: str) -> datetime:
    """The last time of a lot's published history (a scan of the whole history: kept)."""
    return max(occupancy_history(lot))

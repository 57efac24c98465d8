"""The module's rows as the API shows them."""

from __future__ import annotations

from smartcity.wifi.schemas import HotspotOut
from smartcity.wifi.services import HotspotState


def hotspot_out(state: HotspotState) -> HotspotOut:
    hotspot = state.hotspot
    return HotspotOut(
        id=hotspot.id,
        name=hotspot.name,
        lat=hotspot.lat,
        lon=hotspot.lon,
        online=state.online,
        clients=state.clients if state.online else 0 if state.online is False else None,
        last_seen=state.last_seen,
        thing_id=hotspot.thing_id,
        online_datastream_id=hotspot.online_datastream_id,
        clients_datastream_id=hotspot.clients_datastream_id,
        last_seen_datastream_id=hotspot.last_seen_datastream_id,
    )

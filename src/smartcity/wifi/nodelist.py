"""Reading the node lists German municipal and Freifunk networks publish: `meshviewer.json`
(the format of the ffrgb Meshviewer, written by yanic) and `nodes.json` (version 1, nodes by
id, and version 2, a list; written by yanic and ffmap-backend).

Only what a hotspot needs is taken: its id (hashed before it is stored), name, position,
online flag, number of clients and when it was last seen. A name that holds the router's MAC
(Freifunk firmware's default hostname is often just that) is dropped like a missing one: the
hotspot then gets a neutral name from its keyed hash (`services`). Everything else a list carries —
the router's MAC and IP addresses, its owner's contact, its links — is never read into
our objects, so it cannot reach the database."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smartcity.core.web.i18n import gettext_noop as _

MAX_NODES = 50_000
# Control characters have no place in a name shown on a page or a map.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A node id that is a MAC (12 hex digits), and what separates a MAC's bytes in a name.
_MAC_ID = re.compile(r"[0-9a-f]{12}")
_SEPARATORS = re.compile(r"[^0-9a-z]")


class NodeListBroken(Exception):
    """The list cannot be read; `message` is an English message id, `values` fill it."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class NodeReport:
    node_id: str
    name: str
    lat: float
    lon: float
    online: bool
    clients: int
    last_seen: datetime | None


@dataclass
class NodeList:
    format: str
    timestamp: datetime | None
    nodes: list[NodeReport]
    # Nodes left out because they have no usable position or no id.
    skipped: int = 0


def parse(body: bytes) -> NodeList:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise NodeListBroken(_("The file is not JSON.")) from None
    if not isinstance(data, dict) or "nodes" not in data:
        raise NodeListBroken(
            _("The file is neither a meshviewer.json nor a nodes.json: it has no list of nodes.")
        )
    raw = data["nodes"]
    version = data.get("version")
    if isinstance(raw, dict):  # nodes.json version 1: nodes by their id
        entries = [
            dict(node, _id=key) if isinstance(node, dict) else node for key, node in raw.items()
        ]
        kind = "nodes.json v1"
    elif isinstance(raw, list):
        entries = raw
        kind = "nodes.json v2" if version is not None else "meshviewer.json"
    else:
        raise NodeListBroken(_("The list of nodes is neither a list nor an object."))
    if len(entries) > MAX_NODES:
        raise NodeListBroken(_("The file lists more than %(limit)s nodes."), limit=MAX_NODES)
    found = NodeList(kind, _time(data.get("timestamp")), [])
    for entry in entries:
        if not isinstance(entry, dict):
            raise NodeListBroken(_("A node of the list is not an object."))
        node = _node(entry)
        if node is None:
            found.skipped += 1
        else:
            found.nodes.append(node)
    return found


def _node(entry: dict[str, Any]) -> NodeReport | None:
    if "nodeinfo" in entry:  # nodes.json: the router's own description, flags, statistics
        info, flags = _object(entry["nodeinfo"]), _object(entry.get("flags"))
        statistics = _object(entry.get("statistics"))
        node_id = info.get("node_id", entry.get("_id"))
        name = info.get("hostname")
        location = info.get("location")
        online = flags.get("online")
        clients = statistics.get("clients")
    else:  # meshviewer.json
        node_id = entry.get("node_id")
        name = entry.get("hostname")
        location = entry.get("location")
        online = entry.get("is_online")
        clients = entry.get("clients")
    if not isinstance(node_id, str) or not node_id.strip() or len(node_id) > 100:
        return None
    position = _position(location)
    if position is None:
        return None
    node_id = node_id.strip().lower()
    text = _CONTROL.sub("", name).strip()[:100] if isinstance(name, str) else ""
    return NodeReport(
        node_id=node_id,
        name="" if _holds_mac(text, node_id) else text,
        lat=position[0],
        lon=position[1],
        online=online is True,
        clients=_count(clients) if online is True else 0,
        last_seen=_time(entry.get("lastseen")),
    )


def _holds_mac(name: str, node_id: str) -> bool:
    """Whether the name carries the router's MAC (its node id), with or without separators
    (`c04a00dd692a`, `C0:4A:00:DD:69:2A`, `ffdd-c0-4a-00-dd-69-2a`)."""
    if not _MAC_ID.fullmatch(node_id):
        return False
    return node_id in _SEPARATORS.sub("", name.lower())


def _position(location: object) -> tuple[float, float] | None:
    if not isinstance(location, dict):
        return None
    lat, lon = _finite(location.get("latitude")), _finite(location.get("longitude"))
    if lat is None or lon is None:
        return None
    # 0/0 is what a router without a set position sends, not a place in the Gulf of Guinea.
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _finite(value: object) -> float | None:
    """A JSON number (not a boolean, not infinite) as a float."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _count(value: object) -> int:
    """Clients as a number; respondd's raw form is an object with `total` (or per band)."""
    if isinstance(value, dict):
        total = _finite(value.get("total"))
        if total is None:
            bands = [_finite(v) for k, v in value.items() if str(k).startswith("wifi")]
            total = sum(b for b in bands if b is not None)
        value = total
    number = _finite(value)
    return 0 if number is None else max(0, min(int(number), 10_000))


def _time(value: object) -> datetime | None:
    """ISO 8601 as the lists write it (`+0200`, `Z` or no zone, which means UTC)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)

"""Reading node lists: meshviewer.json and nodes.json (versions 1 and 2) as Freifunk and
municipal networks publish them; routers without a position are left out; anything that is
not a node list is refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smartcity.wifi.nodelist import NodeListBroken, parse
from tests.wifi.conftest import node_list


def test_meshviewer_json_gives_name_position_state_and_client_count() -> None:
    listing = parse(node_list("meshviewer.json"))
    assert listing.format == "meshviewer.json"
    assert listing.timestamp == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    by_name = {n.name: n for n in listing.nodes}
    assert sorted(by_name) == [
        "Wohnzimmer Mustermann",
        "dd-stadt-albertplatz",
        "dd-stadt-altmarkt",
        "dd-stadt-postplatz",
    ]
    altmarkt = by_name["dd-stadt-altmarkt"]
    assert (altmarkt.lat, altmarkt.lon) == (51.05031, 13.73802)
    assert altmarkt.online is True
    assert altmarkt.clients == 7
    # "+0100" in the list: 10:59:58 in Dresden is 09:59:58 UTC.
    assert altmarkt.last_seen == datetime(2026, 12, 3, 9, 59, 58, tzinfo=UTC)
    assert by_name["dd-stadt-albertplatz"].online is False
    assert by_name["dd-stadt-albertplatz"].clients == 0
    # The router without a position cannot be shown anywhere.
    assert listing.skipped == 1


def test_nodes_json_version_2_and_version_1() -> None:
    second = parse(node_list("nodes_v2.json"))
    assert second.format == "nodes.json v2"
    assert [(n.name, n.online, n.clients) for n in second.nodes] == [
        ("dd-stadt-altmarkt", True, 5),
        ("dd-stadt-albertplatz", False, 0),
    ]
    # No zone in nodes.json means UTC.
    assert second.nodes[0].last_seen == datetime(2026, 12, 3, 9, 59, 58, tzinfo=UTC)
    first = parse(node_list("nodes_v1.json"))
    assert first.format == "nodes.json v1"
    # Version 1 keys nodes by id; clients may come as an object with a total.
    assert [(n.node_id, n.clients) for n in first.nodes] == [("c04a00dd692a", 3)]
    # 0/0 is a router whose position was never set.
    assert first.skipped == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Wartungsarbeiten</html>", "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        (b"[]", "no list of nodes"),
        (b'{"timestamp": "2026-12-03T10:00:00"}', "no list of nodes"),
        (b'{"nodes": "many"}', "neither a list nor an object"),
        (b'{"nodes": [1, 2]}', "not an object"),
        (json.dumps({"nodes": [{}] * 50_001}).encode(), "more than 50000 nodes"),
    ],
)
def test_what_is_not_a_node_list_is_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(NodeListBroken) as refused:
        parse(body)
    assert reason in str(refused.value)


def test_odd_values_are_read_safely() -> None:
    body = json.dumps(
        {
            "nodes": [
                {
                    "node_id": "aa",
                    "hostname": "dd-stadt-\x07markt\n",
                    "is_online": "yes",
                    "clients": 3,
                    "lastseen": "gestern",
                    "location": {"latitude": 51.0, "longitude": 13.7},
                },
                {
                    "node_id": "bb",
                    "is_online": True,
                    "clients": -4,
                    "location": {"latitude": 51.1, "longitude": 13.8},
                },
                {"node_id": "cc", "is_online": True, "location": {"latitude": 91, "longitude": 13}},
                {"node_id": 7, "location": {"latitude": 51.0, "longitude": 13.7}},
                {"node_id": "dd", "location": {"latitude": True, "longitude": 13.7}},
            ]
        }
    ).encode()
    listing = parse(body)
    first, second = listing.nodes
    # Only a real true is online; control characters are not part of a name.
    assert (first.name, first.online, first.clients, first.last_seen) == (
        "dd-stadt-markt",
        False,
        0,
        None,
    )
    # A router without a name gets none here (never its id, which is derived from its MAC;
    # the hotspot is named after its keyed hash when stored); negative counts are none.
    assert (second.name, second.clients) == ("", 0)
    assert listing.skipped == 3


@pytest.mark.parametrize(
    "hostname",
    ["c04a00dd692a", "ffdd-C0:4A:00:DD:69:2A", "node_c0-4a-00-dd-69-2a", "c04a.00dd.692a"],
)
def test_a_name_holding_the_routers_mac_is_not_kept(hostname: str) -> None:
    node = {
        "node_id": "C04A00DD692A",
        "hostname": hostname,
        "location": {"latitude": 51.0, "longitude": 13.7},
    }
    [found] = parse(json.dumps({"nodes": [node]}).encode()).nodes
    assert found.name == ""
    # Another router's MAC, or hex that is not a MAC id, is a name like any other.
    other = dict(node, node_id="e894f6a1b2c3")
    assert parse(json.dumps({"nodes": [other]}).encode()).nodes[0].name == hostname.strip()

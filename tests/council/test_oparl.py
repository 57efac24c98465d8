"""OParl 1.1 as a client sees it: every object validates against the specification's schemas, a
crawler that starts at the System and follows every link finds no broken link, every object
in its list and nothing non-public; paging, filters, deleted objects and bad requests."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartcity.core.db import utcnow
from smartcity.core.portal import Portal
from smartcity.core.uploads.models import StoredFile
from smartcity.council import services
from smartcity.council.demo import Seeded, seed_council
from smartcity.council.models import AgendaItem, CouncilFile, Paper, Person
from tests.conftest import World
from tests.council.conftest import fetch
from tests.council.oparl_schema import errors

EXAMPLES = Path(__file__).with_name("oparl-examples")
# The demo's non-public agenda items, and its non-public paper (reference and file).
SECRET_WORDS = ("Grundstücksangelegenheiten", "DS/2026/006", "vorlage-006.pdf")
# Required list properties: present even when empty.
REQUIRED_LISTS = {("Body", "legislativeTerm")}
OBJECT_URL = re.compile(r"/oparl/v1\.1/[a-z]+/\d+$")


def _type(document: dict[str, Any]) -> str:
    return str(document["type"]).rsplit("/", 1)[-1]


def _walk(node: Any, path: str = "") -> Any:
    """(path, key, value) of every property in a document, embedded objects included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value, node
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


@dataclass
class Crawl:
    """What a crawl from the System found."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    listed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    referenced: set[str] = field(default_factory=set)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    bodies: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def crawl(client: TestClient, start: str = "/oparl/v1.1") -> Crawl:
    """Follow every link from the System, as an OParl client does."""
    found = Crawl()
    system = fetch(client, start)
    assert errors(system) == []
    queue = [system["body"]]
    seen: set[str] = {system["id"], system["body"]}
    while queue:
        url = queue.pop()
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code == 200, (url, response.status_code, response.text[:200])
        if not response.headers["content-type"].startswith("application/json"):
            continue  # the web pages and file contents, checked separately
        found.texts.append(response.text)
        document = response.json()
        documents: list[dict[str, Any]]
        if "data" in document and "pagination" in document:
            assert set(document["links"]) >= {"first", "self", "last"}
            documents = document["data"]
            list_kind = urlsplit(document["links"]["first"]).path
            for item in documents:
                found.listed[list_kind].add(item["id"])
            if "next" in document["links"]:
                assert document["links"]["next"] not in seen
                seen.add(document["links"]["next"])
                queue.append(document["links"]["next"])
        else:
            documents = [document]
        for item in documents:
            assert errors(item) == [], (item["id"], errors(item))
            kind = _type(item)
            found.objects.setdefault(item["id"], item)
            if kind == "Body":
                found.bodies.append(item["id"])
            for path, key, value, owner in _walk(item):
                assert value is not None, f"{item['id']}{path}/{key} is null"
                if (_type(owner) if "type" in owner else "", key) not in REQUIRED_LISTS:
                    assert value not in ("", []), f"{item['id']}{path}/{key} is empty"
                if key == "id" and isinstance(value, str) and value != item["id"]:
                    found.objects.setdefault(value, owner)  # embedded: fetch it on its own too
                if (
                    isinstance(value, str)
                    and value.startswith("http")
                    and key
                    not in (
                        "type",
                        "oparlVersion",
                        "fileLicense",
                        "license",
                        "product",
                        "vendor",
                    )
                ):
                    if key not in ("id", "first", "self", "last", "prev", "next"):
                        found.referenced.add(value)
                    if key in ("accessUrl", "downloadUrl"):
                        found.files[value] = owner
                    # Pages (`web`) and file contents are checked on their own below.
                    follow = key not in (
                        "id",
                        "first",
                        "self",
                        "last",
                        "prev",
                        "web",
                        "accessUrl",
                        "downloadUrl",
                    )
                    # Objects are fetched after the lists (a client has most from them).
                    if follow and value not in seen and not OBJECT_URL.search(value):
                        seen.add(value)
                        queue.append(value)
    # Referenced objects no list gave us are fetched on their own.
    for url in sorted(found.referenced):
        if OBJECT_URL.search(url) and url not in found.objects:
            seen.add(url)
            document = fetch(client, url)
            assert errors(document) == []
            found.objects[url] = document
            found.texts.append(json.dumps(document, ensure_ascii=False))
    # Embedded objects can be fetched on their own, with the same id (a few of each kind).
    unfetched: dict[str, list[str]] = defaultdict(list)
    for object_id, document in found.objects.items():
        if object_id not in seen:
            unfetched[_type(document)].append(object_id)
    for object_id in [i for ids in unfetched.values() for i in ids[:3]]:
        if object_id not in seen:
            seen.add(object_id)
            own = fetch(client, object_id)
            assert own["id"] == object_id
            assert errors(own) == []
    return found


def test_the_mapping_of_the_schemas_accepts_the_specifications_examples() -> None:
    for path in sorted(EXAMPLES.glob("*.json")):
        example = json.loads(path.read_text())
        if path.stem == "Meeting-01":
            # The specification's example leaves out an embedded agenda item's required
            # `order`: the mapped schema must notice (embedded objects are validated).
            assert errors(example) == ["agendaItem/0: 'order' is a required property"]
        else:
            assert errors(example) == [], path.name
    broken = {"id": "x", "type": "https://schema.oparl.org/1.1/Meeting", "start": "2024-01-01"}
    assert len(errors(broken)) == 2  # the id is no URL, the start no date-time


def test_a_crawl_from_the_system_reaches_every_object_and_nothing_secret(
    client: TestClient, council: Seeded, world: World
) -> None:
    found = crawl(client)
    assert len(set(found.bodies)) == 2  # Dresden and Radebeul, one Body per municipality
    kinds = defaultdict(set)
    for object_id, document in found.objects.items():
        kinds[_type(document)].add(object_id)
    assert {
        "Body",
        "LegislativeTerm",
        "Organization",
        "Person",
        "Membership",
        "Meeting",
        "AgendaItem",
        "Paper",
        "Consultation",
        "File",
        "Location",
    } <= set(kinds)
    assert len(kinds["Person"]) == 30
    assert len(kinds["Organization"]) == 10
    # Every object of a kind is in that kind's list of its Body.
    segments = {
        "Organization": "organization",
        "Person": "person",
        "Meeting": "meeting",
        "Paper": "paper",
        "AgendaItem": "agendaitem",
        "Consultation": "consultation",
        "File": "file",
        "Location": "location",
        "Membership": "membership",
        "LegislativeTerm": "legislativeterm",
    }
    for kind, segment in segments.items():
        listed = found.listed[f"/dresden/oparl/v1.1/{segment}"]
        assert kinds[kind] <= listed | {i for i in kinds[kind] if "/radebeul/" in i}, kind
    # Every referenced object was fetched (the crawl follows every link and fails on an
    # error), and is an object of its kind.
    objects = [u for u in found.referenced if OBJECT_URL.search(u)]
    assert objects
    for url in objects:
        assert url in found.objects, url
    # Files: the content is ours, as large as said and with the checksum said.
    assert found.files
    for url, document in found.files.items():
        response = client.get(urlsplit(url).path)
        if "/download/" in url:
            assert response.headers["content-disposition"].startswith("attachment")
        assert response.status_code == 200
        assert len(response.content) == document["size"]
        assert hashlib.sha512(response.content).hexdigest() == document["sha512Checksum"]
    # Nothing non-public anywhere: the non-public agenda items and the non-public paper.
    everything = "\n".join(found.texts)
    for word in SECRET_WORDS:
        assert word not in everything, word
    assert next(p for p in council.papers if not p.public).reference == "DS/2026/006"
    # The `web` links lead to our pages (one of each kind of page is enough to check).
    web_pages = {
        re.sub(r"\d+", "1", urlsplit(u).path): u for u in found.referenced if "/ratsinfo" in u
    }
    assert len(web_pages) >= 5
    for url in web_pages.values():
        page = client.get(urlsplit(url).path)
        assert page.status_code == 200, url
        for word in SECRET_WORDS:
            assert word not in page.text, (url, word)


def test_lists_are_paged_with_the_filters_kept(client: TestClient, council: Seeded) -> None:
    first = fetch(client, "/dresden/oparl/v1.1/person", limit="7")
    assert first["pagination"] == {
        "totalElements": 30,
        "elementsPerPage": 7,
        "currentPage": 1,
        "totalPages": 5,
    }
    ids = [p["id"] for p in first["data"]]
    page = first
    while "next" in page["links"]:
        assert "limit=7" in page["links"]["next"]
        page = fetch(client, page["links"]["next"])
        ids += [p["id"] for p in page["data"]]
    assert len(ids) == len(set(ids)) == 30
    assert page["links"]["self"] == first["links"]["last"]
    since = "2000-01-01T00:00:00+01:00"
    filtered = fetch(client, "/dresden/oparl/v1.1/meeting", created_since=since, limit="2")
    assert "created_since=2000-01-01T00%3A00%3A00%2B01%3A00" in filtered["links"]["next"]
    later = fetch(client, "/dresden/oparl/v1.1/meeting", created_since="2999-01-01T00:00:00Z")
    assert later["data"] == []
    assert later["pagination"]["totalElements"] == 0


def _ids(client: TestClient, segment: str, **params: str) -> dict[str, dict[str, Any]]:
    page = fetch(client, f"/dresden/oparl/v1.1/{segment}", limit="500", **params)
    return {item["id"]: item for item in page["data"]}


def test_modified_since_returns_the_changed_objects_their_parents_and_the_deleted(
    client: TestClient, council: Seeded, world: World
) -> None:
    portal = Portal.of(world.platform.settings)
    since = utcnow()
    meeting, other = council.meetings[0], council.meetings[1]
    paper = next(p for p in council.papers if p.public)
    person = council.persons[3]
    with world.tenant(world.dresden) as db:
        item = db.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.public)
        ).first()
        assert item is not None
        services.change(db, item, {"result": "vertagt"}, actor="test")
        services.delete(db, db.get(Paper, paper.id), actor="test", data_dir=portal.data_dir)
        services.change(db, db.get(Person, person.id), {"title": "Prof."}, actor="test")
        item_id = item.id
    stamp = since.isoformat()
    meetings = _ids(client, "meeting", modified_since=stamp)
    assert list(meetings) == [f"{_base(client)}/dresden/oparl/v1.1/meeting/{meeting.id}"]
    assert str(other.id) not in [m.rsplit("/", 1)[1] for m in meetings]
    items = _ids(client, "agendaitem", modified_since=stamp)
    assert [i.rsplit("/", 1)[1] for i in items] == [str(item_id)]
    papers = _ids(client, "paper", modified_since=stamp)
    paper_url = f"{_base(client)}/dresden/oparl/v1.1/paper/{paper.id}"
    assert papers[paper_url]["deleted"] is True
    assert set(papers[paper_url]) == {"id", "type", "created", "modified", "deleted"}
    assert errors(papers[paper_url]) == []
    # The deleted paper's consultations and files went with it, as tombstones; the changed
    # agenda item's consultation (and its paper, which embeds it) changed with it.
    consultations = _ids(client, "consultation", modified_since=stamp).values()
    assert any(c.get("deleted") for c in consultations)
    for consultation in consultations:
        assert consultation.get("deleted") or consultation["agendaItem"].endswith(f"/{item_id}")
    files = _ids(client, "file", modified_since=stamp)
    assert files
    assert all(f.get("deleted") for f in files.values())
    persons = _ids(client, "person", modified_since=stamp)
    assert [p["title"] for p in persons.values()] == [["Prof."]]
    # Without modified_since the deleted paper is gone from the list, but still answers.
    assert paper_url not in _ids(client, "paper")
    assert fetch(client, paper_url)["deleted"] is True
    until = _ids(client, "meeting", modified_until=since.isoformat())
    assert len(until) == len(council.meetings) - 1


def _base(client: TestClient) -> str:
    system = fetch(client, "/oparl/v1.1")
    return str(system["id"]).removesuffix("/oparl/v1.1")


def test_withdrawn_and_deleted_things_disappear_with_their_content(
    client: TestClient, council: Seeded, world: World
) -> None:
    portal = Portal.of(world.platform.settings)
    paper = next(p for p in council.papers if p.public)
    with world.tenant(world.dresden) as db:
        row = db.scalars(select(CouncilFile).where(CouncilFile.paper_id == paper.id)).one()
        stored = db.get(StoredFile, row.stored_file_id)
        assert stored is not None
        path = portal.data_dir / "uploads" / str(stored.municipality_id) / stored.storage_name
        file_id = row.id
    access = f"/dresden/oparl/v1.1/file/{file_id}/access"
    assert client.get(access).status_code == 200
    with world.tenant(world.dresden) as db:
        paths = services.delete(
            db, db.get(CouncilFile, file_id), actor="test", data_dir=portal.data_dir
        )
    for found in paths:
        found.unlink()
    assert not path.exists()
    assert client.get(access).status_code == 404
    document = fetch(client, f"/dresden/oparl/v1.1/file/{file_id}")
    assert document["deleted"] is True
    assert "accessUrl" not in document
    assert "mainFile" not in fetch(client, f"/dresden/oparl/v1.1/paper/{paper.id}")
    # A paper made non-public after publication is answered as deleted (clients drop it).
    with world.tenant(world.dresden) as db:
        services.change(db, db.get(Paper, paper.id), {"public": False}, actor="test")
    assert fetch(client, f"/dresden/oparl/v1.1/paper/{paper.id}")["deleted"] is True
    assert client.get(f"/dresden/ratsinfo/vorlagen/{paper.id}").status_code == 404


def test_non_public_things_and_other_bodies_are_not_found(
    client: TestClient, council: Seeded, world: World
) -> None:
    secret = next(p for p in council.papers if not p.public)
    with world.tenant(world.dresden) as db:
        item = db.scalars(select(AgendaItem).where(AgendaItem.public.is_(False))).first()
        assert item is not None
        file_id = db.scalar(select(CouncilFile.id).where(CouncilFile.paper_id == secret.id))
    for path in (
        f"/dresden/oparl/v1.1/paper/{secret.id}",
        f"/dresden/oparl/v1.1/agendaitem/{item.id}",
        f"/dresden/oparl/v1.1/file/{file_id}",
        f"/dresden/oparl/v1.1/file/{file_id}/access",
        f"/dresden/oparl/v1.1/file/{file_id}/download/x.pdf",
        f"/radebeul/oparl/v1.1/paper/{secret.id}",
        f"/radebeul/oparl/v1.1/meeting/{council.meetings[0].id}",
        "/dresden/oparl/v1.1/meeting/999999",
        "/dresden/oparl/v1.1/nonsense",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        # OParl's error object, its message in the language of the content.
        assert response.json()["type"] == "https://schema.oparl.org/1.1/Error", path
        assert response.json()["message"].startswith("Ein"), path
        assert "Grundstück" not in response.text
        assert secret.name not in response.text
    for params in (
        {"modified_since": "gestern"},
        {"created_until": "2024-01-01T10:00:00"},  # no time zone
        {"limit": "0"},
        {"page": "-1"},
    ):
        response = client.get("/dresden/oparl/v1.1/paper", params=params)
        assert response.status_code == 400, params
        assert response.json()["type"] == "https://schema.oparl.org/1.1/Error"
    assert client.get("/nowhere/oparl/v1.1/body").status_code == 404
    assert client.get("/dresden/oparl/v1.1/meeting/abc").status_code in (404, 422)
    too_big = client.get("/dresden/oparl/v1.1/meeting/99999999999999")
    assert too_big.status_code in (404, 422)


def test_embedded_changes_and_omit_internal(client: TestClient, council: Seeded) -> None:
    meeting = fetch(client, f"/dresden/oparl/v1.1/meeting/{council.meetings[0].id}")
    assert meeting["agendaItem"]
    assert "meeting" not in meeting["agendaItem"][0]
    item = fetch(client, meeting["agendaItem"][0]["id"])
    assert item["meeting"] == meeting["id"]
    lean = fetch(client, "/dresden/oparl/v1.1/meeting", omit_internal="true")
    assert all("agendaItem" not in m for m in lean["data"])
    assert "omit_internal=true" in lean["links"]["first"]


def test_a_region_of_several_bodies_has_one_system(
    client: TestClient, world: World, council: Seeded
) -> None:
    portal = Portal.of(world.platform.settings)
    with world.tenant(world.radebeul) as db:
        seed_council(db, data_dir=portal.data_dir, limits=portal.limits, now=utcnow(), meetings=2)
    bodies = fetch(client, fetch(client, "/oparl/v1.1")["body"])
    assert [b["name"] for b in bodies["data"]] == ["Dresden", "Radebeul"]
    dresden = {m["id"] for m in fetch(client, "/dresden/oparl/v1.1/meeting")["data"]}
    radebeul = {m["id"] for m in fetch(client, "/radebeul/oparl/v1.1/meeting")["data"]}
    assert len(dresden) == 6
    assert len(radebeul) == 2
    assert not dresden & radebeul
    with pytest.raises(AssertionError):
        fetch(client, f"/radebeul/oparl/v1.1/meeting/{council.meetings[0].id}")

"""A citizen who used every module, and a neighbour who did too (whose data must stay)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from smartcity.citizen import login as citizen_login
from smartcity.core.identity import users
from smartcity.core.tenancy.models import Region
from smartcity.leisure import booking
from smartcity.participation import following
from smartcity.participation import services as participation
from smartcity.participation.models import Comment, Process, Proposal
from smartcity.privacy.permissions import DATA_PROTECTION_OFFICER
from tests.citizen.conftest import (  # noqa: F401 - fixtures used by the tests here
    DOG,
    DRESDEN,
    PDF,
    dog_tax,
    region_admin,
    staff,
    start,
    upload,
)
from tests.conftest import PASSWORD, World
from tests.core.uploads.pictures import png
from tests.leisure.conftest import Pool, make_pool
from tests.open311.conftest import app_key, categories  # noqa: F401 - fixtures
from tests.participation.conftest import add_proposal, make_process

METERS = (
    "meter_number;address;digits;last_reading;last_reading_date;persons\n"
    "WZ-1001;Altmarkt 1, 01067 Dresden;5;1000,000;01.01.2026;2\n"
    "WZ-1002;Neumarkt 2, 01067 Dresden;5;2000,000;01.01.2026;2\n"
)


@dataclass
class Places:
    """What the modules added later offer the test citizens: a pool with time slots and a
    participation process in its support phase (proposals made before)."""

    pool: Pool
    process: Process


def marker_picture(colour: tuple[int, int, int]) -> bytes:
    """A person's mark in their files: a picture of their own colour, as the platform stores
    pictures (drawn again without metadata, which leaves these bytes as they are), so it is
    found in their images as in the PDFs it is appended to."""
    return png((8, 8), colour)


@dataclass
class Person:
    """Someone who used every module; `markers` are what must be found and then be gone."""

    email: str
    name: str
    subject: str
    file_marker: bytes
    tracking_codes: list[str] = field(default_factory=list)

    @property
    def markers(self) -> list[str]:
        return [self.email, self.name, self.subject, *self.tracking_codes]

    @property
    def login(self) -> str:
        """The citizen account's subject as the platform stores it (issuer | subject)."""
        return f"https://id.example|{self.subject}"


def use_everything(
    new_client: Callable[[], TestClient],
    world: World,
    app_key: str,  # noqa: F811 - the fixture's value
    person: Person,
    meter: str,
    service: str,
    places: Places,
) -> Person:
    """An application with uploads while signed in with the citizen account, a defect report
    with a photo, a water-meter reading with a photo, tickets for the pool, and a proposal,
    a comment, supports and a report to the moderation in a participation process."""
    citizen = new_client()
    with world.system() as db:
        token = citizen_login.start(
            db,
            {
                "iss": "https://id.example",
                "sub": person.subject,
                "name": person.name,
                "email": person.email,
                "email_verified": True,
            },
        )
    citizen.cookies.set(citizen_login.COOKIE, token)
    start(citizen, service)
    proof = upload(citizen, "insurance", "versicherung.pdf", PDF + person.file_marker)
    assert proof.status_code == 201, proof.text
    owner = {"name": person.name, "street": "Altmarkt 1", "postcode": "01067", "city": "Dresden"}
    data = {**owner, **DOG, "insurance": proof.json()["id"]}
    assert (
        citizen.put(f"{DRESDEN}/drafts/current", json={"data": data, "step": 2}).status_code == 200
    )
    submitted = citizen.post(f"{DRESDEN}/drafts/current/submit", json={"email": person.email})
    assert submitted.status_code == 201, submitted.text
    person.tracking_codes.append(submitted.json()["tracking_code"])

    first, last = person.name.split(" ", 1)
    report = citizen.post(
        "/dresden/open311/v2/requests.json",
        data={
            "api_key": app_key,
            "service_code": "spielplatz",
            "address_string": "Zwingerteich",
            "description": "Schaukel kaputt",
            "email": person.email,
            "first_name": first,
            "last_name": last,
            "phone": "0351 1234567",
        },
        files={"media": ("schaukel.png", person.file_marker, "image/png")},
    )
    assert report.status_code == 201, report.text

    reading = citizen.post(
        "/dresden/api/v1/watermeter/readings",
        data={
            "meter_number": meter,
            "reading": "1025,000" if meter == "WZ-1001" else "2025,000",
            "read_on": date(2026, 4, 11).strftime("%d.%m.%Y"),
            "email": person.email,
        },
        files={"photo": ("zaehler.png", person.file_marker, "image/png")},
    )
    assert reading.status_code == 201, reading.text
    person.tracking_codes.append(reading.json()["tracking_code"])
    book_and_take_part(world, person, places)
    return person


def book_and_take_part(world: World, person: Person, places: Places) -> None:
    """Leisure and participation, through their services: two tickets for the pool booked
    while signed in; a proposal and a comment under the person's name; a support for every
    proposal and comment there is (their counts are stored with them); a report to the
    moderation; following a proposal by e-mail."""
    with world.tenant(world.dresden) as db:
        booking.book(
            db,
            world.dresden,
            booking.BookingInput(
                places.pool.later_slot,
                {places.pool.products["adult"]: 2},
                person.email,
                citizen_subject=person.login,
            ),
            world.platform.settings.require_secret_key(),
        )
    proposal = add_proposal(
        world,
        places.process,
        "Mehr Radwege",
        sub=person.subject,
        public_name=person.name,
    )
    with world.tenant(world.dresden) as db:
        mine = db.get(Proposal, proposal.id)
        assert mine is not None
        participation.add_comment(
            db,
            mine,
            participation.CommentInput(body="Ich wohne gleich nebenan.", public_name=person.name),
            citizen_subject=person.login,
        )
        for each in db.scalars(select(Proposal).order_by(Proposal.id)):
            assert participation.support(db, each, citizen_subject=person.login)
        for comment in db.scalars(select(Comment).order_by(Comment.id)):
            assert participation.support_comment(db, comment, citizen_subject=person.login)
        first = db.scalars(select(Proposal).order_by(Proposal.id)).first()
        assert first is not None
        participation.flag(
            db, "proposal", first.id, citizen_subject=person.login, reason="Bitte prüfen"
        )
        # E-mails about the first proposal, to the address of the citizen login.
        following.follow(db, first, citizen_subject=person.login, email=person.email, language="de")


@pytest.fixture
def places(world: World) -> Places:
    process = make_process(world, "radwege", "support", before=("proposals",))
    return Places(make_pool(world, world.dresden), process)


@pytest.fixture
def erika(
    new_client: Callable[[], TestClient],
    world: World,
    dog_tax: str,  # noqa: F811
    categories: None,  # noqa: F811
    app_key: str,  # noqa: F811
    places: Places,
) -> Person:
    operator = staff(new_client, "dd.operator")
    imported = operator.post(
        "/dresden/api/v1/watermeter/meters/import",
        content=METERS,
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    erika = Person(
        "erika.privat@example.org", "Erika Privatfrau", "erika-0815", marker_picture((200, 40, 40))
    )
    use_everything(new_client, world, app_key, erika, "WZ-1001", dog_tax, places)
    return erika


@pytest.fixture
def max_neighbour(
    new_client: Callable[[], TestClient],
    world: World,
    erika: Person,
    app_key: str,  # noqa: F811
    dog_tax: str,  # noqa: F811
    places: Places,
) -> Person:
    neighbour = Person(
        "max.nachbar@example.org", "Max Nachbarmann", "max-4711", marker_picture((40, 40, 200))
    )
    return use_everything(new_client, world, app_key, neighbour, "WZ-1002", dog_tax, places)


def scan(world: World, markers: list[str]) -> list[tuple[str, str, Any]]:
    """(table, column, primary key) of every value in every table that contains a marker."""
    wanted = [m.lower() for m in markers]
    hits = []
    with world.platform.engine.connect() as connection:
        # The database's own tables, not the models': nothing can hide in a table no model
        # maps.
        reflected = MetaData()
        reflected.reflect(connection)
        for table in reflected.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = json.dumps(value) if isinstance(value, dict | list) else str(value)
                    if any(m in text.lower() for m in wanted):
                        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
                        hits.append((table.name, column, key))
    return hits


def files_with(world: World, marker: bytes) -> list[Path]:
    """Files in the upload store whose bytes contain the marker."""
    store = Path(world.platform.settings.data_dir) / "uploads"
    return [p for p in store.rglob("*") if p.is_file() and marker in p.read_bytes()]


@pytest.fixture
def dpo(world: World, new_client: Callable[[], TestClient]) -> TestClient:
    """Dresden's data-protection officer, signed in."""
    with world.system() as db:
        account = users.create_user(
            db,
            username="dd.dpo",
            password=PASSWORD,
            actor="test",
            passwords=world.platform.passwords,
            email="datenschutz@dresden.example",
        )
        users.assign_role(
            db,
            account,
            DATA_PROTECTION_OFFICER,
            municipality=world.dresden,
            region=db.get(Region, world.dresden.region_id),
            actor="test",
        )
    return staff(new_client, "dd.dpo")

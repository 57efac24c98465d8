"""The retention job for every module: the dry run counts, the run removes exactly that, and
a legal hold keeps a case (with its report) until the hold ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from smartcity.cases.models import Case
from smartcity.citizen.models import Submission
from smartcity.core.audit.services import verify
from smartcity.core.db import utcnow
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import installed_modules
from smartcity.open311.models import ServiceRequest
from smartcity.privacy import holds
from smartcity.privacy.declarations import declared
from smartcity.privacy.retention import apply, plan
from tests.conftest import World
from tests.privacy.conftest import Person, files_with


def _case_of(world: World, person: Person) -> int:
    with world.tenant(world.dresden) as db:
        submission = db.scalar(
            select(Submission).where(
                Submission.contact_email == person.email,
                Submission.tracking_code.not_in(person.tracking_codes),
            )
        )
        assert submission is not None
        case_id: int | None = db.scalar(select(Case.id).where(Case.submission_id == submission.id))
        assert case_id is not None
        return case_id


def test_the_run_removes_exactly_what_the_dry_run_announced_and_holds_keep_a_case(
    world: World, erika: Person, max_neighbour: Person
) -> None:
    declarations = declared(installed_modules())
    sessions = world.platform.sessions
    with world.tenant(world.dresden) as db:
        holds.place(
            db,
            declarations,
            table="case_file",
            row_id=str(_case_of(world, max_neighbour)),
            reason="Widerspruch anhängig",
            until=(utcnow() + timedelta(days=5 * 365)).date(),
            actor="user:1",
        )
    three_years_on = utcnow() + timedelta(days=3 * 365)

    dry_run = plan(sessions, declarations, three_years_on)
    totals = dry_run.totals()
    assert totals["service_request: defect report: 2 years after the report"] == {"anonymise": 1}
    assert totals["meter_reading: contact for a reading: 1 year after the reading"] == {
        "anonymise": 2
    }
    assert totals["stored_file: reading photo: 1 year after upload"] == {"delete": 2}
    assert sum(d.held for d in dry_run.due) == 1  # Max's report, held with his case
    assert ("cases", "case_file") in {(m, t) for m, t, _, _ in dry_run.elsewhere}

    done = apply(sessions, world.platform.settings.data_dir, declarations, dry_run)

    assert done == totals
    assert plan(sessions, declarations, three_years_on).totals() == {}
    with world.tenant(world.dresden) as db:
        descriptions = {r.case_id: r.description for r in db.scalars(select(ServiceRequest))}
    assert descriptions[_case_of(world, max_neighbour)] == "Schaukel kaputt"
    assert descriptions[_case_of(world, erika)] == ""
    # Each one's proof of insurance stays (its case's retention), the reading photos went.
    assert len(files_with(world, erika.file_marker)) == 2
    assert len(files_with(world, max_neighbour.file_marker)) == 2
    with world.platform.sessions(info={SCOPE_KEY: SYSTEM}) as db:
        assert verify(db).ok


def test_a_hold_that_ended_no_longer_keeps_anything(world: World, erika: Person) -> None:
    declarations = declared(installed_modules())
    with world.tenant(world.dresden) as db:
        hold = holds.place(
            db,
            declarations,
            table="case_file",
            row_id=str(_case_of(world, erika)),
            reason="Klage",
            until=utcnow().date() + timedelta(days=30),
            actor="user:1",
        )
        held = holds.held_rows(db, declarations, utcnow().date())
        assert {"case_file", "submission", "service_request", "case_event"} <= set(held)
        assert holds.held_rows(db, declarations, utcnow().date() + timedelta(days=31)) == {}
        holds.release(db, hold.id, actor="user:1")
        assert holds.held_rows(db, declarations, utcnow().date()) == {}


def test_case_retention_leaves_a_held_case_alone(
    world: World, erika: Person, max_neighbour: Person
) -> None:
    from smartcity.cases.retention import apply_case_retention
    from smartcity.citizen.models import ServiceAdoption, ServiceTemplate

    declarations = declared(installed_modules())
    held_case, other_case = _case_of(world, max_neighbour), _case_of(world, erika)
    with world.tenant(world.dresden) as db:
        templates = set()
        for case in db.scalars(select(Case).where(Case.id.in_([held_case, other_case]))):
            case.closed_at = utcnow()
            adoption = db.get(ServiceAdoption, case.adoption_id)
            assert adoption is not None
            templates.add(adoption.template_id)
    with world.system() as db:
        for template_id in templates:
            template = db.get(ServiceTemplate, template_id)
            assert template is not None
            template.retention_days = 30
    with world.tenant(world.dresden) as db:
        holds.place(
            db,
            declarations,
            table="case_file",
            row_id=str(held_case),
            reason="Klage vor dem Verwaltungsgericht",
            until=None,
            actor="user:1",
        )

    done = apply_case_retention(world.platform, now=utcnow() + timedelta(days=60))

    assert done == {"deleted": 0, "anonymised": 1}
    with world.tenant(world.dresden) as db:
        anonymised = {c.id: c.anonymised_at is not None for c in db.scalars(select(Case))}
    assert anonymised[other_case]
    assert not anonymised[held_case]

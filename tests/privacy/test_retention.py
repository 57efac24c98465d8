"""The retention job for every module: the dry run counts, the run removes exactly that, and
a legal hold keeps a case (with its report) until the hold ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.cases.models import Case
from smartcity.cases.retention import LABEL as CASE_LABEL
from smartcity.citizen.applications import DRAFT_LABEL
from smartcity.citizen.models import Draft, Submission
from smartcity.core.audit.models import AuditEntry
from smartcity.core.audit.services import verify
from smartcity.core.db import utcnow
from smartcity.core.identity.housekeeping import SESSION_LABEL
from smartcity.core.mail.models import OutgoingMail
from smartcity.core.mail.services import SENT_LABEL
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import installed_modules
from smartcity.open311.models import ServiceRequest
from smartcity.privacy import holds
from smartcity.privacy.declarations import declared
from smartcity.privacy.retention import apply, own_jobs, plan
from tests.citizen.conftest import dog_tax, start  # noqa: F401 - the fixture
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
    jobs = own_jobs(world.platform, installed_modules())

    dry_run = plan(sessions, declarations, three_years_on, jobs=jobs)
    totals = dry_run.totals()
    assert totals["service_request: defect report: 2 years after the report"] == {"anonymise": 1}
    assert totals["meter_reading: contact for a reading: 1 year after the reading"] == {
        "anonymise": 2
    }
    assert totals["stored_file: reading photo: 1 year after upload"] == {"delete": 2}
    assert sum(d.held for d in dry_run.due) == 1  # Max's report, held with his case
    # Every module's own retention job is counted too: nothing is only listed.
    assert dry_run.elsewhere == []

    done = apply(sessions, world.platform.settings.data_dir, declarations, dry_run, jobs)

    assert done == totals
    assert plan(sessions, declarations, three_years_on, jobs=jobs).totals() == {}
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


def _close_cases(world: World, case_ids: list[int], retention_days: int) -> None:
    from smartcity.citizen.models import ServiceAdoption, ServiceTemplate

    with world.tenant(world.dresden) as db:
        templates = set()
        for case in db.scalars(select(Case).where(Case.id.in_(case_ids))):
            case.closed_at = utcnow()
            adoption = db.get(ServiceAdoption, case.adoption_id)
            assert adoption is not None
            templates.add(adoption.template_id)
    with world.system() as db:
        for template_id in templates:
            template = db.get(ServiceTemplate, template_id)
            assert template is not None
            template.retention_days = retention_days


def test_the_modules_own_retention_jobs_are_counted_and_remove_exactly_that(
    world: World,
    erika: Person,
    max_neighbour: Person,
    new_client: Callable[[], TestClient],
    dog_tax: str,  # noqa: F811
) -> None:
    """Case files (per service), drafts, sent mail and login sessions have retention jobs of
    their modules: the dry run counts them per municipality, the run removes just that."""
    declarations = declared(installed_modules())
    jobs = own_jobs(world.platform, installed_modules())
    sessions = world.platform.sessions
    held_case, erikas_case = _case_of(world, max_neighbour), _case_of(world, erika)
    _close_cases(world, [held_case, erikas_case], retention_days=30)
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
    start(new_client(), dog_tax)  # a draft left unfinished
    with world.system() as db:
        sent = 0
        for mail in db.scalars(select(OutgoingMail)):
            mail.sent_at = utcnow()
            sent += 1
    two_months_on = utcnow() + timedelta(days=60)

    dry_run = plan(sessions, declarations, two_months_on, jobs=jobs)

    totals = dry_run.totals()
    case_class = f"case_file: {CASE_LABEL}"
    assert totals[case_class] == {"anonymise": 1}
    (cases_due,) = [d for d in dry_run.due if d.job == "cases.retention"]
    assert (cases_due.rows, cases_due.held, cases_due.municipality_id) == (1, 1, world.dresden.id)
    assert totals[f"application_draft: {DRAFT_LABEL}"] == {"delete": 1}
    assert totals[f"outgoing_mail: {SENT_LABEL}"] == {"delete": sent}
    assert totals[f"web_session: {SESSION_LABEL}"]["delete"] >= 1  # the operator's login
    with world.tenant(world.dresden) as db:
        # Nothing went yet.
        assert db.scalar(select(func.count()).select_from(Draft)) == 1
        assert db.scalar(select(Case.anonymised_at).where(Case.id == erikas_case)) is None

    done = apply(sessions, world.platform.settings.data_dir, declarations, dry_run, jobs)

    assert done == totals
    assert plan(sessions, declarations, two_months_on, jobs=jobs).totals() == {}
    with world.tenant(world.dresden) as db:
        anonymised = {c.id: c.anonymised_at is not None for c in db.scalars(select(Case))}
        assert db.scalar(select(func.count()).select_from(Draft)) == 0
    assert anonymised[erikas_case]
    assert not anonymised[held_case]
    with world.system() as db:
        assert db.scalar(select(func.count()).select_from(OutgoingMail)) == 0
        actions = set(db.scalars(select(AuditEntry.action)))
    assert "privacy.retention.job" in actions
    # The photo of Erika's report went with its case's anonymisation; Max's held case keeps
    # his.
    assert len(files_with(world, erika.file_marker)) == 2
    assert len(files_with(world, max_neighbour.file_marker)) == 3
    with world.platform.sessions(info={SCOPE_KEY: SYSTEM}) as db:
        assert verify(db).ok


def test_the_officers_dry_run_over_http_counts_the_case_job_and_the_run_does_it(
    world: World, erika: Person, dpo: TestClient
) -> None:
    case_id = _case_of(world, erika)
    _close_cases(world, [case_id], retention_days=30)
    with world.tenant(world.dresden) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.closed_at = utcnow() - timedelta(days=40)

    dry_run = dpo.get("/dresden/api/v1/privacy/retention")

    assert dry_run.status_code == 200, dry_run.text
    planned = dry_run.json()
    due = [d for d in planned["due"] if d["job"] == "cases.retention"]
    assert [(d["module"], d["table"], d["action"], d["rows"]) for d in due] == [
        ("cases", "case_file", "anonymise", 1)
    ]
    # One municipality's run leaves the instance's own tables (sessions, mail) to the daily job.
    assert not {d["job"] for d in planned["due"]} & {"identity.housekeeping", "core.mail"}
    assert planned["elsewhere"] == []
    # A moment without its time zone is refused (not compared with an aware one: no 500).
    naive = dpo.post("/dresden/api/v1/privacy/retention", json={"as_of": "2026-12-01T10:00:00"})
    assert naive.status_code == 422, naive.text
    ran = dpo.post("/dresden/api/v1/privacy/retention", json={"as_of": planned["as_of"]})
    assert ran.status_code == 202, ran.text
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(Case.anonymised_at).where(Case.id == case_id)) is not None
    again = dpo.get("/dresden/api/v1/privacy/retention").json()
    assert [d for d in again["due"] if d["job"] == "cases.retention"] == []

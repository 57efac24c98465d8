"""Every column that looks personal is declared (as personal data, or as not personal with a
reason), and every declaration can be found and erased."""

from __future__ import annotations

from dataclasses import replace

import pytest

from smartcity.core.modules import ERASE_KEEP, Module, PersonalData, Recount, Registry, Retention
from smartcity.modules import installed_modules
from smartcity.privacy.declarations import (
    DeclarationError,
    declared,
    models_by_table,
    problems,
    undeclared,
)


def test_every_column_that_looks_personal_is_declared() -> None:
    assert undeclared(installed_modules()) == []


def test_every_declaration_is_complete_and_reachable_by_access_and_erasure() -> None:
    registry = installed_modules()
    models = models_by_table()
    wrong = [p for d in registry.personal_data() for p in problems(d, models)]
    assert wrong == []
    tables = {d.table for d in declared(registry)}
    # The tables the issue names are all there: identity, audit, uploads, and every domain.
    assert {"user_account", "audit_entry", "stored_file", "citizen_session"} <= tables
    assert {"submission", "case_file", "service_request", "meter_reading"} <= tables


def test_a_forgotten_column_fails_the_check() -> None:
    registry = installed_modules()
    without_water = Registry(
        tuple(replace(m, personal_data=()) if m.name == "watermeter" else m for m in registry)
    )
    assert "meter_reading.contact_email" in undeclared(without_water)
    assert "meter_reading.review_note" in undeclared(without_water)


def test_a_declaration_access_and_erasure_cannot_reach_fails() -> None:
    lost = PersonalData(
        table="meter_reading",
        columns=("contact_email",),
        categories=("user.contact.email",),
        subject="customer",
        purpose="Answer questions",
        legal_basis="Art. 6 (1) e GDPR",
        retention=Retention("1 year", days=365, after="submitted_at"),
        erasure=ERASE_KEEP,
    )
    found = problems(lost, models_by_table())
    assert any("neither identifiers nor a link" in p for p in found)
    assert any("without the law's reason" in p for p in found)
    unknown = replace(lost, categories=("user.favourite_colour",), subject="martian")
    assert any("fideslang" in p for p in problems(unknown, models_by_table()))
    with pytest.raises(DeclarationError):
        declared(Registry((Module(name="broken", personal_data=(lost,)),)))


def test_a_retention_left_to_a_job_without_a_dry_run_fails() -> None:
    """A module's own retention must be declared with its dry run, or the officer's dry run
    could not count it."""
    (cases,) = [m for m in installed_modules() if m.name == "cases"]
    uncounted = Registry((replace(cases, retention_jobs=()),))
    with pytest.raises(DeclarationError, match=r"cases\.retention"):
        declared(uncounted)


def test_recounts_and_rectifiable_columns_must_name_what_exists() -> None:
    (support,) = [
        d for d in installed_modules().personal_data() if d.table == "participation_support"
    ]
    wrong = replace(
        support,
        recount=(Recount("participation_proposal", "likes", via="proposal_id"),),
        rectifiable={"citizen_subject": "shoe_size", "proposal_id": "address"},
    )
    found = problems(wrong, models_by_table())
    assert any("recount of unknown participation_proposal.likes" in p for p in found)
    assert any("'shoe_size' is not one of" in p for p in found)
    assert any("proposal_id is not among the declared" in p for p in found)

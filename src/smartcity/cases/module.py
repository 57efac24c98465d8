"""Case files (E-Akte): workflow, inbox, actions, decisions, retention."""

from __future__ import annotations

from pathlib import Path

from smartcity.cases.pages import router as pages
from smartcity.cases.permissions import CASES_READ, CASES_WORK
from smartcity.cases.retention import CASE_RETENTION, RETENTION
from smartcity.cases.routes import router
from smartcity.core.modules import (
    ERASE_DELETE,
    ERASE_KEEP,
    Link,
    Module,
    NavEntry,
    PersonalData,
    Retention,
)

HERE = Path(__file__).parent

module = Module(
    name="cases",
    # No other domain: what cases know of an application, its module provides
    # (smartcity.cases.interfaces; citizen services register theirs).
    requires=(),
    models=("smartcity.cases.models",),
    permissions=(CASES_READ, CASES_WORK),
    routers=(router,),
    pages=(pages,),
    templates=HERE / "templates",
    translations=HERE / "locale",
    jobs=(CASE_RETENTION,),
    retention_jobs=(RETENTION,),
    navigation=(NavEntry("vorgaenge", "Inbox", CASES_READ, order=10),),
    personal_data=(
        PersonalData(
            table="case_file",
            columns=("decision", "assignee_id"),
            categories=("user.content.private", "user.unique_id.pseudonymous"),
            subject="citizen_voter",
            purpose="The administrative file of an application: status, decision, clerk",
            legal_basis=(
                "Art. 6 (1) c, e GDPR; § 29 VwVfG and the Land's archive law (complete files)"
            ),
            retention=Retention(
                "case file: per service after closing (e.g. 10 years), then anonymised or deleted",
                handled_by="cases.retention",
            ),
            recipients=("the department in charge", "the public archive at the end"),
            link=Link("submission_id", "submission"),
            erasure=ERASE_KEEP,
            keep_reason=(
                "The administrative file must stay complete until its retention ends "
                "(§ 29 VwVfG, archive law; Art. 17 (3) b, e GDPR); it is restricted to the "
                "department and anonymised or deleted by case retention."
            ),
        ),
        PersonalData(
            table="case_event",
            columns=("text", "actor"),
            categories=("user.content.private", "user.unique_id.pseudonymous"),
            subject="citizen_voter",
            purpose="Notes, messages to and from the applicant, status changes of a case",
            legal_basis="Art. 6 (1) e GDPR; § 29 VwVfG",
            retention=Retention("case messages: with the case file", handled_by="cases.retention"),
            link=Link("case_id", "case_file"),
        ),
        PersonalData(
            table="stored_file",
            columns=("original_name", "storage_name"),
            categories=("user.content.private",),
            subject="citizen_voter",
            purpose="Files a clerk added to a case",
            legal_basis="Art. 6 (1) e GDPR; § 29 VwVfG",
            retention=Retention(
                "case attachment: with the case file", handled_by="cases.retention"
            ),
            link=Link("owner_id", "case_file", where={"owner_kind": "case"}),
            erasure=ERASE_DELETE,
        ),
    ),
)

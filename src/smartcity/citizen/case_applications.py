"""What cases learn about the applications they were opened for: citizen services implement
`smartcity.cases.interfaces.Applications` (registered in `smartcity.citizen.module`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from smartcity.cases.interfaces import Application, RetentionRule
from smartcity.cases.models import Case
from smartcity.cases.workflow import Workflow
from smartcity.citizen.forms import FormDefinition
from smartcity.citizen.models import FormVersion, ServiceAdoption, ServiceTemplate, Submission
from smartcity.citizen.receipts import answers
from smartcity.core.uploads.models import StoredFile


class CitizenApplications:
    """Submissions of the services a municipality adopted."""

    def of_cases(self, db: Session, cases: Sequence[Case]) -> dict[int, Application]:
        if not cases:
            return {}
        rows = db.execute(
            select(Submission, ServiceTemplate, FormVersion)
            .join(ServiceAdoption, ServiceAdoption.id == Submission.adoption_id)
            .join(ServiceTemplate, ServiceTemplate.id == ServiceAdoption.template_id)
            .join(FormVersion, FormVersion.id == Submission.form_version_id)
            .where(Submission.id.in_({case.submission_id for case in cases}))
        ).all()
        by_submission = {
            submission.id: Application(
                tracking_code=submission.tracking_code,
                service_key=template.key,
                service_names=template.name,
                workflow=Workflow.of(template.workflow),
                decision_template=template.decision_template,
                form_version=version.version,
                data=submission.data,
                contact_email=submission.contact_email,
                language=submission.language,
                submitted_at=submission.submitted_at,
                addressee=tuple(
                    FormDefinition(version.schema, version.ui).addressee(submission.data or {})
                ),
            )
            for submission, template, version in rows
        }
        return {case.id: by_submission[case.submission_id] for case in cases}

    def adoptions_of_service(self, key: str) -> Select[int]:
        return (
            select(ServiceAdoption.id)
            .join(ServiceTemplate, ServiceTemplate.id == ServiceAdoption.template_id)
            .where(ServiceTemplate.key == key)
        )

    def matching(self, text: str) -> Select[int]:
        wanted = text.strip()
        name = Submission.data["name"].as_string()
        return select(Submission.id).where(
            or_(
                Submission.tracking_code == wanted.upper(),
                func.lower(name).contains(wanted.lower(), autoescape=True),
            )
        )

    def answers(self, db: Session, case: Case, files: list[StoredFile]) -> list[tuple[str, str]]:
        submission = db.get(Submission, case.submission_id)
        assert submission is not None
        version = db.get(FormVersion, submission.form_version_id)
        assert version is not None
        return answers(FormDefinition(version.schema, version.ui), submission.data, files, "de")

    def retention_rules(self, db: Session) -> dict[int, RetentionRule]:
        rows = db.execute(
            select(
                ServiceAdoption.id, ServiceTemplate.retention_days, ServiceTemplate.retention_action
            )
            .join(ServiceTemplate, ServiceTemplate.id == ServiceAdoption.template_id)
            .where(ServiceTemplate.retention_days > 0)
        ).all()
        return {
            adoption_id: RetentionRule(days, "delete" if action == "delete" else "anonymise")
            for adoption_id, days, action in rows
        }

    def anonymise(self, db: Session, case: Case, now: datetime) -> None:
        submission = db.get(Submission, case.submission_id)
        if submission is not None:
            submission.data = {}
            submission.contact_email = None
            submission.citizen_subject = None
            submission.receipt = ""  # it names the attachments, and their names may be personal
            submission.anonymised_at = now

    def delete(self, db: Session, case: Case) -> None:
        submission = db.get(Submission, case.submission_id)
        if submission is not None:
            db.delete(submission)

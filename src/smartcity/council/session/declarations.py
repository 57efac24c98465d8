"""What the digital session keeps about council members: their attendance and their votes,
public records of the council's work (minutes name who attended and, for roll-call votes, who
voted how), kept and corrected, not erased."""

from __future__ import annotations

from smartcity.core.modules import ERASE_KEEP, Link, PersonalData, Retention

_KEEP = (
    "Attendance and votes in a council meeting are part of its minutes, a public record under "
    "the municipal code, archived under the archives act."
)

SESSION_PERSONAL_DATA = (
    PersonalData(
        table="council_attendance",
        columns=("arrived_at", "left_at", "recorded_by"),
        categories=("user.content.public",),
        subject="citizen_voter",
        purpose="Record who attended a council meeting and establish its quorum",
        legal_basis="Art. 6 (1) e GDPR with the municipal code's rules on council meetings",
        retention=Retention("attendance: kept with the meeting's minutes (archived)"),
        link=Link(column="person_id", table="council_person"),
        recipients=("public",),
        erasure=ERASE_KEEP,
        keep_reason=_KEEP,
    ),
    PersonalData(
        table="council_vote",
        columns=("choice", "recorded_by", "cast_at"),
        categories=("user.content.public",),
        subject="citizen_voter",
        purpose=(
            "Count a council member's electronic vote; publish it for roll-call votes, by "
            "faction otherwise"
        ),
        legal_basis="Art. 6 (1) e GDPR with the municipal code's rules on council meetings",
        retention=Retention("vote: kept with the meeting's minutes (archived)"),
        link=Link(column="person_id", table="council_person"),
        recipients=("public",),
        erasure=ERASE_KEEP,
        keep_reason=_KEEP,
    ),
    PersonalData(
        table="council_speaker_request",
        columns=("requested_at", "called_at", "finished_at"),
        categories=("user.content.public",),
        subject="citizen_voter",
        purpose="Keep the speakers' list of a council meeting",
        legal_basis="Art. 6 (1) e GDPR with the municipal code's rules on council meetings",
        retention=Retention("request to speak: kept with the meeting's minutes (archived)"),
        link=Link(column="person_id", table="council_person"),
        recipients=("public",),
        erasure=ERASE_KEEP,
        keep_reason=_KEEP,
    ),
)

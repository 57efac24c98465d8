"""Working on cases, one module per job: opening a case for an application, who sees what
(`access`), the inbox, the case as the clerk reads it (`case_file`), the actions on it,
issuing the decision (`deciding`) and the mails to the applicant (`notices`).

Changes that replace state (status, assignee, deadline, decision) must name the version they
were made on: `If-Match: "<version>"`; a stale version gets 412, none 428. Appending (a note,
a message) cannot overwrite anything and needs no version.

The names other modules use are re-exported here: `from smartcity.cases import services`."""

from __future__ import annotations

from smartcity.cases.services.access import check_version, get_case, sees_all_departments
from smartcity.cases.services.actions import (
    add_attachment,
    add_note,
    applicant_reply,
    change_status,
    send_message,
    update,
)
from smartcity.cases.services.case_file import case_out, file_of, file_out, history
from smartcity.cases.services.deciding import decide, decision_pdf, preview_decision
from smartcity.cases.services.inbox import InboxFilter, inbox, is_overdue
from smartcity.cases.services.opening import CaseOpening, case_of, open_case

__all__ = [
    "CaseOpening",
    "InboxFilter",
    "add_attachment",
    "add_note",
    "applicant_reply",
    "case_of",
    "case_out",
    "change_status",
    "check_version",
    "decide",
    "decision_pdf",
    "file_of",
    "file_out",
    "get_case",
    "history",
    "inbox",
    "is_overdue",
    "open_case",
    "preview_decision",
    "sees_all_departments",
    "send_message",
    "update",
]

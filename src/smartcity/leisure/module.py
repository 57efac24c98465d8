"""Leisure tickets: time-slot booking for pools, saunas and museums (docs/leisure.md)."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    ERASE_ANONYMISE,
    Link,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)
from smartcity.leisure import demo, retention
from smartcity.leisure.course_pages import course_office_pages, course_portal_pages
from smartcity.leisure.datasets import OCCUPANCY
from smartcity.leisure.holds import HOLDS
from smartcity.leisure.office_pages import office_pages
from smartcity.leisure.pages import portal_pages, staff_pages
from smartcity.leisure.permissions import (
    FACILITY_MANAGER,
    GATE_STAFF,
    LEISURE_MANAGE,
    TICKETS_BOOK,
    TICKETS_CASH,
    TICKETS_SCAN,
)
from smartcity.leisure.routes import router

HERE = Path(__file__).parent

module = Module(
    name="leisure",
    requires=("citizen",),
    models=("smartcity.leisure.models",),
    migrations=HERE / "migrations",
    permissions=(LEISURE_MANAGE, TICKETS_SCAN, TICKETS_CASH, TICKETS_BOOK),
    roles=(FACILITY_MANAGER, GATE_STAFF),
    routers=(router,),
    # office_pages before staff_pages: "/freizeit/{facility_id}" would take "buchungen".
    # course_office_pages too: "/freizeit/{facility_id}/{part}" would take "kurse".
    pages=(
        portal_pages,
        course_portal_pages,
        office_pages,
        course_office_pages,
        staff_pages,
    ),
    templates=HERE / "templates",
    # The scanner page's script and the vendored QR code reader (zxing-wasm, MIT; its version
    # and licence beside it, updated by `make zxing`).
    static=HERE / "static",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    jobs=(HOLDS,),
    retention_jobs=(retention.RETENTION,),
    navigation=(
        NavEntry("freizeit", "Leisure", LEISURE_MANAGE, order=50),
        NavEntry("einlass", "Entry check", TICKETS_SCAN, order=51),
    ),
    portal_navigation=(NavEntry("freizeit", "Pools and museums", order=30),),
    datasets=(OCCUPANCY,),
    personal_data=(
        PersonalData(
            table="leisure_order",
            columns=("email", "citizen_subject"),
            categories=("user.contact.email", "user.unique_id"),
            subject="customer",
            purpose="Send the tickets of a booking and reach the buyer about it (cancellation, "
            "closure of the facility)",
            legal_basis="Art. 6 (1) b GDPR (the booking is a contract)",
            # Each facility sets its own period (`leisure_facility.retention_days`).
            retention=Retention(retention.LABEL, action=ERASE_ANONYMISE, handled_by=retention.NAME),
            identifiers={"email": "email", "citizen_subject": "citizen_subject"},
            erasure=ERASE_ANONYMISE,
        ),
        PersonalData(
            table="leisure_ticket",
            columns=("code", "token"),
            categories=("user.unique_id",),
            subject="customer",
            purpose="Let the buyer in: the signed ticket of a booking, checked at the gate",
            legal_basis="Art. 6 (1) b GDPR (the booking is a contract)",
            retention=Retention("ticket: as long as its order (the buyer's data goes with it)"),
            # A ticket's code (printed "ABCD-EFGH-…") leads to its booking and its buyer.
            identifiers={"code": "ticket_code"},
            link=Link("order_id", "leisure_order"),
            erasure=ERASE_ANONYMISE,
        ),
        PersonalData(
            table="leisure_waiting_entry",
            columns=("email",),
            categories=("user.contact.email",),
            subject="customer",
            purpose="Offer a freed place of a fully booked slot to the person waiting for it",
            legal_basis="Art. 6 (1) b GDPR (steps before a contract at the person's request)",
            retention=Retention(
                "waiting list: 30 days after the slot (removed at once when the offer ends)",
                days=30,
                after="visit_ends_at",
                action=ERASE_ANONYMISE,
            ),
            identifiers={"email": "email"},
            erasure=ERASE_ANONYMISE,
        ),
        PersonalData(
            table="leisure_order",
            columns=("paid_by", "refunded_by"),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Know which staff account took a payment at the cash desk and which paid "
            "it back (the daily cash report per cash desk)",
            legal_basis="Art. 6 (1) c GDPR; § 147 AO (the cash records)",
            retention=Retention(
                "cash-desk account of a payment: 10 years after the payment",
                days=3653,
                after="paid_at",
                action=ERASE_ANONYMISE,
            ),
            identifiers={"paid_by": "actor", "refunded_by": "actor"},
            erasure=ERASE_ANONYMISE,
        ),
        PersonalData(
            table="leisure_scan",
            columns=("actor",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Know which gate account checked a ticket in or out",
            legal_basis="Art. 6 (1) e GDPR; § 3 BDSG",
            retention=Retention(
                "scan: 90 days after the scan",
                days=90,
                after="scanned_at",
                action=ERASE_ANONYMISE,
            ),
            identifiers={"actor": "actor"},
            erasure=ERASE_ANONYMISE,
        ),
    ),
    not_personal=(
        NotPersonal(
            "leisure_facility",
            ("name", "description", "address"),
            "A public facility of the municipality (a pool, a museum) and its address.",
        ),
        NotPersonal("leisure_zone", ("name",), "A part of a facility (pool hall, sauna)."),
        NotPersonal("leisure_product", ("name",), "A kind of ticket (adult, family)."),
        NotPersonal(
            "leisure_slot_exception", ("note",), "Why a facility is closed on a day (staff text)."
        ),
        NotPersonal("leisure_slot", ("note",), "Why a slot differs (staff text, public)."),
        NotPersonal(
            "leisure_voucher",
            ("note",),
            "Staff's note on a batch of vouchers (the occasion); a voucher names nobody.",
        ),
    ),
)

"""Water-meter readings for the Stadtwerke: registry, plausibility, review, billing export."""

from __future__ import annotations

from pathlib import Path

from smartcity.core.modules import (
    ERASE_ANONYMISE,
    ERASE_DELETE,
    ERASE_KEEP,
    Link,
    Module,
    NavEntry,
    PersonalData,
    Retention,
)
from smartcity.watermeter import demo
from smartcity.watermeter.pages import portal_pages, staff_pages
from smartcity.watermeter.permissions import WATERMETER_EXPORT, WATERMETER_MANAGE
from smartcity.watermeter.routes import router

HERE = Path(__file__).parent

module = Module(
    name="watermeter",
    requires=("citizen",),
    models=("smartcity.watermeter.models",),
    permissions=(WATERMETER_MANAGE, WATERMETER_EXPORT),
    routers=(router,),
    pages=(portal_pages, staff_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    navigation=(NavEntry("wasserzaehler", "Water meter review", WATERMETER_MANAGE, order=30),),
    personal_data=(
        PersonalData(
            table="meter_reading",
            columns=("contact_email",),
            categories=("user.contact.email",),
            subject="customer",
            purpose="Answer questions about a submitted reading",
            legal_basis="Art. 6 (1) e GDPR; the water-supply statute (Wasserversorgungssatzung)",
            retention=Retention(
                "contact for a reading: 1 year after the reading",
                days=365,
                after="submitted_at",
                action=ERASE_ANONYMISE,
            ),
            identifiers={"contact_email": "email", "tracking_code": "tracking_code"},
            service="water-meter-reading",
        ),
        PersonalData(
            table="meter_reading",
            columns=("tracking_code", "receipt", "review_note", "reviewed_by"),
            categories=("user.sensor", "user.financial"),
            subject="customer",
            purpose="Bill the water consumption of the supply point",
            legal_basis=(
                "Art. 6 (1) c, e GDPR; Kommunalabgabengesetz, AVBWasserV, § 147 AO (10 years)"
            ),
            retention=Retention(
                "billing reading: 10 years after the reading",
                days=3653,
                after="submitted_at",
                action=ERASE_DELETE,
            ),
            recipients=("Stadtwerke (billing export)",),
            identifiers={"tracking_code": "tracking_code"},
            erasure=ERASE_KEEP,
            keep_reason=(
                "A reading is a billing record of the supply point: kept 10 years (§ 147 AO, "
                "Kommunalabgabengesetz; Art. 17 (3) b GDPR). The contact address is removed."
            ),
            service="water-meter-reading",
        ),
        PersonalData(
            table="water_meter",
            columns=("address",),
            categories=("user.contact.address",),
            subject="customer",
            purpose="Identify the supply point a reading is for",
            legal_basis="Art. 6 (1) e GDPR with the water-supply statutes",
            retention=Retention("meter: while installed"),
            link=Link("id", "meter_reading", target="meter_id"),
            erasure=ERASE_KEEP,
            keep_reason="The address is the supply point's, needed for every later reading.",
            rectifiable={"address": "address"},
            service="water-meter-reading",
        ),
        PersonalData(
            table="stored_file",
            columns=("original_name", "storage_name"),
            categories=("user.content.self_image",),
            subject="customer",
            purpose="Photo of the meter as proof of a reading",
            legal_basis="Art. 6 (1) e GDPR with the water-supply statutes",
            retention=Retention(
                "reading photo: 1 year after upload",
                days=365,
                after="created_at",
                action=ERASE_DELETE,
            ),
            link=Link("owner_id", "meter_reading", where={"owner_kind": "reading"}),
            erasure=ERASE_DELETE,
            service="water-meter-reading",
        ),
    ),
)

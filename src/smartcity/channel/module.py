"""The city's own channel: announcements, events and warnings on the portal, as feeds,
ActivityPub and CAP (docs/channel.md)."""

from __future__ import annotations

from pathlib import Path

from smartcity.channel import demo
from smartcity.channel.frame import portal_frame
from smartcity.channel.jobs import DELIVER, DELIVERY_RETENTION, PUBLISH
from smartcity.channel.pages import federation_pages, portal_pages, staff_pages
from smartcity.channel.permissions import CHANNEL_FEDERATION, CHANNEL_PUBLISH
from smartcity.channel.routes import ap, feed_router, router
from smartcity.core.modules import (
    ERASE_ANONYMISE,
    ERASE_DELETE,
    Module,
    NavEntry,
    NotPersonal,
    PersonalData,
    Retention,
)

HERE = Path(__file__).parent

module = Module(
    name="channel",
    models=("smartcity.channel.models",),
    migrations=HERE / "migrations",
    permissions=(CHANNEL_PUBLISH, CHANNEL_FEDERATION),
    routers=(router, ap, feed_router),
    pages=(portal_pages, staff_pages, federation_pages),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(demo.seed,),
    jobs=(PUBLISH, DELIVER),
    retention_jobs=(DELIVERY_RETENTION,),
    navigation=(
        NavEntry("kanal", "Channel", CHANNEL_PUBLISH, order=40),
        NavEntry("foederation", "Federation", CHANNEL_FEDERATION, order=41),
    ),
    portal_navigation=(
        NavEntry("aktuelles", "News", order=5),
        NavEntry("veranstaltungen", "Events", order=6),
    ),
    portal_frame=(portal_frame,),
    personal_data=(
        PersonalData(
            table="channel_follower",
            columns=(
                "actor_uri",
                "inbox",
                "delivery_inbox",
                "key_id",
                "public_key_pem",
                "follow_id",
            ),
            categories=("user.unique_id",),
            subject="citizen_voter",
            purpose="Deliver the channel's posts to the accounts in the Fediverse that follow it",
            legal_basis="Art. 6 (1) e GDPR with the municipality's duty to inform the public",
            retention=Retention("follower: until they unfollow or their account is deleted"),
            identifiers={"actor_uri": "fediverse_account"},
            erasure=ERASE_DELETE,
        ),
        PersonalData(
            table="channel_post",
            columns=("author_id",),
            categories=("user.unique_id.pseudonymous",),
            subject="employee",
            purpose="Know which staff member wrote a post (the audit log names them as well)",
            legal_basis="Art. 6 (1) e GDPR; § 3 BDSG",
            retention=Retention("author of a post: as long as the post exists"),
            identifiers={"author_id": "user_id"},
            erasure=ERASE_ANONYMISE,
        ),
        PersonalData(
            table="channel_delivery",
            columns=("inbox", "activity"),
            categories=("user.unique_id",),
            subject="citizen_voter",
            purpose="Deliver a post or the acceptance of a follow to a follower's server",
            legal_basis="Art. 6 (1) e GDPR with the municipality's duty to inform the public",
            retention=Retention(
                "delivery: 7 days after it was queued",
                days=7,
                after="created_at",
                action=ERASE_DELETE,
                handled_by="channel.deliver",
            ),
            identifiers={"inbox": "fediverse_inbox"},
            erasure=ERASE_DELETE,
        ),
    ),
    not_personal=(
        NotPersonal(
            "channel",
            ("name", "summary", "public_key_pem", "private_key_sealed"),
            "A channel of the municipality (Feuerwehr, Bürgeramt) and its server key.",
        ),
        NotPersonal(
            "channel_post",
            ("body_html", "area_polygon", "area_description"),
            "A public announcement of the municipality and the area a warning covers.",
        ),
        NotPersonal("channel_post_category", ("name",), "A topic such as verkehr."),
    ),
)

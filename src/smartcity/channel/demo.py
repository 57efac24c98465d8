"""Demo data: Dresden's channel with news, press releases, three events and an active
warning, and the Feuerwehr's department channel."""

from __future__ import annotations

from datetime import timedelta

from smartcity.channel import services
from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.core.portal import Portal

NEWS = [
    (
        "news",
        "Neue Radwege an der Königsbrücker Straße",
        "Ab Montag ist der neue Radweg befahrbar.",
        ("verkehr",),
    ),
    (
        "press",
        "Stadtrat beschließt Haushalt 2027",
        "Der Stadtrat hat den Doppelhaushalt beschlossen.",
        ("rathaus",),
    ),
    (
        "news",
        "Bürgeramt Altstadt mit längeren Öffnungszeiten",
        "Donnerstags bis 20 Uhr geöffnet.",
        ("buergeramt",),
    ),
    ("news", "Baumpflanzaktion im Großen Garten", "120 neue Bäume für den Park.", ("umwelt",)),
    (
        "press",
        "Neue Mängelmelder-App veröffentlicht",
        "Mängel jetzt auch unterwegs melden.",
        ("digital",),
    ),
    (
        "news",
        "Sanierung der Carolabrücke: Zeitplan",
        "Die Stadt informiert über die nächsten Schritte.",
        ("verkehr",),
    ),
    (
        "news",
        "Wahlhelferinnen und Wahlhelfer gesucht",
        "Für die nächste Wahl werden Helfende gesucht.",
        ("rathaus",),
    ),
    (
        "press",
        "Luftqualität im Sommer: Bilanz der smarten Bänke",
        "Die Messwerte der Bänke im Überblick.",
        ("umwelt",),
    ),
    (
        "news",
        "Winterdienst: So räumt die Stadt",
        "Reihenfolge und Prioritäten beim Räumen.",
        ("verkehr",),
    ),
    (
        "news",
        "Stadtbibliothek: neue Sonntagsöffnung",
        "Die Zentralbibliothek öffnet sonntags.",
        ("kultur",),
    ),
    (
        "news",
        "Open Data: neue Datensätze",
        "Parkhausbelegung und Luftqualität als offene Daten.",
        ("digital",),
    ),
]
EVENTS = [
    ("Bürgerversammlung Neustadt", "Rathaus Neustadt, Hoyerswerdaer Str. 3", 5),
    ("Striezelmarkt-Eröffnung", "Altmarkt", 9),
    ("Tag der offenen Tür im Rathaus", "Neues Rathaus, Dr.-Külz-Ring 19", 20),
]


def seed(context: DemoContext) -> None:
    municipality = context.municipalities.get("dresden")
    if municipality is None:
        return
    portal = Portal.of(context.platform.settings)
    now = utcnow()
    with context.tenant_session(municipality) as db:
        main = services.main_channel(db, municipality, portal.secret)
        fire = services.create_department_channel(
            db,
            municipality,
            slug="feuerwehr",
            name="Feuerwehr Dresden",
            summary="Brand- und Katastrophenschutz der Landeshauptstadt Dresden",
            secret=portal.secret,
            actor="demo",
        )

        def post(data: services.PostInput) -> None:
            services.create_post(
                db,
                data,
                author_id=None,
                actor="demo",
                data_dir=portal.data_dir,
                limits=portal.limits,
            )

        for days_ago, (kind, title, teaser, categories) in enumerate(NEWS):
            post(
                services.PostInput(
                    channel_id=main.id,
                    kind=kind,
                    title=title,
                    teaser=teaser,
                    body=f"<p>{teaser}</p><p>Weitere Informationen erhalten Sie im Rathaus.</p>",
                    categories=categories,
                    publish_at=now - timedelta(days=days_ago + 1),
                )
            )
        for title, place, in_days in EVENTS:
            start = (now + timedelta(days=in_days)).replace(
                hour=17, minute=0, second=0, microsecond=0
            )
            post(
                services.PostInput(
                    channel_id=main.id,
                    kind="event",
                    title=title,
                    teaser=f"{title}: alle sind herzlich eingeladen.",
                    categories=("veranstaltung",),
                    publish_at=now - timedelta(hours=2),
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    location=place,
                )
            )
        post(
            services.PostInput(
                channel_id=fire.id,
                kind="warning",
                title="Sturmwarnung für das Stadtgebiet",
                teaser="Orkanböen bis 110 km/h erwartet. Meiden Sie Parks und Wälder.",
                publish_at=now - timedelta(hours=1),
                severity="Severe",
                urgency="Immediate",
                certainty="Likely",
                expires_at=now + timedelta(days=2),
                area_description="Stadtgebiet Dresden",
            )
        )
        post(
            services.PostInput(
                channel_id=fire.id,
                kind="news",
                title="Rauchmelder retten Leben",
                teaser="Die Feuerwehr erinnert an die Rauchmelderpflicht.",
                categories=("sicherheit",),
                publish_at=now - timedelta(days=3),
            )
        )
    context.say("  Channel: 16 posts (3 events, 1 active warning); @dresden and @feuerwehr.dresden")

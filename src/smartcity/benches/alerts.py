"""The municipality-wide air-quality check: when the worst bench's EAQI reaches "poor", an
event is raised (once, until it has been better again) and, if configured, a mail sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from smartcity.benches import air_quality
from smartcity.benches.services import all_benches, state_of, statuses, worst
from smartcity.core.audit import services as audit
from smartcity.core.db import transaction, utcnow
from smartcity.core.events import DomainEvent
from smartcity.core.jobs import PeriodicJob
from smartcity.core.mail.services import queue_mail
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class AirQualityAlert(DomainEvent):
    level: str
    pollutant: str
    bench_id: int
    bench_name: str


def check_air_quality(platform: Platform) -> int:
    """Assess every municipality with benches; returns the number of alerts raised."""
    with platform.sessions() as db:
        municipalities = list(db.scalars(select(Municipality)))
    alerts = 0
    for municipality in municipalities:
        with transaction(platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            benches = all_benches(db)
            if not benches:
                continue
            bad = worst(statuses(db, benches))
            index = bad.eaqi if bad is not None else None
            rank = index.level.rank if index is not None else 0
            state = state_of(db)
            turned_poor = rank >= air_quality.POOR.rank > state.eaqi_rank
            state.eaqi_rank = rank
            state.assessed_at = utcnow()
            if not turned_poor or bad is None or index is None:
                continue
            alerts += 1
            platform.bus.raise_in(
                db,
                AirQualityAlert(
                    municipality_id=municipality.id,
                    actor="system",
                    level=index.level.key,
                    pollutant=index.pollutant,
                    bench_id=bad.bench.id,
                    bench_name=bad.bench.name,
                ),
            )
            audit.record(
                db,
                actor="system",
                action="benches.air_quality.alert",
                resource_type="bench",
                resource_id=str(bad.bench.id),
                changes={"level": index.level.key, "pollutant": index.pollutant},
            )
            if state.alert_email:
                queue_mail(
                    db,
                    to=state.alert_email,
                    subject=f"Luftqualität in {municipality.name}: {index.level.de}",
                    body=(
                        f"Der Europäische Luftqualitätsindex an der Bank „{bad.bench.name}“ "
                        f"ist auf „{index.level.de}“ gestiegen (ausschlaggebend: "
                        f"{index.pollutant.upper()}, Stundenmittel).\n\n"
                        "Diese Nachricht kommt einmal, bis die Luft wieder besser war.\n"
                    ),
                )
            log.info("air quality alert", extra={"municipality": municipality.slug})
    return alerts


def _check(platform: Platform) -> None:
    check_air_quality(platform)


AIR_QUALITY = PeriodicJob("benches.air_quality", 600, _check)

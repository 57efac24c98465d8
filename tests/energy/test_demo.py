"""The demo: five of Dresden's municipal buildings with two years of monthly readings, a
meter exchange carried across, the town hall's high base load at night pointed out, and the
consumption as open data."""

from __future__ import annotations

from datetime import timedelta

from smartcity.core.db import utcnow
from smartcity.core.demo import DemoContext
from smartcity.energy import demo, services
from smartcity.energy.open_data import consumption_by_month
from tests.conftest import World


def test_demo_brings_five_buildings_with_a_year_to_compare(world: World) -> None:
    said: list[str] = []
    demo.seed(DemoContext(world.platform, {"dresden": world.dresden}, say=said.append))
    assert len(said) == 1
    assert said[0].startswith("Dresden: 5 municipal buildings with meters")
    with world.tenant(world.dresden) as db:
        found = {r.building.name: r for r in services.reports(db, "Europe/Berlin")}
        refs = services.references(db)
        assert set(found) == {
            "Neues Rathaus",
            "Städtische Bibliothek im Kulturpalast",
            "Dreikönigschule",
            "Kita Sonnenschein",
            "Hallenbad Freiberger Platz",
        }
        # Each use type has its demo reference value.
        assert {r.building.use_type for r in found.values()} <= set(refs)
        # The newest year with a complete month (the demo has 24 months before this one).
        year = (utcnow() - timedelta(days=40)).year
        for report in found.values():
            assert report.carriers() == ["heating", "electricity", "water"]
            for carrier in report.carriers():
                figure = report.year(carrier, year, refs.get(report.building.use_type))
                assert figure.months >= 1, (report.building.name, carrier)
                # Both years were metered: the change is known and within the demo's noise.
                assert figure.change_percent is not None
                assert abs(figure.change_percent) < 20
        # The school's water meter was exchanged: no reading appears lower than another.
        school = found["Dreikönigschule"]
        assert not [a for _, a in school.anomalies() if a.kind == "lower"]
        assert any(m.exchanges for m in school.building.meters)
        # The town hall draws at night nearly as much as by day.
        assert [a.kind for _, a in found["Neues Rathaus"].anomalies()] == ["night"]
        table = consumption_by_month(db, world.dresden, utcnow())
    columns = [c.name for c in table.columns]
    assert columns[:2] == ["building", "address"]
    assert "meter" not in " ".join(columns)
    # 5 buildings × 3 carriers × at least 24 complete months.
    assert len(table.rows) >= 5 * 3 * 24

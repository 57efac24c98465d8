"""The council calendar as iCalendar feeds: the Body's meetings, an organization's, and a
person's (the meetings of the organizations they belong to), read with the icalendar parser."""

from __future__ import annotations

from fastapi.testclient import TestClient
from icalendar import Calendar

from smartcity.council.demo import Seeded


def _events(client: TestClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, response.text[:200]
    assert response.headers["content-type"].startswith("text/calendar")
    return [
        {"uid": str(e["uid"]), "summary": str(e["summary"]), "url": str(e["url"])}
        for e in Calendar.from_ical(response.content).walk("VEVENT")
    ]


def test_feeds_per_body_organization_and_person(client: TestClient, council: Seeded) -> None:
    body = _events(client, "/dresden/ratsinfo/sitzungen.ics")
    assert len(body) == len(council.meetings)
    assert len({e["uid"] for e in body}) == len(body)
    # The council itself meets in every third meeting of the demo.
    own = _events(client, f"/dresden/ratsinfo/gremien/{council.council.id}/sitzungen.ics")
    assert own
    assert len(own) < len(body)
    assert all("Stadtrat" in e["summary"] for e in own)
    committee = council.committees[1]
    theirs = _events(client, f"/dresden/ratsinfo/gremien/{committee.id}/sitzungen.ics")
    assert all(committee.name in e["summary"] for e in theirs)
    assert not {e["uid"] for e in theirs} & {e["uid"] for e in own}
    # A councillor of that committee: the council's meetings and the committee's.
    person = council.persons[1]  # committee index 1 (persons are spread over 4 committees)
    mine = {
        e["uid"] for e in _events(client, f"/dresden/ratsinfo/personen/{person.id}/sitzungen.ics")
    }
    assert mine == {e["uid"] for e in own} | {e["uid"] for e in theirs}
    # The same event (UID) in every feed: a calendar that has it from two feeds has it once.
    assert mine <= {e["uid"] for e in body}
    # Links on the pages.
    assert (
        f"/gremien/{committee.id}/sitzungen.ics"
        in client.get(f"/dresden/ratsinfo/gremien/{committee.id}").text
    )
    assert (
        f"/personen/{person.id}/sitzungen.ics"
        in client.get(f"/dresden/ratsinfo/personen/{person.id}").text
    )
    for path in ("gremien/0", "personen/0", "gremien/999999", "personen/999999"):
        assert client.get(f"/dresden/ratsinfo/{path}/sitzungen.ics").status_code in (404, 422)
    assert client.get(f"/radebeul/ratsinfo/personen/{person.id}/sitzungen.ics").status_code == 404

"""Access and erasure across every module: a citizen who used everything is found completely
and removed completely, except what a law keeps (and the answer says which); the neighbour
who used the same services keeps all of theirs; the audit log still verifies."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import func, select

from smartcity.core.audit.services import verify
from smartcity.core.modules import ERASE_KEEP
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.uploads import services as uploads
from smartcity.modules import installed_modules
from smartcity.participation.models import Comment, CommentSupport, Proposal, Support
from smartcity.privacy.access import archive
from smartcity.privacy.declarations import declared
from smartcity.privacy.erasure import erase
from smartcity.privacy.search import Found, find
from tests.conftest import World
from tests.privacy.conftest import Person, files_with, scan


def _find(world: World, **given: list[str]) -> Found:
    with world.tenant(world.dresden) as db:
        return find(db, declared(installed_modules()), given)


def _outside(found: Found, hits: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    return [(t, c, k) for t, c, k in hits if k not in found.rows.get(t, {})]


def supports(world: World) -> list[list[int]]:
    """The supports stored with each proposal and each comment (sorted), after checking that
    they are what the support rows count."""
    found = []
    with world.tenant(world.dresden) as db:
        for model, support, via in (
            (Proposal, Support, Support.proposal_id),
            (Comment, CommentSupport, CommentSupport.comment_id),
        ):
            stored = {row[0]: row[1] for row in db.execute(select(model.id, model.supports))}
            counts = select(via, func.count()).select_from(support).group_by(via)
            counted = {row[0]: row[1] for row in db.execute(counts)}
            assert stored == {key: counted.get(key, 0) for key in stored}
            found.append(sorted(stored.values()))
    return found


def test_the_access_search_finds_everything_of_the_person_and_nothing_of_others(
    world: World, erika: Person, max_neighbour: Person
) -> None:
    found = _find(world, email=[erika.email])

    hits = scan(world, erika.markers)
    assert {t for t, _, _ in hits} >= {"submission", "meter_reading", "citizen_session"}
    assert _outside(found, hits) == []
    assert {"case_file", "case_event", "service_request", "stored_file"} <= set(found.rows)
    assert len(found.rows["stored_file"]) == 3  # the proof and both photos
    assert len(found.rows["submission"]) == 2  # the application and the defect report
    # The modules added later: the pool's booking with its tickets, the participation.
    assert len(found.rows["leisure_order"]) == 1
    assert len(found.rows["leisure_ticket"]) == 2
    assert len(found.rows["participation_proposal"]) == 1
    assert len(found.rows["participation_comment"]) == 1
    assert len(found.rows["participation_support"]) == 1
    assert len(found.rows["participation_comment_support"]) == 1
    assert len(found.rows["participation_flag"]) == 1
    # Found from the e-mail alone: the account subject, via the application.
    assert erika.subject in {s.split("|")[-1] for s in found.identifiers["citizen_subject"]}
    neighbours = scan(world, max_neighbour.markers)
    assert neighbours
    assert all(k not in found.rows.get(t, {}) for t, _, k in neighbours)
    # Any one identifier leads to all of it.
    by_code = _find(world, tracking_code=[erika.tracking_codes[1].lower()])
    assert by_code.counts() == found.counts()
    # A ticket's code, as printed and typed in lower case, leads to the booking and the buyer.
    ticket = next(iter(found.rows["leisure_ticket"].values()))["code"]
    printed = "-".join(ticket[i : i + 4] for i in range(0, 16, 4)).lower()
    assert _find(world, ticket_code=[printed]).counts() == found.counts()


def test_the_access_archive_holds_data_purposes_the_summary_and_the_files(
    world: World, erika: Person
) -> None:
    found = _find(world, name=[erika.name.upper()])
    with world.tenant(world.dresden) as db:
        from smartcity.core.tenancy.models import Municipality

        municipality = db.get(Municipality, world.dresden.id)
        assert municipality is not None
        content = archive(found, municipality, world.platform.settings.data_dir)

    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        names = zipped.namelist()
        answer = json.loads(zipped.read("data.json"))
        pdf = zipped.read("auskunft.pdf")
        files = [zipped.read(n) for n in names if n.startswith("files/")]
    assert pdf.startswith(b"%PDF")
    assert len(files) == 3
    assert all(erika.file_marker in f for f in files)
    submission = answer["tables"]["submission"]
    assert {d["purpose"] for d in submission["declarations"]}
    assert {r["contact_email"] for r in submission["rows"]} == {erika.email}
    kept = answer["tables"]["case_file"]["declarations"][0]
    assert kept["on_erasure"] == ERASE_KEEP
    assert "VwVfG" in kept["kept_because"]
    # Secrets are never handed out (a session's token digest is its key, not theirs).
    assert all("secret_sealed" not in r for t in answer["tables"].values() for r in t["rows"])


def test_erasure_removes_the_person_everywhere_except_what_a_law_keeps(
    world: World, erika: Person, max_neighbour: Person
) -> None:
    neighbours_before = scan(world, max_neighbour.markers)
    assert supports(world) == [[1, 2], [1, 2]]
    registry = installed_modules()
    with world.tenant(world.dresden) as db:
        found = find(db, declared(registry), {"email": [erika.email]})
        erased = erase(
            db, world.platform.settings.data_dir, found, actor="user:1", reference="test"
        )
    uploads.unlink_all(erased.files)

    kept = {
        (d.table, c) for d in registry.personal_data() if d.erasure == ERASE_KEEP for c in d.columns
    }
    left = scan(world, erika.markers)
    assert [(t, c) for t, c, _ in left if (t, c) not in kept] == []
    # What stays is the water-meter reading's billing record, and the answer says why.
    assert {(t, c) for t, c, _ in left} <= {("meter_reading", "tracking_code")}
    reasons = {o.table: o.reason for o in erased.outcomes if o.action == ERASE_KEEP}
    assert "§ 147 AO" in reasons["meter_reading"]
    assert files_with(world, erika.file_marker) == []
    # The neighbour keeps everything, files included.
    assert scan(world, max_neighbour.markers) == neighbours_before
    assert len(files_with(world, max_neighbour.file_marker)) == 3
    # Counts stored with proposals and comments follow the erased supports: Erika's own
    # proposal and comment had hers and Max's, Max's only his.
    assert supports(world) == [[1, 1], [1, 1]]
    # Erasure is in the audit log, without the data, and every chain still verifies.
    with world.platform.sessions(info={SCOPE_KEY: SYSTEM}) as db:
        assert verify(db).ok
    assert scan(world, [erika.email, erika.name]) == []

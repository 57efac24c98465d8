"""Documents and images of processes and proposals: checked by content through the platform's
uploads, images drawn again without their metadata, a description required for each (the
alternative text of an image), shown on the pages, and not served while their proposal is
hidden or held for review (except to the moderation, and a held one's to its author); a file
refused while the proposal is stored (the virus scanner) refuses the proposal; staff add and
remove a process's documents (audited)."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from smartcity.modules import installed_modules
from smartcity.participation import attachments
from smartcity.participation.models import Attachment, Process, Proposal
from smartcity.privacy.declarations import declared
from smartcity.privacy.erasure import erase
from smartcity.privacy.search import find
from tests.conftest import World
from tests.core.uploads.test_checks import EICAR, FakeClamd
from tests.participation.conftest import citizen_browser, make_process
from tests.participation.test_moderation import BASE, QUEUE
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/beteiligung/altmarkt"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _photo() -> bytes:
    """A JPEG as a phone writes it: 40×30 pixels, turned by its EXIF orientation, with the
    camera's name and a description in its metadata."""
    picture = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° to show it upright
    exif[0x010F] = "Kamera GmbH"
    exif[0x010E] = "Hinterhof Musterstraße 5"
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _count(world: World, model: type[object]) -> int:
    with world.tenant(world.dresden) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_citizen_attaches_a_photo_without_its_metadata_and_a_document(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    made = anna.submit(
        f"{BASE}/neu",
        {
            "title": "Ein Brunnen",
            "text": "Bitte einen Brunnen.",
            "public_name": "Anna",
            "description1": "Leerer Platz vor dem Kulturpalast",
            "description2": "Skizze des Brunnens",
        },
        files={
            "file1": ("IMG_0001.JPG", _photo(), "image/jpeg"),
            "file2": ("skizze.pdf", PDF, "application/pdf"),
        },
    )
    assert made.status_code == 303
    page = anna.get(made.headers["location"])
    assert page.status_code == 200
    assert 'alt="Leerer Platz vor dem Kulturpalast"' in page.text
    assert "Skizze des Brunnens" in main_text(page)
    with world.tenant(world.dresden) as db:
        proposal = db.scalar(select(Proposal))
        assert proposal is not None
        process = db.get(Process, proposal.process_id)
        assert process is not None
        files = attachments.of_proposal(db, process, proposal)
    photo = next(f for f in files if f.kind == "image")
    document = next(f for f in files if f.kind == "document")
    served = anna.get(f"{BASE}/dateien/{photo.public_id}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    shown = Image.open(io.BytesIO(served.content))
    assert shown.size == (30, 40)  # drawn upright
    assert dict(shown.getexif()) == {}  # nothing of the camera's metadata is left
    assert b"Musterstra" not in served.content
    assert b"Kamera" not in served.content
    pdf = anna.get(f"{BASE}/dateien/{document.public_id}")
    assert pdf.status_code == 200
    assert pdf.content == PDF
    assert pdf.headers["content-disposition"].startswith("attachment;")

    # Hidden by the moderation: its files are gone with it.
    hidden = moderator.submit(
        QUEUE,
        {
            "action": "hide",
            "target_type": "proposal",
            "target_id": str(proposal.id),
            "reason": "Spam",
        },
    )
    assert hidden.status_code == 303
    assert anna.get(f"{BASE}/dateien/{photo.public_id}").status_code == 404
    assert anna.get(f"{BASE}/dateien/{document.public_id}").status_code == 404
    # Another process's address does not serve them either.
    assert anna.get(f"/dresden/beteiligung/anderes/dateien/{photo.public_id}").status_code == 404


def test_bad_files_are_refused_and_nothing_is_stored(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    without_alt = anna.submit(
        f"{BASE}/neu",
        {"title": "Ein Brunnen", "text": "Bitte.", "public_name": "Anna", "description1": ""},
        files={"file1": ("foto.jpg", _photo(), "image/jpeg")},
    )
    assert without_alt.status_code == 422
    assert "Bitte beschreiben Sie, was das Bild zeigt" in main_text(without_alt)
    disguised = anna.submit(
        f"{BASE}/neu",
        {"title": "Ein Brunnen", "text": "Bitte.", "public_name": "Anna", "description1": "Foto"},
        files={"file1": ("foto.png", PDF, "image/png")},
    )
    assert disguised.status_code == 422
    assert "passt nicht zur Endung" in main_text(disguised)
    program = anna.submit(
        f"{BASE}/neu",
        {"title": "Ein Brunnen", "text": "Bitte.", "public_name": "Anna", "description1": "x"},
        files={"file1": ("brunnen.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    assert program.status_code == 422
    broken = anna.submit(
        f"{BASE}/neu",
        {"title": "Ein Brunnen", "text": "Bitte.", "public_name": "Anna", "description1": "x"},
        files={"file1": ("foto.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "image/jpeg")},
    )
    assert broken.status_code == 422
    # A bad file and a bad proposal at once: both are named.
    both = anna.submit(
        f"{BASE}/neu",
        {"title": "", "text": "Bitte.", "public_name": "Anna", "description1": ""},
        files={"file1": ("skizze.pdf", PDF, "application/pdf")},
    )
    assert both.status_code == 422
    assert "Bitte geben Sie dem Dokument einen Titel." in main_text(both)
    assert "Titel" in main_text(both)
    assert _count(world, Proposal) == 0
    assert _count(world, StoredFile) == 0
    assert _count(world, Attachment) == 0


def test_staff_add_documents_and_images_to_a_process(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    make_process(world, "altmarkt", "information")
    missing = press.submit(
        f"{STAFF}/dateien",
        {"description1": ""},
        files={"file1": ("plan.pdf", PDF, "application/pdf")},
    )
    assert missing.status_code == 422
    assert _count(world, StoredFile) == 0
    added = press.submit(
        f"{STAFF}/dateien",
        {"description1": "Bebauungsplan Altmarkt (Entwurf)"},
        files={"file1": ("plan.pdf", PDF, "application/pdf")},
    )
    assert added.status_code == 303
    image = press.submit(
        f"{STAFF}/dateien",
        {"description1": "Luftbild des Altmarkts"},
        files={"file1": ("luftbild.jpg", _photo(), "image/jpeg")},
    )
    assert image.status_code == 303
    reader = citizen_browser(new_client, world, "ben")
    page = reader.get(BASE)
    assert "Bebauungsplan Altmarkt (Entwurf)" in main_text(page)
    assert 'alt="Luftbild des Altmarkts"' in page.text
    with world.tenant(world.dresden) as db:
        public_id = db.scalar(
            select(StoredFile.public_id).where(StoredFile.original_name == "plan.pdf")
        )
    assert reader.get(f"{BASE}/dateien/{public_id}").content == PDF
    removed = press.submit(f"{STAFF}/dateien/{public_id}/entfernen")
    assert removed.status_code == 303
    assert reader.get(f"{BASE}/dateien/{public_id}").status_code == 404
    assert "Bebauungsplan" not in main_text(reader.get(BASE))
    assert _count(world, StoredFile) == 1
    with world.tenant(world.dresden) as db:
        actions = list(
            db.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("participation.process.file.%"))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["participation.process.file.add"] * 2 + ["participation.process.file.remove"]
    # A citizen cannot add files to the process.
    assert (
        reader.submit(
            f"{STAFF}/dateien",
            {"description1": "x"},
            files={"file1": ("plan.pdf", PDF, "application/pdf")},
        ).status_code
        in (303, 403)  # to the staff login
    )
    assert _count(world, StoredFile) == 1


def test_a_citizens_attachments_go_with_the_erasure_of_their_data(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    made = anna.submit(
        f"{BASE}/neu",
        {"title": "Ein Brunnen", "text": "Bitte.", "public_name": "Anna", "description1": "Platz"},
        files={"file1": ("platz.jpg", _photo(), "image/jpeg")},
    )
    assert made.status_code == 303
    data_dir = world.platform.settings.data_dir
    with world.tenant(world.dresden) as db:
        stored = db.scalar(select(StoredFile))
        assert stored is not None
        path = uploads.path_of(data_dir, stored)
    assert path.is_file()
    with world.tenant(world.dresden) as db:
        found = find(
            db, declared(installed_modules()), {"citizen_subject": ["https://id.example|anna"]}
        )
        erased = erase(db, data_dir, found, actor="user:1", reference="test")
    uploads.unlink_all(erased.files)
    assert not path.exists()
    assert _count(world, StoredFile) == 0
    assert _count(world, Attachment) == 0
    with world.tenant(world.dresden) as db:
        kept = db.scalar(select(Proposal))
        assert kept is not None
        assert kept.author_subject is None  # the proposal itself is anonymised, as before


def test_a_file_the_scanner_refuses_refuses_the_whole_proposal(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    """The scanner is asked while the proposal is stored (in one savepoint): its finding
    brings the form back with the finding at the file's slot, and nothing is kept: no
    proposal, no file, not the bytes of the photo stored before the refused document."""
    make_process(world, "altmarkt", "proposals")
    clamd = FakeClamd()
    world.platform.settings.clamav_url = f"tcp://127.0.0.1:{clamd.port}"
    try:
        anna = citizen_browser(new_client, world, "anna")
        refused = anna.submit(
            f"{BASE}/neu",
            {
                "title": "Ein Brunnen",
                "text": "Bitte einen Brunnen.",
                "public_name": "Anna",
                "description1": "Der Platz",
                "description3": "Skizze",
            },
            files={
                "file1": ("platz.jpg", _photo(), "image/jpeg"),
                "file3": ("skizze.pdf", PDF + EICAR, "application/pdf"),  # slot 2 left empty
            },
        )
    finally:
        clamd.close()
    assert refused.status_code == 422
    assert 'id="fehler-file3"' in refused.text
    assert "Schadsoftware" in main_text(refused)
    assert 'value="Ein Brunnen"' in refused.text  # the form comes back filled in
    assert _count(world, Proposal) == 0
    assert _count(world, StoredFile) == 0
    assert _count(world, Attachment) == 0
    uploaded = world.platform.settings.data_dir / "uploads"
    assert not uploaded.exists() or not [p for p in uploaded.rglob("*") if p.is_file()]


def test_the_files_of_a_held_proposal_are_shown_to_its_author_and_the_moderation_only(
    world: World, new_client: Callable[[], TestClient], moderator: Browser
) -> None:
    make_process(world, "altmarkt", "proposals")
    assert moderator.submit(f"{QUEUE}/woerter", {"words": "Vollpfosten"}).status_code == 303
    anna = citizen_browser(new_client, world, "anna")
    made = anna.submit(
        f"{BASE}/neu",
        {
            "title": "Parkplatz für Vollpfosten",
            "text": "Mehr Stellplätze.",
            "public_name": "Anna",
            "description1": "Der Parkplatz",
            "description2": "Plan der Stellplätze",
        },
        files={
            "file1": ("parkplatz.jpg", _photo(), "image/jpeg"),
            "file2": ("plan.pdf", PDF, "application/pdf"),
        },
    )
    assert made.status_code == 303
    with world.tenant(world.dresden) as db:
        proposal = db.scalar(select(Proposal))
        assert proposal is not None
        assert proposal.held_at is not None
        process = db.get(Process, proposal.process_id)
        assert process is not None
        files = attachments.of_proposal(db, process, proposal)
    photo = next(f for f in files if f.kind == "image")
    document = next(f for f in files if f.kind == "document")

    # Its author sees the proposal with its picture (no broken image) while it is checked.
    own = anna.get(made.headers["location"])
    assert 'alt="Der Parkplatz"' in own.text
    for file in (photo, document):
        served = anna.get(f"{BASE}/dateien/{file.public_id}")
        assert served.status_code == 200
        assert served.headers["cache-control"] == "private, no-cache"
    # Nobody else on the portal.
    ben = citizen_browser(new_client, world, "ben")
    anonymous = Browser(new_client())
    for other in (ben, anonymous):
        assert other.get(f"{BASE}/dateien/{photo.public_id}").status_code == 404
        assert other.get(f"{BASE}/dateien/{document.public_id}").status_code == 404

    # The moderation sees them in the held proposal's card, before it decides.
    queue = moderator.get(QUEUE)
    assert 'alt="Der Parkplatz"' in queue.text
    assert f'src="moderation/dateien/{photo.public_id}"' in queue.text
    assert "Plan der Stellplätze" in main_text(queue)
    staff_files = "/dresden/verwaltung/beteiligung/moderation/dateien"
    image = moderator.get(f"{staff_files}/{photo.public_id}")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["cache-control"] == "private, no-cache"
    assert moderator.get(f"{staff_files}/{document.public_id}").content == PDF
    # Only the moderation: not a citizen, not the author.
    for other in (ben, anna, anonymous):
        refused = other.get(f"{staff_files}/{photo.public_id}", follow_redirects=False)
        assert refused.status_code in (303, 403)  # to the staff login, or forbidden
        assert refused.content != image.content

    # Published by the moderation: everybody sees the files.
    released = moderator.submit(
        QUEUE, {"action": "release", "target_type": "proposal", "target_id": str(proposal.id)}
    )
    assert released.status_code == 303
    assert ben.get(f"{BASE}/dateien/{photo.public_id}").status_code == 200
    assert anonymous.get(f"{BASE}/dateien/{photo.public_id}").status_code == 200

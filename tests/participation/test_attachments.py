"""Documents and images of processes and proposals: checked by content through the platform's
uploads, images drawn again without their metadata, a description required for each (the
alternative text of an image), shown on the pages, and not served while their proposal is
hidden or held for review (except to the moderation, and a held one's to its author); a file
refused while the proposal is stored (the virus scanner) refuses the proposal; staff add and
remove a process's documents (audited). A proposal's PDFs are published without their
metadata, embedded files and scripts (a broken one refuses the proposal); its author removes
its files while proposals are made (audited, the bytes deleted), nobody else can."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)
from sqlalchemy import func, select

from smartcity.core.audit.models import AuditEntry
from smartcity.core.db import utcnow
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
from tests.participation.conftest import DAY, citizen_browser, make_process, set_phase
from tests.participation.test_moderation import BASE, QUEUE
from tests.web.conftest import Browser, main_text

STAFF = "/dresden/verwaltung/beteiligung/altmarkt"
# What a page shows: a red square (drawn by the page's content stream).
DRAWING = b"1 0 0 rg 10 10 100 100 re f"


def _pdf(*, author: str = "", content: bytes = DRAWING, active: bool = False) -> bytes:
    """A one-page PDF. With `author`, as an office program writes it: the author, title,
    program and dates in its document information and in an XMP stream. With `active`, also
    a script run on opening and an embedded file."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    drawing = DecodedStreamObject()
    drawing.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(drawing)
    if author:
        writer.add_metadata(
            {
                "/Author": author,
                "/Title": "Brunnen am Altmarkt",
                "/Creator": "Textverarbeitung 2024",
                "/CreationDate": "D:20240501120000+02'00'",
            }
        )
        xmp = DecodedStreamObject()
        xmp[NameObject("/Type")] = NameObject("/Metadata")
        xmp[NameObject("/Subtype")] = NameObject("/XML")
        xmp.set_data(
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
            b'02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"'
            b"><dc:creator>" + author.encode() + b"</dc:creator></rdf:Description></rdf:RDF>"
            b"</x:xmpmeta>"
        )
        writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    else:
        writer.metadata = None
    if active:
        script = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('Hallo');"),
            }
        )
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(script)
        writer.add_attachment("adressen.txt", b"Max Mustermann, Musterstrasse 5")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()


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
    # Written again (without metadata), so not byte for byte as sent: the same page.
    assert pdf.headers["content-type"] == "application/pdf"
    assert DRAWING in pdf.content
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
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
                # In the page, which the cleaning keeps; slot 2 left empty.
                "file3": ("skizze.pdf", _pdf(content=EICAR), "application/pdf"),
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
    # The document as stored (written again without its metadata), as its author gets it.
    assert (
        moderator.get(f"{staff_files}/{document.public_id}").content
        == anna.get(f"{BASE}/dateien/{document.public_id}").content
    )
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


def _propose_with(anna: Browser, files: dict[str, tuple[str, bytes, str]]) -> str:
    """Anna's proposal with these files (each described); its address."""
    data = {"title": "Ein Brunnen", "text": "Bitte einen Brunnen.", "public_name": "Anna"}
    data |= {f"description{name.removeprefix('file')}": f"Datei {name}" for name in files}
    made = anna.submit(f"{BASE}/neu", data, files=files)
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


def _files(world: World) -> list[attachments.Shown]:
    with world.tenant(world.dresden) as db:
        proposal = db.scalar(select(Proposal))
        assert proposal is not None
        process = db.get(Process, proposal.process_id)
        assert process is not None
        return attachments.of_proposal(db, process, proposal)


def test_a_proposals_pdf_is_published_without_its_metadata_scripts_and_embedded_files(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    sent = _pdf(author="Max Mustermann", active=True)
    assert sent.count(b"Max Mustermann") == 3  # information, XMP, the embedded file
    page = anna.get(_propose_with(anna, {"file1": ("brunnen.pdf", sent, "application/pdf")}))
    (document,) = _files(world)
    assert f'href="{BASE}/dateien/{document.public_id}"' in page.text
    served = anna.get(f"{BASE}/dateien/{document.public_id}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")
    for left_behind in (b"Mustermann", b"Textverarbeitung", b"Brunnen am Altmarkt", b"xmpmeta"):
        assert left_behind not in served.content
    for active in (b"/JavaScript", b"/EmbeddedFile", b"/OpenAction", b"app.alert"):
        assert active not in served.content
    pdf = PdfReader(io.BytesIO(served.content))
    assert pdf.metadata is None  # no document information at all (not even a /Producer)
    assert pdf.xmp_metadata is None
    assert pdf.attachments == {}
    assert "/OpenAction" not in pdf.root_object
    assert len(pdf.pages) == 1
    contents = pdf.pages[0].get_contents()
    assert contents is not None
    assert DRAWING in contents.get_data()  # the page as it was
    # What is stored is what is served (and its size is the stored file's).
    with world.tenant(world.dresden) as db:
        stored = db.scalar(select(StoredFile))
        assert stored is not None
        assert uploads.path_of(world.platform.settings.data_dir, stored).read_bytes() == (
            served.content
        )
        assert stored.size == len(served.content)


def test_a_broken_or_locked_pdf_refuses_the_proposal_and_nothing_is_stored(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    data = {
        "title": "Ein Brunnen",
        "text": "Bitte einen Brunnen.",
        "public_name": "Anna",
        "description1": "Der Platz",
        "description2": "Skizze",
    }
    broken = anna.submit(
        f"{BASE}/neu",
        data,
        files={
            "file1": ("platz.jpg", _photo(), "image/jpeg"),
            "file2": ("skizze.pdf", _pdf(author="Max Mustermann")[:300], "application/pdf"),
        },
    )
    assert broken.status_code == 422
    assert 'id="fehler-file2"' in broken.text
    assert "Das PDF kann nicht gelesen werden" in main_text(broken)
    assert 'value="Ein Brunnen"' in broken.text  # the form comes back filled in
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("geheim", algorithm="AES-128")
    locked = io.BytesIO()
    writer.write(locked)
    refused = anna.submit(
        f"{BASE}/neu",
        data,
        files={"file2": ("skizze.pdf", locked.getvalue(), "application/pdf")},
    )
    assert refused.status_code == 422
    assert "mit einem Passwort geschützt" in main_text(refused)
    assert _count(world, Proposal) == 0
    assert _count(world, StoredFile) == 0
    assert _count(world, Attachment) == 0
    uploaded = world.platform.settings.data_dir / "uploads"
    assert not uploaded.exists() or not [p for p in uploaded.rglob("*") if p.is_file()]


def test_a_process_document_of_the_staff_stays_as_uploaded(
    world: World, new_client: Callable[[], TestClient], press: Browser
) -> None:
    """The administration's own publication: its metadata (an accessible PDF's title) was
    chosen by staff and stays."""
    make_process(world, "altmarkt", "information")
    official = _pdf(author="Stadtplanungsamt Dresden")
    added = press.submit(
        f"{STAFF}/dateien",
        {"description1": "Bebauungsplan"},
        files={"file1": ("plan.pdf", official, "application/pdf")},
    )
    assert added.status_code == 303
    with world.tenant(world.dresden) as db:
        public_id = db.scalar(select(StoredFile.public_id))
    assert Browser(new_client()).get(f"{BASE}/dateien/{public_id}").content == official


def test_the_author_removes_a_file_of_their_proposal_while_proposals_are_made(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    process = make_process(world, "altmarkt", "proposals")
    anna = citizen_browser(new_client, world, "anna")
    address = _propose_with(
        anna,
        {
            "file1": ("platz.jpg", _photo(), "image/jpeg"),
            "file2": ("skizze.pdf", PDF, "application/pdf"),
        },
    )
    photo, document = _files(world)
    data_dir = world.platform.settings.data_dir
    with world.tenant(world.dresden) as db:
        stored = db.scalar(select(StoredFile).where(StoredFile.public_id == photo.public_id))
        assert stored is not None
        photo_path = uploads.path_of(data_dir, stored)
    assert photo_path.is_file()
    remove = f"{address}/dateien/{photo.public_id}/entfernen"

    # Only its author sees the buttons (in German and in English) …
    own = anna.get(address)
    assert f'action="{remove}"' in own.text
    assert main_text(own).count("Aus meinem Vorschlag entfernen") == 2
    assert main_text(anna.get(f"{address}?lang=en")).count("Remove from my proposal") == 2
    anna.get(f"{address}?lang=de")
    ben = citizen_browser(new_client, world, "ben")
    anonymous = Browser(new_client())
    for other in (ben, anonymous):
        assert "/entfernen" not in other.get(address).text
    # … and nobody else can remove a file: another citizen is refused, somebody not signed
    # in is sent to the citizen login, a form without its CSRF token is refused.
    refused = ben.submit(remove)
    assert refused.status_code == 403
    assert "Nur wer den Vorschlag gemacht hat" in main_text(refused)
    assert anonymous.submit(remove).headers["location"].startswith("/citizen/login")
    assert anna.client.post(remove, follow_redirects=False).status_code == 403
    assert len(_files(world)) == 2
    assert photo_path.is_file()
    # Not a file of another proposal through this one's address.
    ben_address = _propose_with(ben, {"file1": ("brunnen.pdf", PDF, "application/pdf")})
    assert anna.submit(f"{address}/dateien/{document.public_id}x/entfernen").status_code == 404
    with world.tenant(world.dresden) as db:
        bens = db.scalar(
            select(StoredFile.public_id).where(StoredFile.original_name == "brunnen.pdf")
        )
    assert anna.submit(f"{address}/dateien/{bens}/entfernen").status_code == 404
    assert ben.get(f"{BASE}/dateien/{bens}").status_code == 200
    assert ben_address != address

    removed = anna.submit(remove)
    assert removed.status_code == 303
    assert removed.headers["location"] == f"{address}#dateien"
    page = anna.get(address)
    assert 'alt="Datei file1"' not in page.text
    assert "Datei file2" in main_text(page)
    assert anna.get(f"{BASE}/dateien/{photo.public_id}").status_code == 404
    assert not photo_path.exists()  # the bytes are gone, not only the row
    assert [f.public_id for f in _files(world)] == [document.public_id]
    with world.tenant(world.dresden) as db:
        entry = db.scalar(
            select(AuditEntry).where(AuditEntry.action == "participation.proposal.file.remove")
        )
        assert entry is not None
        assert entry.actor == "citizen"
        assert entry.resource_type == "participation_proposal"
        assert "Datei file1" not in str(entry.changes)  # the author's words stay erasable

    # Once proposals are no longer made, the files stay as they are.
    now = utcnow()
    set_phase(world, process, "support", now - DAY, now + DAY)
    assert "/entfernen" not in anna.get(address).text
    closed = anna.submit(f"{address}/dateien/{document.public_id}/entfernen")
    assert closed.status_code == 409
    assert "solange das Verfahren Vorschläge sammelt" in main_text(closed)
    assert len(_files(world)) == 1

"""Every image the platform stores is drawn again: without the camera's metadata (the GPS
position above all), upright, at most MAX_EDGE pixels long; one with too many pixels, or one
that cannot be read, is refused with a clear answer before anything is stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from smartcity.core.errors import InvalidInput
from smartcity.core.uploads import services as uploads
from smartcity.core.uploads.models import StoredFile
from tests.conftest import World
from tests.core.uploads.pictures import (
    gps_jpeg,
    jpeg_claiming,
    jpeg_with_broken_exif,
    png,
    without_metadata,
)

LIMITS = uploads.UploadLimits(max_bytes=5_000_000, max_files=5, scanner_url="")


def _store(world: World, name: str, data: bytes) -> bytes:
    """What the platform keeps of the upload."""
    with world.tenant(world.dresden) as db:
        stored = uploads.store(
            db,
            data_dir=Path(world.platform.settings.data_dir),
            limits=LIMITS,
            municipality_id=world.dresden.id,
            owner_kind="test",
            owner_id=1,
            name=name,
            data=data,
        )
        kept = uploads.read(Path(world.platform.settings.data_dir), stored)
        assert stored.size == len(kept)
    return kept


def _count(world: World) -> int:
    with world.tenant(world.dresden) as db:
        return int(db.scalar(select(func.count()).select_from(StoredFile)) or 0)


def test_a_photo_loses_its_gps_position_and_is_turned_upright(world: World) -> None:
    kept = _store(world, "IMG_0001.JPG", gps_jpeg((40, 30), orientation=6))
    assert without_metadata(kept)
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert image.size == (30, 40)  # turned as the EXIF orientation said


def test_a_png_loses_its_text_chunks_and_keeps_its_transparency(world: World) -> None:
    picture = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Aufgenommen in der Musterstraße 5")
    out = io.BytesIO()
    picture.save(out, format="PNG", pnginfo=text)
    kept = _store(world, "plan.png", out.getvalue())
    assert b"Musterstra" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.info == {}
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0)) == (0, 0, 0, 0)


def test_large_images_are_made_smaller(world: World) -> None:
    with Image.open(io.BytesIO(_store(world, "panorama.png", png((6000, 100))))) as image:
        assert image.size == (uploads.MAX_EDGE, 68)
    # A large JPEG is decoded at a fraction of its size: never more than MAX_PIXELS at once.
    out = io.BytesIO()
    Image.new("RGB", (9000, 6000), (10, 90, 10)).save(out, format="JPEG", quality=50)
    with Image.open(io.BytesIO(_store(world, "gross.jpg", out.getvalue()))) as image:
        assert max(image.size) <= uploads.MAX_EDGE
        assert image.size[0] / image.size[1] == pytest.approx(1.5, rel=0.01)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bombe.jpg", jpeg_claiming(10_000, 8_500)),  # over MAX_JPEG_PIXELS
        ("bombe2.jpg", jpeg_claiming(60_000, 60_000)),  # over Pillow's own limit too
        ("bombe.png", png((4_200, 4_200), mode="1")),  # a few kilobytes, 17.6 megapixels
    ],
)
def test_too_many_pixels_are_refused_before_decoding(world: World, name: str, data: bytes) -> None:
    with pytest.raises(InvalidInput, match="zu viele Pixel") as refused:
        _store(world, name, data)
    assert refused.value.status == 422
    assert "Megapixel" in refused.value.errors["file"]
    assert _count(world) == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("kaputt.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50),
        ("kaputt.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40),
        ("abgeschnitten.jpg", gps_jpeg()[:300]),
    ],
)
def test_an_unreadable_image_is_a_clear_refusal(world: World, name: str, data: bytes) -> None:
    with pytest.raises(InvalidInput, match="kann nicht gelesen werden") as refused:
        _store(world, name, data)
    assert refused.value.status == 422
    assert _count(world) == 0


def test_broken_metadata_is_left_behind_with_the_rest(world: World) -> None:
    kept = _store(world, "foto.jpg", jpeg_with_broken_exif())
    assert without_metadata(kept)
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (8, 8)


def test_prepare_checks_everything_and_stores_nothing(world: World) -> None:
    prepared = uploads.prepare(LIMITS, "../IMG_0001.JPG", gps_jpeg())
    assert prepared.name == "IMG_0001.JPG"
    assert prepared.content_type == "image/jpeg"
    assert without_metadata(prepared.data)
    assert _count(world) == 0
    # What `prepare` returned is stored as it is (not drawn a second time).
    with world.tenant(world.dresden) as db:
        stored = uploads.store(
            db,
            data_dir=Path(world.platform.settings.data_dir),
            limits=LIMITS,
            municipality_id=world.dresden.id,
            owner_kind="test",
            owner_id=2,
            name=prepared.name,
            data=prepared,
        )
        assert uploads.read(Path(world.platform.settings.data_dir), stored) == prepared.data
        assert stored.original_name == "IMG_0001.JPG"

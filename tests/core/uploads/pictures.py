"""Pictures as phones and cameras write them, for the tests of every module that takes images:
metadata with the place a photo was taken, an orientation to honour, sizes to refuse."""

from __future__ import annotations

import io
import struct

from PIL import ExifTags, Image

# Where the photo was taken, as a phone writes it (the Dresden Altmarkt).
LATITUDE = (51.0, 3.0, 1.25)
LONGITUDE = (13.0, 44.0, 12.5)


def gps_jpeg(size: tuple[int, int] = (40, 30), orientation: int = 1) -> bytes:
    """A JPEG with the camera's GPS position, its make and a description in its EXIF."""
    picture = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Kamera GmbH"
    exif[0x010E] = "Hinterhof Musterstraße 5"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = LONGITUDE
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert gps_of(data)  # the test picture really carries the position
    return data


def gps_of(data: bytes) -> dict[int, object]:
    """The GPS tags of an image's EXIF ({} when there are none)."""
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def without_metadata(data: bytes) -> bool:
    """Nothing of a camera's metadata left: no EXIF, no GPS, no make, no description."""
    with Image.open(io.BytesIO(data)) as image:
        exif = dict(image.getexif())
        kept = set(image.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    return (
        exif == {}
        and gps_of(data) == {}
        and not kept
        and b"Exif" not in data
        and b"Kamera" not in data
        and b"Musterstra" not in data
    )


def png(
    size: tuple[int, int] = (8, 8), colour: tuple[int, int, int] | int = 0, mode: str = "RGB"
) -> bytes:
    """A PNG of one colour, without metadata: stored as it is sent (drawing it again gives
    the same bytes)."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose header claims `width`×`height` pixels (a decompression bomb's trick:
    a few bytes that would unpack to gigabytes)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG")
    data = bytearray(out.getvalue())
    frame = data.index(b"\xff\xc0")  # start of frame: length, precision, height, width
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_broken_exif() -> bytes:
    """A JPEG whose EXIF segment points its first directory far behind its end."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 200)).save(out, format="JPEG")
    data = out.getvalue()
    payload = b"Exif\x00\x00II\x2a\x00\xff\xff\xff\x7f" + b"\x01" * 16
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]

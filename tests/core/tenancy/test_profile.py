"""A municipality's branding and portal profile: the colour must carry white text (WCAG 2.1
AA), the logo is a PNG or a harmless SVG, and each municipality has its own."""

from __future__ import annotations

import pytest

from smartcity.core.errors import InvalidInput
from smartcity.core.tenancy import profile
from smartcity.core.tenancy.models import Municipality
from tests.conftest import World

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'
)


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#777777", 4.48)],
)
def test_the_contrast_with_white_text_is_computed_as_wcag_defines_it(
    colour: str, ratio: float
) -> None:
    assert profile.contrast_with_white(colour) == pytest.approx(ratio, abs=0.01)


def test_a_colour_white_text_cannot_be_read_on_is_refused(world: World) -> None:
    with world.tenant(world.dresden) as db:
        dresden = db.get(Municipality, world.dresden.id)
        assert dresden is not None
        for colour in ("#ffd200", "#777777", "red", "#12345"):
            with pytest.raises(InvalidInput) as refused:
                profile.save_profile(db, dresden, profile.Texts(colour=colour), actor="t")
            assert set(refused.value.errors) == {"colour"}
        profile.save_profile(
            db,
            dresden,
            profile.Texts(colour="#8C1D2C", display_name="Dresden", contact_email="a@b.de"),
            actor="t",
        )
    with world.tenant(world.dresden) as db:
        dresden = db.get(Municipality, world.dresden.id)
        assert dresden is not None
        assert (dresden.brand_colour, dresden.shown_name) == ("#8c1d2c", "Dresden")
        saved = profile.profile_of(db)
        assert saved is not None
        assert saved.contact_email == "a@b.de"
    with world.tenant(world.radebeul) as db:
        assert profile.profile_of(db) is None  # Dresden's profile is Dresden's alone


def test_a_logo_is_a_png_or_an_svg_without_anything_active(world: World) -> None:
    assert profile.logo_type(SVG) == "image/svg+xml"
    assert profile.logo_type(b"\x89PNG\r\n\x1a\n" + b"\0" * 20) == "image/png"
    for bad in (
        b"",
        b"GIF89a",
        b"<html><body>hi</body></html>",
        SVG.replace(b"<rect", b'<rect onload="alert(1)"'),
        SVG.replace(b"<rect", b"<script>alert(1)</script><rect"),
        b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        SVG + b" " * profile.LOGO_MAX_BYTES,
    ):
        with pytest.raises(InvalidInput):
            profile.logo_type(bad)
    with world.tenant(world.dresden) as db:
        dresden = db.get(Municipality, world.dresden.id)
        assert dresden is not None
        profile.set_logo(db, dresden, SVG, actor="t")
        profile.set_logo(db, dresden, SVG, actor="t")
        assert dresden.logo_version == 2  # a new address for each new logo
        profile.remove_logo(db, dresden, actor="t")
        assert dresden.logo_version == 0

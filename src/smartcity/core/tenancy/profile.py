"""A municipality's branding and portal profile: the name its pages show, its colour, its
logo, its contact, and the texts of its legal pages (imprint, privacy policy, accessibility
statement). The frame of every page reads the branding from the municipality row; the rest is
read only by the pages that show it.

The colour is the one of buttons, links and the header, always with white text: a colour whose
contrast with white is below 4.5:1 (WCAG 2.1 AA, SC 1.4.3) is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.errors import InvalidInput
from smartcity.core.tenancy.models import Municipality, MunicipalityProfile
from smartcity.core.web.i18n import _

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# WCAG 2.1 AA for normal text (SC 1.4.3): white text on the colour.
MIN_CONTRAST = 4.5
LOGO_MAX_BYTES = 200_000
LOGO_TYPES = ("image/png", "image/svg+xml")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_MAX = 20_000
# What an SVG logo must not contain: it is shown as an image, where scripts do not run, but
# it is also served on its own; refused rather than relied on the sandbox alone.
SVG_ACTIVE = re.compile(rb"<script|<foreignObject|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def _channel(value: int) -> float:
    """sRGB channel to linear light (WCAG 2.1 relative luminance)."""
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def contrast_with_white(colour: str) -> float:
    """The contrast ratio of white text on `colour` (#rrggbb), 1 to 21."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return 1.05 / (luminance + 0.05)


def colour_problem(colour: str) -> str | None:
    """Why `colour` cannot be the municipality's colour (an English message id), or None."""
    if not COLOUR.match(colour):
        return _("Give the colour as # followed by six hexadecimal digits, e.g. #0b5394.")
    if contrast_with_white(colour) < MIN_CONTRAST:
        return _(
            "White text on this colour has a contrast of only %(ratio)s:1; at least 4.5:1 is "
            "needed (WCAG 2.1 AA). Please choose a darker colour."
        )
    return None


@dataclass(frozen=True)
class Texts:
    """What an administrator may set besides the logo; empty means "the default"."""

    display_name: str = ""
    colour: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    imprint: str = ""
    privacy: str = ""
    accessibility: str = ""


def profile_of(db: Session) -> MunicipalityProfile | None:
    """The profile of the session's municipality, if one was ever saved."""
    return db.scalar(select(MunicipalityProfile))


def _field_errors(texts: Texts) -> dict[str, str]:
    """English message ids by field; the ratio placeholder is filled by the caller."""
    errors: dict[str, str] = {}
    if len(texts.display_name) > 200:
        errors["display_name"] = _("At most 200 characters.")
    if texts.colour:
        problem = colour_problem(texts.colour)
        if problem:
            errors["colour"] = problem
    if texts.contact_email and not re.fullmatch(
        r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}", texts.contact_email
    ):
        errors["contact_email"] = _("Please give an e-mail address such as name@example.org.")
    if len(texts.contact_phone) > 40:
        errors["contact_phone"] = _("At most 40 characters.")
    for name in ("contact_address", "imprint", "privacy", "accessibility"):
        if len(getattr(texts, name)) > TEXT_MAX:
            errors[name] = _("At most 20,000 characters.")
    return errors


def save_profile(
    db: Session, municipality: Municipality, texts: Texts, *, actor: str
) -> MunicipalityProfile:
    """Store the branding and texts; InvalidInput with English message ids by field."""
    errors = _field_errors(texts)
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)
    profile = profile_of(db) or MunicipalityProfile()
    db.add(profile)
    changes: dict[str, Any] = {}
    display_name = texts.display_name.strip() or None
    colour = texts.colour.lower() or None
    for attribute, value in (("display_name", display_name), ("brand_colour", colour)):
        if getattr(municipality, attribute) != value:
            changes[attribute] = value
            setattr(municipality, attribute, value)
    for name in (
        "contact_email",
        "contact_phone",
        "contact_address",
        "imprint",
        "privacy",
        "accessibility",
    ):
        value = getattr(texts, name).strip() or None
        if getattr(profile, name) != value:
            # The texts themselves stay out of the audit log; that they changed is recorded.
            changes[name] = value if name.startswith("contact_") else "changed"
            setattr(profile, name, value)
    db.flush()
    if changes:
        audit.record(
            db,
            actor=actor,
            action="municipality.profile",
            resource_type="municipality",
            resource_id=municipality.id,
            changes=changes,
        )
    return profile


def logo_type(data: bytes) -> str:
    """The media type of an acceptable logo; InvalidInput (English message id) otherwise."""
    if not data:
        message = _("The file is empty.")
        raise InvalidInput(message, errors={"logo": message})
    if len(data) > LOGO_MAX_BYTES:
        message = _("The logo may be at most 200 KB.")
        raise InvalidInput(message, errors={"logo": message})
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    message = _("Please upload the logo as a PNG or SVG file.")
    try:
        root = SafeXml.fromstring(data)
    except (SafeXml.ParseError, DefusedXmlException, ValueError):
        raise InvalidInput(message, errors={"logo": message}) from None
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg") or SVG_ACTIVE.search(data):
        raise InvalidInput(message, errors={"logo": message})
    return "image/svg+xml"


def set_logo(db: Session, municipality: Municipality, data: bytes, *, actor: str) -> None:
    media_type = logo_type(data)
    profile = profile_of(db) or MunicipalityProfile()
    db.add(profile)
    profile.logo, profile.logo_type = data, media_type
    municipality.logo_version += 1
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="municipality.logo",
        resource_type="municipality",
        resource_id=municipality.id,
        changes={"type": media_type, "bytes": len(data)},
    )


def remove_logo(db: Session, municipality: Municipality, *, actor: str) -> None:
    profile = profile_of(db)
    if profile is None or profile.logo is None:
        return
    profile.logo, profile.logo_type = None, None
    municipality.logo_version = 0
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="municipality.logo",
        resource_type="municipality",
        resource_id=municipality.id,
        changes={"removed": True},
    )

"""What every page can rely on: German texts for every English original, no request to a
third party, nothing the Content Security Policy would block, and the security headers.

Every module brings its own templates and catalogue (`Module.templates`, `Module.translations`);
the checks go over all installed modules, the page toolkit (`smartcity.core.web`) and the shell."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import smartcity.web
from smartcity.core.modules import Module
from smartcity.core.web import i18n, rendering
from smartcity.modules import declaration, installed_modules
from tests.conftest import World
from tests.web.conftest import Browser

WEB = Path(smartcity.web.__file__).parent
# The page toolkit's own texts and templates (error pages, the frame) belong to the shell's catalog.
TOOLKIT = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
KEYWORDS = {
    "_": None,
    "gettext_": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_": (1, 2),
}
MODULES = installed_modules()


def package(name: str) -> Path:
    return Path(importlib.import_module(f"smartcity.{name}").__file__ or "").parent


def catalogs() -> dict[str, tuple[Path, list[Path], list[Module]]]:
    """Each catalogue by module, with the directories and declarations whose texts it
    translates: a module's catalogue its own; the shell's its own, the page toolkit's and those
    of every module without a catalogue of its own."""
    found: dict[str, tuple[Path, list[Path], list[Module]]] = {}
    without: list[Module] = []
    for module in MODULES:
        if module.translations is None:
            without.append(module)
        elif module.name != "web":
            found[module.name] = (module.translations, [package(module.name)], [module])
    web = declaration("web")
    assert web.translations == WEB / "locale"
    # The toolkit is part of core's package; named as well, for when core has a catalogue.
    sources = [WEB, TOOLKIT, *(package(m.name) for m in without)]
    found["web"] = (web.translations, sources, [web, *without])
    return found


def labels(modules: list[Module]) -> set[str]:
    """The English labels of the modules' navigation entries (the frame translates them)."""
    return {e.label for m in modules for e in (*m.navigation, *m.portal_navigation)}


def template_directories() -> list[Path]:
    return [rendering.TEMPLATES] + [m.templates for m in MODULES if m.templates is not None]


def extracted(directories: list[Path]) -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for directory in directories:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(directory), method_map, options, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_module_with_pages_brings_its_templates_and_catalogue() -> None:
    for module in MODULES:
        if module.pages:
            assert module.templates is not None, module.name
            assert module.templates.is_dir(), module.name
            assert module.translations is not None, module.name
            assert (module.translations / "de/LC_MESSAGES/messages.po").is_file(), module.name


@pytest.mark.parametrize("module", sorted(catalogs()))
def test_every_text_of_the_pages_has_its_german_translation(module: str) -> None:
    directory, sources, declarations = catalogs()[module]
    with (directory / "de/LC_MESSAGES/messages.po").open("rb") as source:
        catalog = read_po(source, locale="de")
    missing = []
    for message in extracted(sources) | labels(declarations):
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(key)
            continue
        translations = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for translated in translations:
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(key)), key
    assert missing == [], "run pybabel extract/update (docs/frontend.md)"


@pytest.mark.parametrize(
    "path",
    sorted(p for d in template_directories() for p in d.rglob("*.html")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_templates_load_nothing_from_elsewhere_and_nothing_inline(path: Path) -> None:
    html = path.read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "a third-party address"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"
    assert not re.search(r"\sstyle=", html), "an inline style"


def test_scripts_and_styles_name_no_other_host() -> None:
    for path in (WEB / "static").iterdir():
        assert not re.search(r"https?://", path.read_text()), path.name


def test_pages_carry_the_security_headers_and_leaflet_comes_from_us(
    browser: Callable[[], Browser], world: World
) -> None:
    citizen = browser()
    page = citizen.get("/dresden/parken")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert 'src="/static/leaflet/leaflet.js"' in page.text
    leaflet = citizen.get("/static/leaflet/leaflet.js")
    assert leaflet.status_code == 200
    assert leaflet.headers["content-type"].startswith("text/javascript")
    # The token's cookie comes with a page that has a form (the parking page has none).
    cookie = citizen.get("/anmelden").headers["set-cookie"]
    assert "__Host-smartcity_csrf=" in cookie
    for flag in ("HttpOnly", "Secure", "SameSite=strict"):
        assert flag in cookie
    assert citizen.get("/static/web/../deps.py").status_code == 404
    assert citizen.get("/static/leaflet/%2e%2e/__init__.py").status_code == 404

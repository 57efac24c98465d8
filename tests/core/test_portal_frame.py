"""What modules add to every portal page (`Module.portal_frame`): their banners above the
content and their alternate links in the head, in module order, escaped like any text."""

from __future__ import annotations

from typing import Any

from smartcity.core.modules import AlternateLink, Module, PortalBanner, PortalFrame, Registry
from smartcity.core.web.layout import Brand
from smartcity.core.web.rendering import ENVIRONMENT


def warnings(_request: Any, municipality: Any) -> PortalFrame:
    return PortalFrame(
        banners=(PortalBanner(f"Sturmwarnung für {municipality} <b>", "danger", "/w", "Details"),),
        alternates=(AlternateLink("/dresden/warnungen.atom", "application/atom+xml", "Warnungen"),),
    )


def outage(_request: Any, _municipality: Any) -> PortalFrame:
    return PortalFrame(banners=(PortalBanner("Wartung heute Nacht", "info"),))


def test_the_frame_shows_every_modules_banners_and_alternate_links() -> None:
    registry = Registry(
        (
            Module(name="channel", portal_frame=(warnings,)),
            Module(name="other"),
            Module(name="ops", portal_frame=(outage,)),
        )
    )
    frame = registry.portal_frame(None, "Dresden")  # type: ignore[arg-type]
    assert [b.text for b in frame.banners] == [
        "Sturmwarnung für Dresden <b>",
        "Wartung heute Nacht",
    ]
    html = ENVIRONMENT.get_template("base.html").render(
        lang="de",
        page_title="Start",
        site_name="Dresden",
        home_url="/dresden/",
        web=None,
        nav=[],
        brand=Brand("Dresden", "dresden", None, None),
        frame=frame,
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/dresden/warnungen.atom" '
        'title="Warnungen">' in html
    )
    assert 'class="kern-alert kern-alert--danger"' in html
    assert "Sturmwarnung für Dresden &lt;b&gt;" in html
    assert '<a class="kern-link" href="/w">Details</a>' in html
    assert html.index("Sturmwarnung") < html.index("Wartung") < html.index('<main id="inhalt"')

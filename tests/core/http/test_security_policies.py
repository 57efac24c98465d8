"""A page that needs more than the platform's security policies (the gate scanner's
WebAssembly and camera, a council meeting's stream) asks core for them with extra sources per
directive and features allowed for itself, instead of editing the policy strings."""

from __future__ import annotations

from smartcity.core.http.middleware import (
    CONTENT_SECURITY_POLICY,
    SECURITY_HEADERS,
    content_security_policy,
    permissions_policy,
)


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


def test_extra_sources_are_added_to_the_platforms_policy() -> None:
    base = _directives(CONTENT_SECURITY_POLICY)
    assert content_security_policy() == CONTENT_SECURITY_POLICY
    assert content_security_policy({}) == CONTENT_SECURITY_POLICY
    wider = _directives(
        content_security_policy(
            {"script-src": ["'wasm-unsafe-eval'"], "connect-src": ["https://s.example", "'self'"]}
        )
    )
    assert wider["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert wider["connect-src"] == ["'self'", "https://s.example"]  # no source twice
    # Everything else stays as the platform has it.
    assert {k: v for k, v in wider.items() if k not in {"script-src", "connect-src"}} == {
        k: v for k, v in base.items() if k not in {"script-src", "connect-src"}
    }


def test_a_directive_the_platform_does_not_name_starts_from_default_src() -> None:
    policy = _directives(content_security_policy({"media-src": ["blob:", "https://s.example"]}))
    assert policy["media-src"] == ["'self'", "blob:", "https://s.example"]
    assert policy["object-src"] == ["'none'"]


def test_features_allowed_for_our_own_pages() -> None:
    assert dict(SECURITY_HEADERS)[b"permissions-policy"] == permissions_policy().encode()
    assert "camera=()" in permissions_policy()
    scanner = permissions_policy("camera")
    assert "camera=(self)" in scanner
    assert "microphone=()" in scanner
    assert "geolocation=(self)" in scanner

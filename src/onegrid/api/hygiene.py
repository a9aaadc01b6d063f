"""What every response and request passes through: security headers with a per-request CSP
nonce (Flask-Talisman), the session cookie's Secure flag, the body size limit, and the client's
address and scheme behind trusted proxies (Werkzeug's ProxyFix)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from onegrid.api.problems import problem
from onegrid.platform.settings import WebRules

# Leaflet and our scripts come from static/; the pages' few inline scripts and styles (folium's
# map) carry the request's nonce. Tiles from a configured tile server are the one other origin.
POLICY = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
          "img-src": "'self' data:", "connect-src": "'self'", "object-src": "'none'",
          "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'"}
_INLINE = re.compile(r"<(script|style)(?=[\s>])")


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when SESSION_COOKIE_SECURE says so, and always on a request
    that came over HTTPS (request.is_secure, which ProxyFix sets from X-Forwarded-Proto)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask, rules: WebRules, tile_url: str) -> None:
    app.config.update(MAX_CONTENT_LENGTH=rules.max_body_mb * 1024 * 1024,
                      SESSION_COOKIE_SECURE=rules.cookie_secure)
    app.session_interface = _SessionInterface()
    if rules.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=rules.proxy_hops,  # type: ignore[method-assign]
                                x_proto=rules.proxy_hops, x_host=rules.proxy_hops)
    policy = dict(POLICY)
    if tile_url:
        policy["img-src"] += " " + _origin(tile_url)
    if rules.stream_port:  # the screen's live feed, on that port of the site's host
        policy["connect-src"] += f" http://*:{rules.stream_port} https://*:{rules.stream_port}"
    Talisman(app, force_https=False, frame_options="DENY", content_security_policy=policy,
             content_security_policy_nonce_in=["script-src", "style-src"],
             referrer_policy="same-origin", session_cookie_secure=False,
             session_cookie_http_only=True, session_cookie_samesite="Lax")
    app.add_template_filter(_nonced, "nonced")

    @app.before_request
    def _refuse_large_bodies() -> None:
        # Before anything reads the form (the CSRF check does): judged by Content-Length alone.
        # A body sent without one is cut off at the same limit as it is read (Werkzeug).
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_err: RequestEntityTooLarge) -> Response:
        return problem(413, "The request is too large",
                       f"send at most {rules.max_body_mb} MB (a photo is at most 5 MB)",
                       "too-large")


def _nonced(html: str) -> Markup:
    """Trusted HTML (folium's map head) with this request's CSP nonce on its scripts and
    styles."""
    nonce = getattr(request, "csp_nonce", "")
    return Markup(_INLINE.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"', html))


def _origin(url: str) -> str:
    """The tile server as a CSP source; a host with a placeholder ({s}.tile.example.org) allows
    every subdomain of the rest."""
    parts = urlsplit(url)
    host = parts.netloc
    if "{" in host:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"

"""Absolute links for OGC responses (clients follow them as they are)."""

from __future__ import annotations

from typing import Any, TypedDict

from flask import request

GEOJSON = "application/geo+json"
JSON = "application/json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class Link(TypedDict):
    """A link as OGC API – Features writes them (RFC 8288's relation, an absolute href)."""

    rel: str
    type: str
    title: str
    href: str


def url(path: str, **query: Any) -> str:
    base = request.host_url.rstrip("/") + path
    args = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return f"{base}?{args}" if args else base


def link(rel: str, path: str, media: str = JSON, title: str = "", **query: Any) -> Link:
    return {"rel": rel, "type": media, "title": title or rel, "href": url(path, **query)}

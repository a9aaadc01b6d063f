"""Open311 answers in the two formats the spec defines: JSON and XML (text/xml)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response, json

from onegrid.platform.errors import InvalidInputError

FORMATS = {"json": "application/json", "xml": "text/xml"}
# In XML a list needs an element per item: the spec names the item after its list.
ITEMS = {"services": "service", "service_requests": "request", "endpoints": "endpoint",
         "formats": "format", "errors": "error", "attributes": "attribute", "values": "value",
         "keywords": "keyword"}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInputError(f"format {fmt!r}: use .json or .xml")
    return fmt


def respond(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """``body`` as JSON, or as XML under a ``root`` element (lists become one child per item)."""
    if fmt == "json":
        text = json.dumps(body, ensure_ascii=False)
        return Response(text, status=status, content_type="application/json; charset=utf-8")
    element = Element(root)
    _fill(element, body, ITEMS.get(root, "item"))
    xml = b'<?xml version="1.0" encoding="utf-8"?>' + tostring(element, encoding="utf-8",
                                                             xml_declaration=False)
    return Response(xml, status=status, content_type="text/xml; charset=utf-8")


def _fill(element: Element, value: Any, item_name: str) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(SubElement(element, item_name), item, "item")
    elif isinstance(value, dict):
        for key, child in value.items():
            _fill(SubElement(element, key), child, ITEMS.get(key, "item"))
    elif value is not None:
        element.text = str(value).lower() if isinstance(value, bool) else str(value)

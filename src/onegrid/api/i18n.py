"""The UI's message catalogs: Chinese by default, English with ?lang=en (kept in the session)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import cast

from flask import Flask, request, session

LANGUAGES = ("zh", "en")


@cache
def catalog(lang: str) -> dict[str, str]:
    return cast(dict[str, str], json.loads(
        files("onegrid.api").joinpath("messages", f"{lang}.json").read_text("utf-8")))


def current_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
    return cast(str, session.get("lang", "zh"))


def translate(key: str) -> str:
    """The message in the current language; the key itself when a catalog lacks it."""
    return catalog(current_language()).get(key, key)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _messages() -> dict[str, object]:
        lang = current_language()
        return {"t": translate, "lang": lang, "other_lang": "en" if lang == "zh" else "zh"}

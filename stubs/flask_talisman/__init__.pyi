# Flask-Talisman ships no types: the one call OneGrid makes.
from typing import Any

from flask import Flask

class Talisman:
    def __init__(self, app: Flask | None = ..., **kwargs: Any) -> None: ...

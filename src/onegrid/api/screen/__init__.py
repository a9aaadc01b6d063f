"""The command centre's screen (/screen): the wall page, its data, dispatch and the burden
report; one blueprint, its routes in the modules beside this one. The live feed is served by a
process of its own (stream.py)."""

from __future__ import annotations

from onegrid.api.screen import burden, wall
from onegrid.api.screen.blueprint import bp

__all__ = ["bp", "burden", "wall"]

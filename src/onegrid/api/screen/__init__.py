"""The command centre's screen (/screen): the wall page, its data, the live feed, dispatch and
the burden report; one blueprint, its routes in the modules beside this one."""

from __future__ import annotations

from onegrid.api.screen import burden, stream, wall
from onegrid.api.screen.blueprint import bp

__all__ = ["bp", "burden", "stream", "wall"]

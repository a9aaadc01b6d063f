"""The administrator's pages (/admin): departments, users and their areas, versioned lists,
the boundary import, admission applications, ingest keys and API tokens; one blueprint, a
module per section beside this one."""

from __future__ import annotations

from onegrid.api.admin import admission, boundaries, credentials, departments, lists, users
from onegrid.api.admin.blueprint import bp

__all__ = ["admission", "boundaries", "bp", "credentials", "departments", "lists", "users"]

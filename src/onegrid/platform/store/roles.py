"""Least privilege: what the web app's and the ingest workers' roles may do in the store
(sql/roles.sql), granted by its owner after every migration."""

from __future__ import annotations

from sqlalchemy import Connection, make_url

from onegrid.platform.settings import Settings
from onegrid.platform.store import sqlfiles


def app_roles(settings: Settings) -> tuple[str, str] | None:
    """The web's and ingest's roles (the users of their URLs), or None when either connects as
    the owner: one URL for everything (an operator's external database) grants nothing."""
    owner, web, ingest = (make_url(url).username for url in (
        settings.owner_database_url, settings.database_url, settings.ingest_database_url))
    if owner in (web, ingest) or web is None or ingest is None:
        return None
    return web, ingest


def grant(conn: Connection, web: str, ingest: str) -> None:
    """Give ``web`` and ``ingest`` exactly the privileges of sql/roles.sql on the store's tables
    and sequences, and on those the connected role (the owner) creates later. Runs in the
    caller's transaction."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    script = sqlfiles.source("onegrid.platform.store", "roles")
    conn.exec_driver_sql(script.format(web=quote(web), ingest=quote(ingest)),
                         execution_options={"no_parameters": True})
